// Fault plans: rules fire exactly as specified, are logged, and a failed
// write changes nothing; a thin disk's ENOSPC is separate from the rules.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/fault_plan.h"
#include "sim/kernel/random.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::sim {
namespace {

FaultQuery query(DiskOp op, std::uint64_t offset = 0, std::uint64_t length = 4096,
                 engine::TimeNs time = 0) {
  return {op, offset, length, time};
}

// Decisions of `plan` for `n` writes at time 0.
std::vector<int> decide_writes(FaultPlan& plan, int n, RandomStream& stream) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(plan.decide(query(DiskOp::kWrite), stream));
  return out;
}

TEST(FaultPlan, NoRulesNoFaults) {
  FaultPlan plan;
  RandomStream stream(1);
  EXPECT_EQ(decide_writes(plan, 3, stream), (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(plan.injected(), 0u);
}

TEST(FaultPlan, OnceFiresExactlyOnce) {
  FaultPlan plan({FaultRule{.op = DiskOp::kWrite, .once = true}});
  RandomStream stream(1);
  EXPECT_EQ(plan.decide(query(DiskOp::kRead), stream), 0);  // other kind: no match
  EXPECT_EQ(decide_writes(plan, 4, stream), (std::vector<int>{EIO, 0, 0, 0}));
  EXPECT_EQ(plan.fired(0), 1u);
  EXPECT_EQ(plan.matches(0), 4u);
  EXPECT_EQ(plan.injected(), 1u);
}

TEST(FaultPlan, AfterNMatchesThenEveryTimeOrOnce) {
  FaultPlan every({FaultRule{.after = 2, .error = ENOSPC}});
  RandomStream stream(1);
  EXPECT_EQ(decide_writes(every, 5, stream), (std::vector<int>{0, 0, ENOSPC, ENOSPC, ENOSPC}));
  FaultPlan once({FaultRule{.after = 2, .once = true}});
  EXPECT_EQ(decide_writes(once, 5, stream), (std::vector<int>{0, 0, EIO, 0, 0}));
}

TEST(FaultPlan, TimeWindowIsHalfOpen) {
  FaultPlan plan({FaultRule{.from_ns = 1000, .to_ns = 2000}});
  RandomStream stream(1);
  std::vector<int> got;
  for (engine::TimeNs t : {0, 999, 1000, 1500, 1999, 2000, 5000}) {
    got.push_back(plan.decide(query(DiskOp::kRead, 0, 512, t), stream));
  }
  EXPECT_EQ(got, (std::vector<int>{0, 0, EIO, EIO, EIO, 0, 0}));
}

TEST(FaultPlan, ByteRangeMustOverlapAndFlushHasNone) {
  FaultPlan plan({FaultRule{.offset_bytes = 8192, .length_bytes = 4096}});
  RandomStream stream(1);
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 4096, 4096), stream), 0);    // ends at the start
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 7680, 1024), stream), EIO);  // overlaps the start
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 12288 - 512, 512), stream), EIO);
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 12288, 4096), stream), 0);  // starts at the end
  EXPECT_EQ(plan.decide(query(DiskOp::kFlush, 0, 0), stream), 0);
  FaultPlan flushes({FaultRule{.op = DiskOp::kFlush}});
  EXPECT_EQ(flushes.decide(query(DiskOp::kFlush, 0, 0), stream), EIO);
  EXPECT_EQ(flushes.decide(query(DiskOp::kDiscard), stream), 0);
}

TEST(FaultPlan, WholeDiskLengthFromAnOffsetRunsToTheEnd) {
  FaultPlan plan({FaultRule{.offset_bytes = 8192}});
  RandomStream stream(1);
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 4096, 4096), stream), 0);  // ends at the start
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 8192, 512), stream), EIO);
  EXPECT_EQ(plan.decide(query(DiskOp::kWrite, UINT64_MAX - 512, 512), stream), EIO);
  EXPECT_EQ(plan.decide(query(DiskOp::kFlush, 0, 0), stream), 0);  // a range: no flush
  EXPECT_EQ(FaultRule{.offset_bytes = 8192}.describe(), "any [8192, end) EIO");
}

TEST(FaultPlan, NothingFailsFromTheEndOfFaultsOnAndNothingIsDrawn) {
  FaultPlan plan({FaultRule{.probability = 0.5}});
  plan.end_faults_at(1000);
  EXPECT_EQ(plan.faults_end_ns(), 1000);
  RandomStream stream(1);
  RandomStream untouched(1);
  for (engine::TimeNs t : {1000, 1001, 50'000}) {
    EXPECT_EQ(plan.decide(query(DiskOp::kWrite, 0, 512, t), stream), 0);
  }
  EXPECT_EQ(plan.matches(0), 0u);
  EXPECT_EQ(stream.next_u64(), untouched.next_u64());  // the stream is where it was
  FaultPlan certain({FaultRule{}});
  certain.end_faults_at(1000);
  EXPECT_EQ(certain.decide(query(DiskOp::kWrite, 0, 512, 999), stream), EIO);
  EXPECT_EQ(certain.decide(query(DiskOp::kWrite, 0, 512, 1000), stream), 0);
  EXPECT_THROW(certain.end_faults_at(-1), std::invalid_argument);
}

TEST(FaultPlan, FirstMatchingRuleDecides) {
  // A rule that decides "no" shadows the later ones...
  FaultPlan shadow({FaultRule{.op = DiskOp::kWrite, .probability = 0.0}, FaultRule{}});
  RandomStream stream(1);
  EXPECT_EQ(decide_writes(shadow, 3, stream), (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(shadow.decide(query(DiskOp::kRead), stream), EIO);  // ...for writes only
  // ...while a spent once-rule or a rule still counting steps aside.
  FaultPlan chain({FaultRule{.once = true, .error = ENOSPC}, FaultRule{.after = 2, .error = EINVAL},
                   FaultRule{.probability = 0.0}});
  EXPECT_EQ(decide_writes(chain, 5, stream), (std::vector<int>{ENOSPC, 0, 0, EINVAL, EINVAL}));
  // Rule 1 saw requests 2..5 only: rule 0 decided the first.
  EXPECT_EQ(chain.matches(1), 4u);
}

TEST(FaultPlan, ProbabilityWithAFixedSeedGivesAFixedPattern) {
  auto pattern = [](std::uint64_t seed) {
    FaultPlan plan({FaultRule{.probability = 0.3}});
    RandomStream stream(seed);
    return decide_writes(plan, 200, stream);
  };
  const std::vector<int> a = pattern(42);
  EXPECT_EQ(a, pattern(42));
  EXPECT_NE(a, pattern(43));
  // Exactly the draws of the stream: fault i iff the i-th unit() < 0.3.
  RandomStream reference(42);
  int fired = 0;
  for (int decision : a) {
    EXPECT_EQ(decision != 0, reference.chance(0.3));
    fired += decision != 0;
  }
  EXPECT_GT(fired, 35);
  EXPECT_LT(fired, 85);
  // Certain rules draw nothing, so they never shift the stream.
  FaultPlan certain({FaultRule{}});
  RandomStream untouched(42);
  certain.decide(query(DiskOp::kWrite), untouched);
  EXPECT_EQ(untouched.next_u64(), RandomStream(42).next_u64());
}

TEST(FaultPlan, InvalidRulesAreRejected) {
  EXPECT_THROW(FaultPlan({FaultRule{.error = EPERM}}), std::invalid_argument);
  EXPECT_THROW(FaultPlan({FaultRule{.probability = 1.5}}), std::invalid_argument);
  EXPECT_THROW(FaultPlan({FaultRule{.length_bytes = 0}}), std::invalid_argument);
  EXPECT_THROW(FaultPlan({FaultRule{.from_ns = 10, .to_ns = 5}}), std::invalid_argument);
  try {
    FaultPlan({FaultRule{.op = DiskOp::kWrite, .error = 1234}});
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("EIO, ENOSPC or EINVAL"), std::string::npos) << e.what();
  }
  EXPECT_EQ(
      FaultRule(
          {.op = DiskOp::kWrite, .offset_bytes = 0, .length_bytes = 4096, .after = 2, .once = true})
          .describe(),
      "write [0, +4096) after 2 once EIO");
  EXPECT_EQ(parse_disk_op("write_zeroes"), DiskOp::kWriteZeroes);
  EXPECT_FALSE(parse_disk_op("trim").has_value());
}

// --- Through a SimDisk ---

struct Fixture {
  Simulation sim{SimulationOptions{.seed = 7, .retain_log = true}};
  ContentSource content;
  std::shared_ptr<DiskImage> image;
  std::unique_ptr<SimDisk> disk;

  explicit Fixture(DiskOptions options) {
    image = std::make_shared<DiskImage>(options);
    disk = std::make_unique<SimDisk>(sim, content, 3, image);
  }

  std::vector<LogRecord> records(EventKind kind) const {
    std::vector<LogRecord> out;
    for (const LogRecord& r : sim.log().records()) {
      if (r.kind == kind) out.push_back(r);
    }
    return out;
  }
};

DiskOptions small_disk() {
  DiskOptions o;
  o.name = "target";
  o.length_bytes = 1 << 20;
  o.cluster_bytes = 64 << 10;
  o.latency_ns = 1000;
  o.bandwidth_bytes_per_s = 0;
  return o;
}

TEST(FaultPlanOnDisk, InjectedFaultsAreLoggedAndFailedWritesChangeNothing) {
  Fixture f(small_disk());
  f.disk->set_fault_plan(FaultPlan(
      {FaultRule{.op = DiskOp::kWrite, .offset_bytes = 0, .length_bytes = 8192, .once = true}}));
  std::vector<int> errors;
  f.sim.spawn("guest", [&] {
    errors.push_back(f.disk->write_fresh(4096, 4096).error);  // fails
    errors.push_back(f.disk->write_fresh(4096, 4096).error);  // once: succeeds
    errors.push_back(f.disk->write_fresh(65536, 4096).error);
  });
  ASSERT_TRUE(f.sim.run().ok());
  EXPECT_EQ(errors, (std::vector<int>{EIO, 0, 0}));
  const std::vector<LogRecord> faults = f.records(EventKind::kFaultInjected);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].subject, 3u);
  EXPECT_EQ(faults[0].a, 4096u);
  EXPECT_EQ(faults[0].b, pack_length_op(4096, DiskOp::kWrite));
  EXPECT_EQ(faults[0].c, static_cast<std::uint64_t>(EIO));
  EXPECT_EQ(faults[0].time, 0);
  const std::vector<LogRecord> ends = f.records(EventKind::kDiskRequestEnd);
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_EQ(ends[0].c, static_cast<std::uint64_t>(EIO));
  EXPECT_EQ(ends[0].time, 1000);  // a failing request still takes its time
  // Value 1 went to the failed write and never reached the disk; value 2 did.
  EXPECT_EQ(f.image->read(4096, 512).at(0), (SectorContent{2, 0}));
  EXPECT_EQ(f.disk->stats().faults_injected, 1u);
  EXPECT_EQ(f.disk->stats().errors, 1u);
}

TEST(FaultPlanOnDisk, FailedReadReturnsNoPayload) {
  Fixture f(small_disk());
  f.disk->set_fault_plan(FaultPlan({FaultRule{.op = DiskOp::kRead, .error = EINVAL}}));
  engine::PayloadPtr out;
  int error = 0;
  f.sim.spawn("reader", [&] { error = f.disk->read(0, 4096, out).error; });
  ASSERT_TRUE(f.sim.run().ok());
  EXPECT_EQ(error, EINVAL);
  EXPECT_EQ(out, nullptr);
}

TEST(FaultPlanOnDisk, ThinTargetGivesEnospcWithoutARule) {
  DiskOptions o = small_disk();
  o.capacity_bytes = 128 << 10;  // two clusters
  Fixture f(o);
  std::vector<int> errors;
  f.sim.spawn("guest", [&] {
    errors.push_back(f.disk->write_fresh(0, 4096).error);
    errors.push_back(f.disk->write_fresh(65536, 4096).error);
    errors.push_back(f.disk->write_fresh(131072, 4096).error);  // a third cluster
    errors.push_back(f.disk->write_zeroes(0, 65536, true).error);
    errors.push_back(f.disk->write_fresh(131072, 4096).error);  // room again
  });
  ASSERT_TRUE(f.sim.run().ok());
  EXPECT_EQ(errors, (std::vector<int>{0, 0, ENOSPC, 0, 0}));
  EXPECT_TRUE(f.records(EventKind::kFaultInjected).empty());
  EXPECT_EQ(f.records(EventKind::kDiskRequestEnd)[2].c, static_cast<std::uint64_t>(ENOSPC));
  EXPECT_EQ(f.image->allocated_bytes(), std::uint64_t{128} << 10);
}

TEST(FaultPlanOnDisk, SameSeedSameFaults) {
  auto run = [](std::uint64_t seed) {
    Simulation sim(SimulationOptions{.seed = seed});
    ContentSource content;
    SimDisk disk(sim, content, 1, std::make_shared<DiskImage>(small_disk()));
    disk.set_fault_plan(FaultPlan({FaultRule{.probability = 0.5}}));
    std::vector<int> errors;
    sim.spawn("guest", [&] {
      for (int i = 0; i < 64; ++i) errors.push_back(disk.write_fresh(0, 512).error);
    });
    const RunOutcome outcome = sim.run();
    EXPECT_TRUE(outcome.ok());
    return std::make_pair(errors, outcome.log_hash);
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5).first, run(6).first);
}

}  // namespace
}  // namespace mirrorsim::sim
