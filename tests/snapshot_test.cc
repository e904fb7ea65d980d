// snapshot (docs/algorithms.md) on whole runs and stepped worlds (its
// parameters: tests/algorithm_params_test.cc): its rounds shrink and end in READY,
// and it pivots with every property holding and a measured downtime; a
// round copies the image frozen when it began, and a write during round k
// reaches the target in round k+1; complete holds the guest's writes off
// until the pivot; a soft cancel after READY leaves a point-in-time copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/snapshot_job.h"
#include "properties/run_report.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/scenario.h"
#include "tests/algorithm_rig.h"

namespace mirrorsim {
namespace {

using namespace algorithm_rig;  // tests/algorithm_rig.h

Scenario snap_copy() {
  return full_copy("snap-copy", engine::Algorithm::kSnapshot);
}

TEST(Snapshot, RefusesBadSwitchParametersAtStart) {
  engine::MirrorParams p;
  p.algorithm = engine::Algorithm::kSnapshot;
  p.switch_bytes = 1000;
  EXPECT_THROW(engine::resolve_snapshot_switch(p, kBlock), engine::MirrorConfigError);
  p.switch_bytes = 0;
  p.max_passes = 1001;
  EXPECT_THROW(engine::resolve_snapshot_switch(p, kBlock), engine::MirrorConfigError);
}

// A guest writing 1,000 small writes a second over 8 MiB dirties a few
// blocks in each short round: the rounds shrink, the job reaches READY,
// and complete pauses the guest, copies the rest and pivots.
TEST(Snapshot, PivotsWithEveryPropertyHoldingAndMeasuresTheDowntime) {
  Scenario s = snap_copy();
  s.workload = writes(1000, 0);  // until the job ends
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 5'000)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_GE(r.metrics.bitmap_passes, 2u);           // round 0 and more
  EXPECT_GT(r.metrics.copy_ops, kLength / kBlock);  // blocks copied again
  EXPECT_GT(r.metrics.downtime_ns, 0);
  EXPECT_LE(r.metrics.peak_in_flight, 2u);
}

// The world stepped through the rounds.
class SteppedSnapshot : public ::testing::Test {
 protected:
  void start(Scenario s) {
    world_ = std::make_unique<World>(std::move(s), properties::RunOptions{});
    world_->start();
    ASSERT_TRUE(
        world_->run_until([&] { return world_->job_started(); }, engine::kNsPerSecond).reached());
    job_ = dynamic_cast<const engine::SnapshotJob*>(&world_->job());
    ASSERT_NE(job_, nullptr);
  }

  bool reach(const std::function<bool()>& what) {
    return world_->run_until(what, engine::kNsPerSecond).reached();
  }

  // Writes [offset, offset + length) now; `done` is set when it returns.
  void write_now(std::uint64_t offset, std::uint64_t length, std::optional<bool>* done,
                 const std::function<bool()>& on_return = {}) {
    sim::GuestRequest w;
    w.op = sim::GuestOp::kWrite;
    w.offset = offset;
    w.length = length;
    world_->guest_request_now(w, [done, on_return](const properties::GuestResult& result) {
      EXPECT_TRUE(result.status.ok());
      *done = on_return ? on_return() : true;
    });
  }

  bool target_matches(std::uint64_t offset, std::uint64_t length) {
    return world_->disk(DiskRole::kTarget).image().read(offset, length) ==
           world_->disk(DiskRole::kSource).image().read(offset, length);
  }

  std::unique_ptr<World> world_;
  const engine::SnapshotJob* job_ = nullptr;
};

// The rounds' copy sets, as each round begins: round 0 the whole disk, then
// what the guest wrote meanwhile, less and less, until READY (a round that
// ends with at most one block written).
TEST_F(SteppedSnapshot, RoundsShrinkAndEndInReady) {
  Scenario s = snap_copy();
  s.workload = writes(300, 0);
  s.mirror.switch_bytes = kBlock;
  start(s);
  std::vector<std::uint64_t> sets = {job_->dirty_bytes()};
  std::uint32_t rounds = job_->rounds_begun();
  while (!job_->ready_seen()) {
    ASSERT_TRUE(reach([&] { return job_->rounds_begun() != rounds || job_->ready_seen(); }));
    if (job_->rounds_begun() != rounds) sets.push_back(job_->dirty_bytes());
    rounds = job_->rounds_begun();
  }
  ASSERT_GE(sets.size(), 2u);
  EXPECT_EQ(sets.front(), kLength);
  EXPECT_LT(sets[1], sets.front());
  EXPECT_LE(sets.back(), sets[1]);
  EXPECT_LE(sets.size(), job_->switch_rule().max_passes);
}

// A write into a block round 0 has not copied yet: round 0 copies the old
// data (the frozen image), and round 1 the new.
TEST_F(SteppedSnapshot, ARoundCopiesItsFrozenImageAndTheNextOneTheWrite) {
  start(snap_copy());
  const std::uint64_t offset = kLength - kBlock + 4 * kKiB;
  ASSERT_TRUE(reach([&] { return job_->metrics().copy_ops >= 2; }));
  std::optional<bool> done;
  write_now(offset, 8 * kKiB, &done);
  ASSERT_TRUE(reach([&] { return done.has_value(); }));
  EXPECT_GT(job_->store_bytes(), 0u);  // its old data was read aside
  ASSERT_TRUE(reach([&] { return job_->rounds_begun() >= 2; }));
  EXPECT_EQ(job_->metrics().copy_ops, kLength / kBlock);  // round 0 copied every block
  EXPECT_FALSE(target_matches(offset, 8 * kKiB));         // round 0 copied the old data
  EXPECT_TRUE(target_matches(0, offset));
  ASSERT_TRUE(reach([&] { return job_->dirty_bytes() == 0 && job_->background_in_flight() == 0; }));
  EXPECT_TRUE(target_matches(offset, 8 * kKiB));
  EXPECT_EQ(job_->metrics().copy_ops, kLength / kBlock + 1);  // round 1: that block only
}

// complete pauses the guest: a write sent just after it returns only once
// the job has pivoted, and then it went to the target.
TEST_F(SteppedSnapshot, CompleteHoldsGuestWritesUntilThePivot) {
  Scenario s = snap_copy();
  s.workload = writes(1000, 0);
  start(s);
  ASSERT_TRUE(reach([&] { return job_->ready_seen(); }));
  ASSERT_TRUE(world_->complete().accepted);
  ASSERT_TRUE(reach([&] { return job_->switching_over(); }));
  std::optional<bool> pivoted_first;
  write_now(64 * kKiB, 4 * kKiB, &pivoted_first, [&] { return job_->outcome().pivoted; });
  ASSERT_TRUE(reach([&] { return pivoted_first.has_value(); }));
  EXPECT_TRUE(*pivoted_first);
  EXPECT_GT(job_->metrics().downtime_ns, 0);
}

TEST_F(SteppedSnapshot, SwitchingToWriteBlockingIsRefused) {
  start(snap_copy());
  EXPECT_FALSE(world_->switch_to_write_blocking().accepted);
}

TEST(Snapshot, ASoftCancelAfterReadyLeavesAPointInTimeCopy) {
  Scenario s = snap_copy();
  s.workload = writes(2000, 0);
  s.commands = {command(CommandKind::kCancel, CommandTrigger::kOnReady, 3'000)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_FALSE(r.job.pivoted);
  bool checked = false;
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property == property::kPointInTimeCopy) checked = v.status == VerdictStatus::kHolds;
  }
  EXPECT_TRUE(checked) << all_verdicts(r);
}

}  // namespace
}  // namespace mirrorsim
