// Failure text a person can read: which guest request, base image or old
// data wrote each side of a content difference (properties/content_provenance).
#include "properties/content_provenance.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "properties/run_report.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/extent_store.h"
#include "sim/kernel/random.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim {
namespace {

using properties::ContentProvenance;
using properties::describe_difference;
using properties::DifferenceSides;
using properties::human_size;
using properties::RequestLookup;
using sim::GuestOp;
using sim::GuestRequest;
using sim::SectorContent;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;

// Two guest requests: #1 a write of 8 KiB at 2093056 issued at 1.2 ms, #2 a
// read, #3 a write of 4 KiB at 0 issued at 2 s.
std::optional<GuestRequest> three_requests(std::uint64_t number) {
  static const std::vector<GuestRequest> requests = {
      {1'200'000, GuestOp::kWrite, 2093056, 8 * kKiB},
      {1'500'000, GuestOp::kRead, 0, 4 * kKiB},
      {2'000'000'000, GuestOp::kWrite, 0, 4 * kKiB},
  };
  if (number == 0 || number > requests.size()) return std::nullopt;
  return requests[number - 1];
}

TEST(HumanSize, UsesTheLargestExactBinaryUnit) {
  EXPECT_EQ(human_size(0), "0 bytes");
  EXPECT_EQ(human_size(512), "512 bytes");
  EXPECT_EQ(human_size(1536), "1536 bytes");
  EXPECT_EQ(human_size(8 * kKiB), "8 KiB");
  EXPECT_EQ(human_size(1536 * kKiB), "1536 KiB");
  EXPECT_EQ(human_size(64 * kMiB), "64 MiB");
  EXPECT_EQ(human_size(std::uint64_t{1} << 40), "1 TiB");
}

TEST(ContentProvenance, NamesZeroesFillsAndGuestRequests) {
  ContentProvenance p;
  p.record_fill(1, "the base image's original data");
  p.record_guest_write(2, 1, false);
  p.record_guest_write(3, 3, true);
  const RequestLookup lookup = three_requests;

  EXPECT_EQ(p.describe({0, 0}, 4096, lookup), "zeroes");
  EXPECT_EQ(p.describe({sim::kZeroClusterValue, 0}, 4096, lookup), "zeroes");
  EXPECT_EQ(p.describe({1, 4096}, 2 * kMiB, lookup),
            "the base image's original data (sector 4096 of it)");
  EXPECT_EQ(p.describe({2, 8}, 2 * kMiB, lookup),
            "guest request #1 (write, t=0.001200 s, offset 2093056, 8 KiB, sector 8 of it)");
  EXPECT_EQ(p.describe({3, 0}, 0, lookup),
            "guest request #3 after the pivot (write, t=2.000000 s, offset 0, 4 KiB, sector 0 of "
            "it)");
}

TEST(ContentProvenance, SaysWhereMisplacedContentBelongs) {
  ContentProvenance p;
  p.record_fill(1, "the base image's original data");
  p.record_guest_write(2, 1, false);
  const RequestLookup lookup = three_requests;
  EXPECT_EQ(p.describe({1, 8}, 0, lookup),
            "the base image's original data (sector 8 of it, which belongs at byte 4096)");
  EXPECT_EQ(p.describe({2, 0}, 2 * kMiB, lookup),
            "guest request #1 (write, t=0.001200 s, offset 2093056, 8 KiB, sector 0 of it, which "
            "belongs at byte 2093056)");
}

TEST(ContentProvenance, FallsBackToTheNumberOrTheRawValue) {
  ContentProvenance p;
  p.record_guest_write(5, 1, false);
  p.record_guest_write(8, 2, false);  // 6 and 7 went elsewhere
  EXPECT_EQ(p.describe({5, 8}, 0, RequestLookup{}), "guest request #1 (sector 8 of it)");
  EXPECT_EQ(p.describe({8, 1}, 0, [](std::uint64_t) { return std::optional<GuestRequest>(); }),
            "guest request #2 (sector 1 of it)");
  EXPECT_EQ(p.describe({6, 2}, 0, RequestLookup{}),
            "content value 6 of unknown origin (sector 2 of it)");
  EXPECT_EQ(p.describe({4, 0}, 0, RequestLookup{}),
            "content value 4 of unknown origin (sector 0 of it)");
  EXPECT_EQ(p.describe({9, 0}, 0, RequestLookup{}),
            "content value 9 of unknown origin (sector 0 of it)");
}

TEST(ContentProvenance, SaysWhichLayerHoldsZeroes) {
  ContentProvenance p;
  p.record_fill(1, "the base image's original data");
  sim::ExtentStore top(1 * kMiB);
  sim::ExtentStore base(64 * kKiB);
  top.assign(0, 4096, sim::kZeroValue, 0);              // zeroes stored on the top layer
  base.assign(0, 32 * kKiB, 1, 0);                      // base data under [0, 32 KiB)
  base.assign(8192, 4096, sim::kZeroValue, 0);          // a zeroed range on the base
  base.assign(16384, 4096, sim::kZeroClusterValue, 0);  // a zero cluster on the base
  base.clear(24576, 4096);                              // a hole in both layers
  const sim::GuestView chain({top, base});
  const sim::GuestView alone({top});
  const std::vector<std::string> names = {"target", "base image"};

  EXPECT_EQ(p.describe_at(chain, names, 0, {}),
            "zeroes (stored on the target itself, hiding the base image)");
  EXPECT_EQ(p.describe_at(alone, names, 0, {}), "zeroes (stored on the target)");
  EXPECT_EQ(p.describe_at(chain, names, 4096, {}),
            "the base image's original data (sector 8 of it)");
  EXPECT_EQ(p.describe_at(chain, names, 8192, {}), "zeroes (stored on the base image)");
  EXPECT_EQ(p.describe_at(chain, names, 16384, {}), "zeroes (stored on the base image)");
  EXPECT_EQ(p.describe_at(chain, names, 24576, {}),
            "zeroes (unallocated: never written, or discarded)");
  EXPECT_EQ(p.describe_at(alone, names, 4096, {}),
            "zeroes (unallocated: never written, or discarded)");
  EXPECT_EQ(p.describe_at(chain, names, 64 * kKiB, {}), "zeroes (past the end of the base image)");
  EXPECT_EQ(p.describe_at(chain, {}, 64 * kKiB, {}), "zeroes (past the end of backing layer 1)");
}

TEST(DescribeDifference, NamesBothSidesAndKeepsTheByteOffset) {
  sim::Difference d;
  d.offset = 2 * kMiB;
  d.length = 64 * kKiB;
  d.a = {0, 0};
  d.b = {1, 4096};
  DifferenceSides sides;
  sides.a = "zeroes (never written)";
  sides.b = "guest request #1 (...)";
  EXPECT_EQ(describe_difference(d, "the target", "the source", &sides),
            "the target differs from the source at byte 2097152 (64 KiB long): the target holds "
            "zeroes (never written), the source holds guest request #1 (...)");
  EXPECT_EQ(describe_difference(d, "the target", "the source", nullptr),
            "the target differs from the source at byte 2097152 (64 KiB long): the target reads "
            "content (0, 0), the source reads content (1, 4096)");

  // Up to a comparison window's end: it may go on.
  d.length = 2 * kMiB;
  EXPECT_EQ(describe_difference(d, "a", "b", &sides).substr(0, 42),
            "a differs from b at byte 2097152 (at least");

  // A measured length replaces the window-bound one.
  sides.length = 3 * kMiB;
  EXPECT_EQ(describe_difference(d, "a", "b", &sides).substr(0, 49),
            "a differs from b at byte 2097152 (3 MiB long): a ");
  sides.length_at_least = true;
  EXPECT_EQ(describe_difference(d, "a", "b", &sides).substr(0, 50),
            "a differs from b at byte 2097152 (at least 3 MiB l");
}

TEST(DescribeDifference, NamesTheSideThatEnds) {
  ContentProvenance p;
  sim::ExtentStore longer(8 * kKiB);
  sim::ExtentStore shorter(4 * kKiB);
  const sim::GuestView a({longer});
  const sim::GuestView b({shorter});
  const std::optional<sim::Difference> d = sim::first_difference(a, b);
  ASSERT_TRUE(d.has_value());
  const std::vector<std::string> names = {"target"};
  const DifferenceSides sides = p.describe_sides(*d, a, names, b, names, {});
  EXPECT_EQ(sides.a, "zeroes (unallocated: never written, or discarded)");
  EXPECT_EQ(sides.b, "nothing (the disk ends before this byte)");
}

TEST(DescribeDifference, MeasuresHowFarTheDifferenceGoes) {
  ContentProvenance p;
  p.record_guest_write(2, 1, false);
  sim::ExtentStore written(64 * kMiB);
  const sim::ExtentStore empty(64 * kMiB);
  // [1 MiB, 40 MiB) differs: more than one comparison window (16 MiB).
  written.assign(1 * kMiB, 39 * kMiB, 2, 0);
  const sim::GuestView a({written});
  const sim::GuestView b({empty});
  const std::optional<sim::Difference> d = sim::first_difference(a, b);
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->offset, 1 * kMiB);
  const std::vector<std::string> names = {"target"};
  const DifferenceSides sides = p.describe_sides(*d, a, names, b, names, {});
  EXPECT_EQ(sides.length, 39 * kMiB);
  EXPECT_FALSE(sides.length_at_least);
  EXPECT_EQ(describe_difference(*d, "the target", "the source", &sides),
            "the target differs from the source at byte 1048576 (39 MiB long): the target holds "
            "guest request #1 (sector 0 of it), the source holds zeroes (unallocated: never "
            "written, or discarded)");
}

const properties::Verdict* violated(const properties::RunReport& report, std::string_view name) {
  for (const properties::Verdict& v : report.verdicts) {
    if (v.property == name && v.violated()) return &v;
  }
  return nullptr;
}

scenarios::Scenario library_scenario(const std::string& name) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  return scenarios::load_scenario(scenarios::library_file(name), load);
}

// The README's example: the COW bug leaves zeroes on the target where the
// source reads the base image through its backing.
TEST(FailureText, CowNoRoundNamesTheBaseImageAndTheTargetsOwnZeroes) {
  properties::RunOptions options;
  options.extra_bugs = {"cow-no-round"};
  const properties::RunReport report =
      properties::run_scenario(library_scenario("cow-founding"), options);
  const properties::Verdict* v = violated(report, "completion-equality");
  ASSERT_NE(v, nullptr) << report.outcome_line();
  EXPECT_EQ(v->message,
            "after the pivot the target differs from the source at byte 2097152 (64 KiB long): "
            "the target holds zeroes (stored on the target itself, hiding the base image), the "
            "source holds the base image's original data (sector 4096 of it)");
}

// A guest write that the engine loses (the final clean check races a guest
// write): the source side names the guest request with its time, offset and
// length, looked up again in the generated workload; the sector named is the
// one written at the differing byte.
TEST(FailureText, NamesTheGuestRequestThatWroteTheSource) {
  properties::RunOptions options;
  options.extra_bugs = {"pivot-race"};
  const scenarios::Scenario scenario = library_scenario("set-speed");
  const properties::RunReport report = properties::run_scenario(scenario, options);
  const properties::Verdict* v = violated(report, "completion-equality");
  ASSERT_NE(v, nullptr) << report.outcome_line();
  const std::string expected =
      "after the pivot the target differs from the source at byte 7356416 (64 KiB long): the "
      "target holds the source's old data (there before the job, sector 14368 of it), the source "
      "holds guest request #38 (write, t=0.074000 s, offset 7356416, 64 KiB, sector 0 of it)";
  EXPECT_EQ(v->message, expected);

  // Request #38 of the scenario's workload is that write.
  const std::unique_ptr<sim::RequestSource> workload = properties::request_source(
      scenario, sim::RandomStream::derive(scenario.seed, sim::streams::kWorkload));
  ASSERT_NE(workload, nullptr);
  std::vector<GuestRequest> requests;
  while (auto r = workload->next()) requests.push_back(*r);
  ASSERT_GE(requests.size(), 38U);
  EXPECT_EQ(requests[37], (GuestRequest{74'000'000, GuestOp::kWrite, 7356416, 64 * kKiB}));

  // Replayed from the same request list (as a generated case is), the run
  // and its text are the same: the requests are numbered the same way.
  options.requests = requests;
  const properties::RunReport replayed = properties::run_scenario(scenario, options);
  EXPECT_EQ(replayed.sim.log_hash, report.sim.log_hash);
  const properties::Verdict* again = violated(replayed, "completion-equality");
  ASSERT_NE(again, nullptr) << replayed.outcome_line();
  EXPECT_EQ(again->message, expected);
}

// Point-in-time copy names both sides too; a sector that sits at a byte of
// its request other than its own says where it belongs.
TEST(FailureText, PointInTimeCopyNamesBothGuestRequests) {
  properties::RunOptions options;
  options.extra_bugs = {"soft-cancel-drops-inflight"};
  const properties::RunReport report =
      properties::run_scenario(library_scenario("soft-cancel-after-ready"), options);
  const properties::Verdict* v = violated(report, "point-in-time-copy");
  ASSERT_NE(v, nullptr) << report.outcome_line();
  EXPECT_NE(v->message.find("; against the last one, the target differs from the source at byte "
                            "9236480 (33280 bytes long): the target holds guest request #4 (write, "
                            "t=0.001000 s, offset 9216000, 98816 bytes, sector 40 of it), the "
                            "source holds guest request #68 (write, t=0.022333 s, offset 9236480, "
                            "33280 bytes, sector 0 of it)"),
            std::string::npos)
      << v->message;
}

}  // namespace
}  // namespace mirrorsim
