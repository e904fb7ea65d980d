// Generated guest workloads: determinism, shape, and rough statistics.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

#include "engine/block_device.h"
#include "sim/guest/workload.h"
#include "sim/guest/workload_zipf.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

std::vector<GuestRequest> drain(RequestSource& source, std::size_t limit = 1'000'000) {
  std::vector<GuestRequest> out;
  while (out.size() < limit) {
    auto request = source.next();
    if (!request) break;
    out.push_back(*request);
  }
  return out;
}

std::vector<GuestRequest> generate(const WorkloadParams& params, std::uint64_t disk,
                                   std::uint64_t seed, std::size_t limit = 1'000'000) {
  WorkloadGenerator generator(params, disk, RandomStream::derive(seed, streams::kWorkload));
  return drain(generator, limit);
}

WorkloadParams counted(std::uint64_t requests) {
  WorkloadParams p;
  p.max_requests = requests;
  return p;
}

TEST(Workload, SameSeedSameSequenceOtherSeedOtherSequence) {
  WorkloadParams p = counted(2000);
  p.arrival = Arrival::kUniform;
  p.size = UniformSize{512, 256 * 1024};
  p.mix = OpMix{4, 1, 1, 2};
  p.locality = Locality::kZipf;
  const auto a = generate(p, 64 * kMiB, 1);
  EXPECT_EQ(a.size(), 2000u);
  EXPECT_EQ(a, generate(p, 64 * kMiB, 1));
  EXPECT_NE(a, generate(p, 64 * kMiB, 2));
}

TEST(Workload, FirstRequestsArePinned) {
  // Part of the replay contract: changing the draws breaks saved scenarios.
  WorkloadParams p = counted(3);
  p.size = UniformSize{4096, 65536};
  p.mix = OpMix{1, 0, 0, 1};
  const auto got = generate(p, 64 * kMiB, 1);
  ASSERT_EQ(got.size(), 3u);
  // Every request derives only from RandomStream(derive(1, "workload")).
  RandomStream r = RandomStream::derive(1, streams::kWorkload);
  for (const GuestRequest& request : got) {
    const GuestOp op = r.unit() * 2.0 < 1.0 ? GuestOp::kWrite : GuestOp::kRead;
    const std::uint64_t offset = r.below(64 * kMiB / 4096) * 4096;
    const std::uint64_t length = r.between(8, 128) * 512;
    EXPECT_EQ(request.op, op);
    EXPECT_EQ(request.offset, offset);
    EXPECT_EQ(request.length, length);
  }
  EXPECT_EQ(got[0].time, 0);
  EXPECT_EQ(got[1].time, 10'000'000);  // 100 IOPS, fixed arrival: 10 ms apart
  EXPECT_EQ(got[2].time, 20'000'000);
}

RC_GTEST_PROP(Workload, RequestsAreAlignedInRangeAndOrdered, ()) {
  WorkloadParams p;
  p.locality = *rc::gen::element(Locality::kUniform, Locality::kSequential, Locality::kHotspot,
                                 Locality::kZipf);
  p.arrival = *rc::gen::element(Arrival::kFixed, Arrival::kUniform, Arrival::kPoisson);
  p.align_bytes = std::uint64_t{512} << *rc::gen::inRange(0, 12);
  const auto sector_count = rc::gen::inRange<std::uint64_t>(1, 4096);
  const std::uint64_t a = *sector_count * 512;
  const std::uint64_t b = *sector_count * 512;
  p.size = UniformSize{std::min(a, b), std::max(a, b)};
  p.hot_fraction = *rc::gen::inRange(1, 101) / 100.0;
  p.hot_offset_bytes = *rc::gen::inRange<std::uint64_t>(0, 1 << 20) * 512;
  p.zipf_theta = *rc::gen::inRange(1, 300) / 100.0;
  p.mix = OpMix{1, 1, 1, 1};
  p.rate_iops = *rc::gen::inRange(1, 100000);
  p.max_requests = 500;
  const std::uint64_t disk = *rc::gen::inRange<std::uint64_t>(1, 1 << 22) * 512;
  const auto requests = generate(p, disk, *rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()));
  RC_ASSERT(requests.size() == 500u);
  engine::TimeNs previous = 0;
  for (const GuestRequest& r : requests) {
    RC_ASSERT(r.offset % 512 == 0);
    RC_ASSERT(r.length % 512 == 0);
    RC_ASSERT(r.length > 0u);
    RC_ASSERT(r.offset + r.length <= disk);
    if (p.locality != Locality::kSequential) RC_ASSERT(r.offset % p.align_bytes == 0);
    RC_ASSERT(r.time >= previous);
    previous = r.time;
  }
}

// flush_every draws nothing: the other requests are those drawn without
// it, and a flush follows every n-th content change at its instant.
TEST(Workload, FlushEveryAddsFlushesAndChangesNothingElse) {
  WorkloadParams p;
  p.max_requests = 300;
  p.mix = OpMix{4, 1, 1, 2};
  const auto plain = generate(p, 64 * kMiB, 5);
  p.flush_every = 3;
  const auto flushed = generate(p, 64 * kMiB, 5);
  std::vector<GuestRequest> others;
  std::uint64_t changes = 0;
  for (std::size_t i = 0; i < flushed.size(); ++i) {
    if (flushed[i].op == GuestOp::kFlush) {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(flushed[i], (GuestRequest{flushed[i - 1].time, GuestOp::kFlush, 0, 0}));
      EXPECT_EQ(changes % 3, 0u);
      EXPECT_TRUE(changes_content(flushed[i - 1].op));
      continue;
    }
    if (changes_content(flushed[i].op)) ++changes;
    others.push_back(flushed[i]);
  }
  EXPECT_EQ(others, plain);
  EXPECT_EQ(flushed.size() - plain.size(), changes / 3);
}

TEST(Workload, OpMixIsRoughlyItsWeights) {
  WorkloadParams p = counted(40000);
  p.mix = OpMix{4, 2, 1, 1};
  std::map<GuestOp, int> seen;
  for (const GuestRequest& r : generate(p, 64 * kMiB, 3)) ++seen[r.op];
  EXPECT_NEAR(seen[GuestOp::kWrite] / 40000.0, 0.5, 0.02);
  EXPECT_NEAR(seen[GuestOp::kWriteZeroes] / 40000.0, 0.25, 0.02);
  EXPECT_NEAR(seen[GuestOp::kDiscard] / 40000.0, 0.125, 0.02);
  EXPECT_NEAR(seen[GuestOp::kRead] / 40000.0, 0.125, 0.02);

  p.mix = OpMix{0, 0, 0, 1};
  for (const GuestRequest& r : generate(p, 64 * kMiB, 3)) ASSERT_EQ(r.op, GuestOp::kRead);
}

TEST(Workload, UniformLocalityCoversTheDiskEvenly) {
  WorkloadParams p = counted(40000);
  std::vector<int> quarters(4);
  for (const GuestRequest& r : generate(p, 64 * kMiB, 4)) ++quarters[r.offset / (16 * kMiB)];
  for (int count : quarters) EXPECT_NEAR(count / 40000.0, 0.25, 0.02);
}

TEST(Workload, HotspotSendsHotShareToTheHotRegion) {
  WorkloadParams p = counted(40000);
  p.locality = Locality::kHotspot;
  p.hot_fraction = 0.1;
  p.hot_share = 0.9;
  p.hot_offset_bytes = 32 * kMiB;
  const std::uint64_t hot_begin = 32 * kMiB;
  const std::uint64_t hot_end =
      hot_begin + static_cast<std::uint64_t>(std::ceil(0.1 * 16384)) * 4096;
  int hot = 0;
  for (const GuestRequest& r : generate(p, 64 * kMiB, 5)) {
    hot += r.offset >= hot_begin && r.offset < hot_end;
  }
  // 90% aimed at the hot region, and 10% of the cold draws... none land there.
  EXPECT_NEAR(hot / 40000.0, 0.9, 0.01);
}

TEST(Workload, HotRegionIsClampedToTheDisk) {
  WorkloadParams p = counted(2000);
  p.locality = Locality::kHotspot;
  p.hot_fraction = 0.5;
  p.hot_share = 1.0;
  p.hot_offset_bytes = 1024 * kMiB;  // past the end: the region ends at the disk end
  for (const GuestRequest& r : generate(p, 64 * kMiB, 6)) ASSERT_GE(r.offset, 32 * kMiB);
}

TEST(Workload, SequentialRequestsFollowEachOtherAndWrap) {
  WorkloadParams p = counted(100);
  p.locality = Locality::kSequential;
  p.size = FixedSize{96 * 1024};
  const std::uint64_t disk = 1 * kMiB;
  const auto requests = generate(p, disk, 7);
  std::uint64_t expected = 0;
  for (const GuestRequest& r : requests) {
    if (expected >= disk) expected = 0;
    ASSERT_EQ(r.offset, expected);
    ASSERT_EQ(r.length, std::min<std::uint64_t>(96 * 1024, disk - r.offset));
    expected = r.offset + r.length;
  }
}

TEST(Workload, SizeDistributions) {
  WorkloadParams p = counted(5000);
  p.size = UniformSize{512, 4096};
  std::map<std::uint64_t, int> sizes;
  for (const GuestRequest& r : generate(p, 64 * kMiB, 8)) ++sizes[r.length];
  EXPECT_EQ(sizes.size(), 8u);  // 512, 1024, ..., 4096, all of them
  EXPECT_EQ(sizes.begin()->first, 512u);
  EXPECT_EQ(sizes.rbegin()->first, 4096u);

  p.size = ChoiceSize{{4096, 1 * kMiB}};
  int small = 0;
  for (const GuestRequest& r : generate(p, 64 * kMiB, 8)) {
    // 1 MiB requests near the end are cut at the disk end.
    ASSERT_TRUE(r.length == 4096 || r.length == 1 * kMiB || r.offset + r.length == 64 * kMiB);
    small += r.length == 4096;
  }
  EXPECT_NEAR(small / 5000.0, 0.5, 0.03);
}

TEST(Workload, RequestsAreCutAtTheDiskEnd) {
  WorkloadParams p = counted(2000);
  p.size = FixedSize{1 * kMiB};
  p.align_bytes = 512;
  const std::uint64_t disk = 1025 * 1024;  // an unaligned length
  bool saw_cut = false;
  for (const GuestRequest& r : generate(p, disk, 9)) {
    ASSERT_LE(r.offset + r.length, disk);
    saw_cut |= r.length < 1 * kMiB;
  }
  EXPECT_TRUE(saw_cut);
}

TEST(Workload, EmptyDiskGetsNoRequests) {
  EXPECT_TRUE(generate(counted(10), 0, 1).empty());
}

TEST(Workload, RateAndArrival) {
  WorkloadParams p = counted(10001);
  p.rate_iops = 1000;
  p.start_us = 500;
  auto fixed = generate(p, 64 * kMiB, 10);
  EXPECT_EQ(fixed.front().time, 500'000);
  for (std::size_t i = 1; i < fixed.size(); ++i) {
    ASSERT_EQ(fixed[i].time - fixed[i - 1].time, 1'000'000);  // 1 ms
  }
  p.arrival = Arrival::kUniform;
  auto jittered = generate(p, 64 * kMiB, 10);
  const double mean_gap =
      static_cast<double>(jittered.back().time - jittered.front().time) / 10000.0;
  EXPECT_NEAR(mean_gap, 1e6, 2e4);
  // Poisson: exponential gaps, so the mean and the standard deviation are
  // both 1/r, and about e^-1 of the gaps are longer than the mean.
  p.arrival = Arrival::kPoisson;
  auto poisson = generate(p, 64 * kMiB, 10);
  double sum = 0, squares = 0;
  std::size_t longer = 0;
  for (std::size_t i = 1; i < poisson.size(); ++i) {
    const auto gap = static_cast<double>(poisson[i].time - poisson[i - 1].time);
    sum += gap;
    squares += gap * gap;
    longer += gap > 1e6 ? 1 : 0;
  }
  const double n = static_cast<double>(poisson.size() - 1);
  const double mean = sum / n;
  EXPECT_NEAR(mean, 1e6, 3e4);
  EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 1e6, 5e4);
  EXPECT_NEAR(static_cast<double>(longer) / n, std::exp(-1.0), 0.02);
}

TEST(Workload, StopTimeAndMaxRequestsEndTheWorkload) {
  WorkloadParams p;
  p.rate_iops = 1000;
  p.stop_us = 100'000;  // 100 ms: requests at 0, 1, ..., 99 ms
  EXPECT_EQ(generate(p, 64 * kMiB, 11).size(), 100u);
  p.max_requests = 7;
  EXPECT_EQ(generate(p, 64 * kMiB, 11).size(), 7u);
}

TEST(Workload, BurstsLeaveTheOffPartsQuiet) {
  WorkloadParams p;
  p.rate_iops = 10000;
  p.burst_on_us = 10'000;   // 10 ms on
  p.burst_off_us = 30'000;  // 30 ms off
  p.start_us = 1'000;
  p.stop_us = 1'001'000;  // 25 periods of 40 ms
  const auto requests = generate(p, 64 * kMiB, 12);
  for (const GuestRequest& r : requests) {
    const engine::TimeNs into_period = (r.time - 1'000'000) % 40'000'000;
    ASSERT_LT(into_period, 10'000'000);
  }
  EXPECT_EQ(requests.size(), 25u * 100u);  // 100 requests per 10 ms burst
}

TEST(Workload, PhasesChangeTheRateAndEndTheWorkload) {
  WorkloadParams p;
  p.rate_iops = 1;  // not used when phases are given
  p.phases = {Phase{100'000, 0.0}, Phase{100'000, 1000.0}, Phase{50'000, 100.0}};
  const auto requests = generate(p, 64 * kMiB, 13);
  int quiet = 0, heavy = 0, light = 0;
  for (const GuestRequest& r : requests) {
    if (r.time < 100'000'000)
      ++quiet;
    else if (r.time < 200'000'000)
      ++heavy;
    else
      ++light;
    ASSERT_LT(r.time, 250'000'000);
  }
  EXPECT_EQ(quiet, 0);
  EXPECT_EQ(heavy, 100);
  EXPECT_EQ(light, 5);
}

TEST(Workload, InvalidParametersAreRejected) {
  WorkloadParams p;
  p.align_bytes = 1000;
  EXPECT_THROW(WorkloadGenerator(p, 64 * kMiB, RandomStream(1)), std::invalid_argument);
  p = WorkloadParams{};
  p.mix = OpMix{0, 0, 0, 0};
  EXPECT_THROW(WorkloadGenerator(p, 64 * kMiB, RandomStream(1)), std::invalid_argument);
  p = WorkloadParams{};
  EXPECT_THROW(WorkloadGenerator(p, 1000, RandomStream(1)), std::invalid_argument);
  p = WorkloadParams{};
  p.rate_iops = std::nan("");
  const auto problem = check_workload_params(p);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->key, "rate_iops");
}

// Zipf: ranks follow k^-theta closely enough, for several exponents.
class ZipfShape : public testing::TestWithParam<double> {};

TEST_P(ZipfShape, RankFrequenciesMatchTheLaw) {
  const double theta = GetParam();
  const std::uint64_t n = 1000;
  ZipfSampler zipf(n, theta);
  RandomStream random(99);
  std::vector<int> counts(n + 1);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t k = zipf.sample(random);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, n);
    ++counts[k];
  }
  double norm = 0;
  for (std::uint64_t k = 1; k <= n; ++k) norm += std::pow(static_cast<double>(k), -theta);
  for (std::uint64_t k : {1, 2, 3, 10, 100}) {
    const double expected = std::pow(static_cast<double>(k), -theta) / norm;
    const double sd = std::sqrt(expected * (1 - expected) / draws);
    EXPECT_NEAR(counts[k] / static_cast<double>(draws), expected, 5 * sd + 1e-4)
        << "rank " << k << " theta " << theta;
  }
}

INSTANTIATE_TEST_SUITE_P(Exponents, ZipfShape, testing::Values(0.5, 0.99, 1.0, 1.5, 3.0));

TEST(Zipf, HugeRankCountsWork) {
  ZipfSampler zipf(std::uint64_t{1} << 40, 0.99);  // 4 KiB blocks of a 4 PiB disk
  RandomStream random(5);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t k = zipf.sample(random);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, std::uint64_t{1} << 40);
  }
  ZipfSampler one(1, 2.0);
  EXPECT_EQ(one.sample(random), 1u);
}

TEST(Workload, ZipfLocalityIsSkewedButSpread) {
  WorkloadParams p = counted(20000);
  p.locality = Locality::kZipf;
  p.zipf_theta = 1.2;
  std::map<std::uint64_t, int> per_offset;
  for (const GuestRequest& r : generate(p, 64 * kMiB, 14)) ++per_offset[r.offset];
  std::vector<int> counts;
  for (const auto& [offset, count] : per_offset) counts.push_back(count);
  std::sort(counts.rbegin(), counts.rend());
  EXPECT_GT(counts[0], 20000 / 10);  // the hottest block gets a large share
  // The hottest block is not simply the first one: ranks are spread.
  const auto hottest = std::max_element(per_offset.begin(), per_offset.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
  EXPECT_EQ(hottest->first, 0u);  // rank 1 maps to block 0 ...
  bool second_is_far = false;
  for (const auto& [offset, count] : per_offset) {
    if (count == counts[1] && offset > 4096) second_is_far = true;  // ... rank 2 elsewhere
  }
  EXPECT_TRUE(second_is_far);
}

}  // namespace
}  // namespace mirrorsim::sim
