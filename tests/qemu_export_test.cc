// `mirrorsim export qemu`'s script (reports/qemu_export.h): what it holds,
// and why not when it cannot. Running it on QEMU: qemu_replay_test.cc.
#include "reports/qemu_export.h"

#include <gtest/gtest.h>

#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim::reports {
namespace {

using engine::kNsPerMs;
using engine::kNsPerUs;
using scenarios::Scenario;

Scenario finding() {
  return scenarios::load_scenario(scenarios::regressions_dir() / "qemu-7.2" /
                                  "widened-copy-loses-guest-write.toml");
}

constexpr std::uint64_t kMiB = 1 << 20;
const sim::GuestRequest kWrite{1500 * kNsPerUs, sim::GuestOp::kWrite, 21 * 65536, 65536, true};
// The copy of cluster 0 (all in the source's top image) and the widened copy
// of cluster 1 (chunk 17 in the top image, the rest in the backing file),
// both in flight at the write (cluster 1's has read it already); the newer
// copy of cluster 1 ends first.
const std::vector<SimCopyOp> kOps = {
    {0, kMiB, 0, kNsPerMs, kNsPerMs, 2 * kNsPerMs, {}},
    {kMiB, kMiB, 10 * kNsPerUs, kNsPerMs, kNsPerMs, 5 * kNsPerMs, {}},
    {kMiB, kMiB, 2 * kNsPerMs, 2500 * kNsPerUs, 2500 * kNsPerUs, 3 * kNsPerMs, {}}};

TEST(QemuExport, HoldsTheOpsInFlightAtTheWriteEachAtItsOwnReadEvent) {
  const QemuExport e = qemu_export(finding(), {}, std::vector{kWrite}, kOps);
  ASSERT_EQ(e.holds.size(), 2u) << e.holds_why;
  EXPECT_EQ(e.holds[0].event, "read_aio");
  EXPECT_EQ(e.holds[0].op.offset, 0u);
  EXPECT_EQ(e.holds[1].event, "read_backing_aio");
  EXPECT_EQ(e.holds[1].op.offset, kMiB);
  // Released in the simulation's order of ends: cluster 0's copy, then,
  // once QEMU's trace shows the newer copy of cluster 1 ended, the older.
  const std::size_t held = e.script.find(R"("kind": "held")");
  const std::size_t guest = e.script.find(R"("kind": "guest")");
  const std::size_t op1 = e.script.find(R"("tag": "op1")", guest);
  const std::size_t op2 = e.script.find(R"("tag": "op2")", guest);
  ASSERT_NE(held, std::string::npos);
  EXPECT_LT(held, guest);
  EXPECT_LT(op1, op2);
  EXPECT_NE(e.script.find(R"("count": 1)", op1), std::string::npos);
  EXPECT_NE(e.script.find("def main():"), std::string::npos);
}

TEST(QemuExport, WithoutOpsInFlightAtAWriteNothingIsHeld) {
  const std::vector<SimCopyOp> done_before = {
      {0, kMiB, 0, kNsPerMs / 2, kNsPerMs / 2, kNsPerMs, {}}};
  const QemuExport e = qemu_export(finding(), {}, std::vector{kWrite}, done_before);
  EXPECT_TRUE(e.holds.empty());
  EXPECT_NE(e.holds_why.find("nothing to hold"), std::string::npos) << e.holds_why;
}

TEST(QemuExport, AnOpThatReadTheRangeBeforeTheWriteIsHeldAtItsWriteToTheTarget) {
  // A raw source reads an op in one piece: holding cluster 1's copy at its
  // read would make QEMU read chunk 21 after the write, where the
  // simulation read it before; it is held at its write to the target.
  Scenario s = finding();
  s.source.kind = scenarios::DiskKind::kRaw;
  s.source.cluster_bytes = 0;
  s.source.backing = scenarios::Backing::kNone;
  // On the qcow2 target the held write would allocate cluster 1, and the
  // newer copy of it, which must land first, would wait for that write.
  const QemuExport allocating = qemu_export(s, {}, std::vector{kWrite}, kOps);
  EXPECT_TRUE(allocating.holds.empty()) << allocating.holds_why;
  // A raw target allocates nothing: the newer copy overtakes.
  s.target.kind = scenarios::DiskKind::kRaw;
  s.target.cluster_bytes = 0;
  s.target.backing = scenarios::Backing::kNone;
  const QemuExport e = qemu_export(s, {}, std::vector{kWrite}, kOps);
  ASSERT_EQ(e.holds.size(), 2u) << e.holds_why;
  EXPECT_EQ(e.holds[0].device, "guest");
  EXPECT_EQ(e.holds[0].event, "read_aio");
  EXPECT_EQ(e.holds[1].device, "target-hook");
  EXPECT_EQ(e.holds[1].event, "write_aio");
  EXPECT_EQ(e.holds[1].op.offset, kMiB);
  // Still reading at the write (and alone in flight), it is held at its
  // read: QEMU then reads the write's data, as the simulation did.
  const std::vector<SimCopyOp> reading = {
      {kMiB, kMiB, 10 * kNsPerUs, 2 * kNsPerMs, 2 * kNsPerMs, 5 * kNsPerMs, {}}};
  const QemuExport r = qemu_export(s, {}, std::vector{kWrite}, reading);
  ASSERT_EQ(r.holds.size(), 1u) << r.holds_why;
  EXPECT_EQ(r.holds[0].event, "read_aio");
}

TEST(QemuExport, OpsThatTheTwoReadEventsCannotSeparateAreNotHeld) {
  // Three ops in flight: blkdebug has two read events to hold them with.
  std::vector<SimCopyOp> three = kOps;
  three[2].start = kNsPerUs;
  const QemuExport e = qemu_export(finding(), {}, std::vector{kWrite}, three);
  EXPECT_TRUE(e.holds.empty());
  EXPECT_NE(e.holds_why.find("cannot hold"), std::string::npos) << e.holds_why;
}

// QEMU 7.2's sibling copies (qemu_sibling_chain.h): the job's first two
// copies, both widened to the one target cluster, read the range before the
// request landed; the first ends, a copy of the request's data follows and
// ends, the second lands last. All of them issued at one instant, so no
// breakpoint can be armed between them: the script runs the job one dirty
// run per speed kick and holds the two target writes in turn.
Scenario siblings_case() {
  return scenarios::load_scenario(scenarios::regressions_dir() / "qemu-7.2" /
                                  "sibling-copies-lose-guest-write.toml");
}

constexpr std::uint64_t kCluster = 512 * 1024;
const std::vector<sim::GuestRequest> kSiblingRequests = {{0, sim::GuestOp::kWrite, 0, 512, true},
                                                         {0, sim::GuestOp::kWrite, 0, 512, true}};
const std::vector<engine::TimeNs> kSiblingLanded = {10 * kNsPerMs, 11 * kNsPerMs};
const std::vector<SimCopyOp> kSiblingOps = {
    {0, kCluster, 0, 5 * kNsPerMs, 5 * kNsPerMs, 31 * kNsPerMs, {}},
    {0, kCluster, 0, 10 * kNsPerMs, 10 * kNsPerMs, 37 * kNsPerMs, {}},
    {0, 65536, 31 * kNsPerMs, 32 * kNsPerMs, 32 * kNsPerMs, 35 * kNsPerMs, {}}};
const LostWrite kSiblingLost{1, 0, 512};

TEST(QemuExport, SiblingCopiesAreImposedOneDirtyRunPerKick) {
  const QemuExport e = qemu_export(siblings_case(), {50 * kNsPerMs, 60 * kNsPerMs},
                                   kSiblingRequests, kSiblingOps, kSiblingLanded, kSiblingLost);
  ASSERT_EQ(e.holds.size(), 2u) << e.holds_why;
  for (const QemuHold& h : e.holds) {
    EXPECT_EQ(h.device, "target-hook");
    EXPECT_EQ(h.event, "write_aio");
  }
  EXPECT_NE(e.script.find(R"("speed": 1)"), std::string::npos);
  // The second copy's write is awaited before the request, the second
  // breakpoint is armed after it, and the second copy is resumed once two
  // copies covering the lost range have ended (the first and the fresh one).
  const std::size_t writes = e.script.find(R"("kind": "wait_writes")");
  const std::size_t guest = e.script.find(R"("request": 2)");
  const std::size_t arm = e.script.find(R"("kind": "arm")", guest);
  const std::size_t cover = e.script.find(R"("cover")", arm);
  ASSERT_NE(writes, std::string::npos);
  ASSERT_NE(guest, std::string::npos);
  EXPECT_LT(writes, guest);
  ASSERT_NE(arm, std::string::npos);
  ASSERT_NE(cover, std::string::npos);
  // (nlohmann::json writes an object's keys in order: "count" comes first.)
  const std::size_t count = e.script.find(R"("count": 2)", cover);
  ASSERT_NE(count, std::string::npos);
  EXPECT_EQ(e.script.find('}', cover), e.script.find('}', count)) << "count outside \"cover\"";
}

TEST(QemuExport, SiblingCopiesNeedTheSimulationsOrder) {
  // A request after the lost one, before the second copy landed: the script
  // could not place it.
  std::vector<sim::GuestRequest> later = kSiblingRequests;
  later.push_back({36 * kNsPerMs, sim::GuestOp::kWrite, 65536, 512, true});
  std::vector<engine::TimeNs> landed = kSiblingLanded;
  landed.push_back(36 * kNsPerMs);
  EXPECT_TRUE(qemu_export(siblings_case(), {50 * kNsPerMs, 60 * kNsPerMs}, later, kSiblingOps,
                          landed, kSiblingLost)
                  .holds.empty());
  // The second copy read the range after the request landed: nothing lost.
  std::vector<SimCopyOp> fresh_second = kSiblingOps;
  fresh_second[1].read_end = 12 * kNsPerMs;
  EXPECT_TRUE(qemu_export(siblings_case(), {50 * kNsPerMs, 60 * kNsPerMs}, kSiblingRequests,
                          fresh_second, kSiblingLanded, kSiblingLost)
                  .holds.empty());
  // READY before the second copy ended: the job would not wait for it.
  EXPECT_TRUE(qemu_export(siblings_case(), {30 * kNsPerMs, 60 * kNsPerMs}, kSiblingRequests,
                          kSiblingOps, kSiblingLanded, kSiblingLost)
                  .holds.empty());
}

}  // namespace
}  // namespace mirrorsim::reports
