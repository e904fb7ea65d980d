// io-mirror (docs/algorithms.md) on whole runs and stepped worlds (its
// parameters: tests/algorithm_params_test.cc): it refuses bad ones, copies
// each region once and pivots with every property holding, a write behind the cursor is on the
// target when it returns and one ahead of it is not, a guest writing faster
// than the disks cannot keep it from READY, and a soft cancel after READY
// leaves a point-in-time copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/io_mirror_job.h"
#include "properties/run_report.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/scenario.h"
#include "tests/algorithm_rig.h"

namespace mirrorsim {
namespace {

using namespace algorithm_rig;  // tests/algorithm_rig.h

constexpr std::uint64_t kRegion = kBlock;

Scenario io_copy() {
  return full_copy("io-copy", engine::Algorithm::kIoMirror);
}

TEST(IoMirror, RefusesBadParametersAtStart) {
  engine::MirrorParams p;
  p.algorithm = engine::Algorithm::kIoMirror;
  engine::DeviceInfo source;
  source.length = kLength;
  engine::DeviceInfo target = source;
  p.region_bytes = 3 * kKiB;
  EXPECT_THROW(engine::resolve_io_mirror_params(p, source, target, false),
               engine::MirrorConfigError);
  p.region_bytes = 0;
  p.max_copy_ops = 65;
  EXPECT_THROW(engine::resolve_io_mirror_params(p, source, target, false),
               engine::MirrorConfigError);
  p.max_copy_ops = 0;
  target.length = kLength + 512;
  EXPECT_THROW(engine::resolve_io_mirror_params(p, source, target, false),
               engine::MirrorConfigError);
}

TEST(IoMirror, CopiesEachRegionOnceAndPivotsWithEveryPropertyHolding) {
  Scenario s = io_copy();
  s.workload = writes(2000, 30'000);
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 0)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_EQ(r.metrics.copy_ops, kLength / kRegion);  // one pass, no second
  EXPECT_EQ(r.metrics.bitmap_passes, 0u);
  EXPECT_GT(r.metrics.active_writes, 0u);  // some writes landed behind the cursor
  EXPECT_LE(r.metrics.peak_in_flight, 2u);
}

TEST(IoMirror, SyncNoneMirrorsOnlyNewWrites) {
  Scenario s = io_copy();
  s.mirror.sync = scenarios::SyncMode::kNone;
  s.workload = writes(2000, 20'000);
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kAt, 25'000)};
  const RunReport r = run(s);
  EXPECT_EQ(r.metrics.copy_ops, 0u) << all_verdicts(r);
  EXPECT_GT(r.metrics.active_writes, 0u);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
}

// The world, stepped until the cursor has passed `cursor_bytes`.
class SteppedIoMirror : public ::testing::Test {
 protected:
  void start_and_wait_for_cursor(std::uint64_t cursor_bytes) {
    world_ = std::make_unique<World>(io_copy(), properties::RunOptions{});
    world_->start();
    job_ = dynamic_cast<const engine::IoMirrorJob*>(&world_->job());
    ASSERT_NE(job_, nullptr);
    ASSERT_TRUE(
        world_
            ->run_until([&] { return job_->cursor_bytes() >= cursor_bytes; }, engine::kNsPerSecond)
            .reached());
  }

  // Writes [offset, offset + length) now and runs until it returns; says
  // whether the target then read what the source read there.
  bool target_matches_when_write_returns(std::uint64_t offset, std::uint64_t length) {
    std::optional<bool> matched;
    sim::GuestRequest w;
    w.op = sim::GuestOp::kWrite;
    w.offset = offset;
    w.length = length;
    world_->guest_request_now(w, [&](const properties::GuestResult& result) {
      EXPECT_TRUE(result.status.ok());
      matched = world_->disk(DiskRole::kTarget).image().read(offset, length) ==
                world_->disk(DiskRole::kSource).image().read(offset, length);
    });
    EXPECT_TRUE(
        world_->run_until([&] { return matched.has_value(); }, engine::kNsPerSecond).reached());
    return matched.value_or(false);
  }

  std::unique_ptr<World> world_;
  const engine::IoMirrorJob* job_ = nullptr;
};

TEST_F(SteppedIoMirror, AWriteBehindTheCursorIsOnTheTargetWhenItReturns) {
  start_and_wait_for_cursor(2 * kMiB);
  EXPECT_TRUE(target_matches_when_write_returns(64 * kKiB, 64 * kKiB));
}

TEST_F(SteppedIoMirror, AWriteAheadOfTheCursorGoesToTheSourceOnly) {
  start_and_wait_for_cursor(kRegion);
  ASSERT_LT(job_->cursor_bytes(), kLength - kRegion);
  EXPECT_FALSE(target_matches_when_write_returns(kLength - 64 * kKiB, 64 * kKiB));
}

TEST_F(SteppedIoMirror, SwitchingToWriteBlockingIsRefused) {
  start_and_wait_for_cursor(kRegion);
  const properties::CommandRecord record = world_->switch_to_write_blocking();
  EXPECT_FALSE(record.accepted);
}

// 20,000 writes of up to 64 KiB a second want more than the target's
// bandwidth: a background QEMU job may be outrun; io-mirror is not.
TEST(IoMirror, AGuestWritingFasterThanTheDisksCannotKeepItFromReady) {
  Scenario s = io_copy();
  s.target.latency_us = 100;
  s.source.bandwidth_bytes_per_s = 200'000'000;
  s.target.bandwidth_bytes_per_s = 200'000'000;
  s.workload = writes(20'000, 0);  // until the job ends
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 0)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_GE(r.metrics.time_to_ready_ns, 0) << all_verdicts(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_TRUE(r.convergence.converged) << all_verdicts(r);
}

TEST(IoMirror, ASoftCancelAfterReadyLeavesAPointInTimeCopy) {
  Scenario s = io_copy();
  s.workload = writes(2000, 60'000);
  s.commands = {command(CommandKind::kCancel, CommandTrigger::kOnReady, 1'000)};
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
