// precopy (docs/algorithms.md "precopy") on whole runs and stepped worlds
// (its parameters: tests/algorithm_params_test.cc): a run whose guest
// stops early converges in two passes and pivots with every property
// holding; a guest that dirties as fast as the job copies ends the
// passes, and then force goes to READY and pivots with a downtime above
// the limit while abort fails the job with no pivot; the switch-over holds
// guest writes off until the pivot; the library's scenario file runs.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/precopy_job.h"
#include "properties/precopy_spec.h"
#include "properties/run_report.h"
#include "properties/scenario_build.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_loader.h"
#include "tests/algorithm_rig.h"

namespace mirrorsim {
namespace {

using namespace algorithm_rig;  // tests/algorithm_rig.h
namespace pc_spec = properties::spec::precopy;

Scenario precopy_copy() {
  return full_copy("precopy-copy", engine::Algorithm::kPrecopy);
}

TEST(Precopy, RefusesBadParametersAtStart) {
  engine::MirrorParams p;
  p.algorithm = engine::Algorithm::kPrecopy;
  engine::DeviceInfo source;
  source.length = kLength;
  engine::DeviceInfo target = source;
  p.region_bytes = 3 * kKiB;
  EXPECT_THROW(engine::resolve_precopy_params(p, source, target, false), engine::MirrorConfigError);
  p.region_bytes = 0;
  p.max_copy_ops = 65;
  EXPECT_THROW(engine::resolve_precopy_params(p, source, target, false), engine::MirrorConfigError);
  p.max_copy_ops = 0;
  p.max_passes = 1001;
  EXPECT_THROW(engine::resolve_precopy_params(p, source, target, false), engine::MirrorConfigError);
  p.max_passes = 0;
  target.length = kLength + 512;
  EXPECT_THROW(engine::resolve_precopy_params(p, source, target, false), engine::MirrorConfigError);
}

// Writes only during pass 1: pass 2 copies the blocks they dirtied behind
// the cursor, and then nothing is left.
TEST(Precopy, ConvergesInTwoPassesWhenTheGuestStopsAndPivotsWithEveryPropertyHolding) {
  Scenario s = precopy_copy();
  s.mirror.switch_bytes = 512;  // below one block: only an empty bitmap converges
  s.workload = writes(2000, 10'000);
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 0)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_EQ(r.metrics.bitmap_passes, 2u);
  EXPECT_GT(r.metrics.copy_ops, kLength / kBlock);  // pass 1 whole, pass 2 some blocks again
  EXPECT_LE(r.metrics.peak_in_flight, 2u);
  EXPECT_EQ(r.metrics.active_writes, 0u);  // the guest never writes the target before the pivot
}

TEST(Precopy, SyncNoneCopiesOnlyWhatTheGuestWrites) {
  Scenario s = precopy_copy();
  s.mirror.sync = scenarios::SyncMode::kNone;
  s.source.old_data = false;  // sync=none copies no old data: both sides start equal
  s.source.zero_init = true;
  s.workload = writes(2000, 20'000);
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kAt, 25'000)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_LT(r.metrics.copy_ops, kLength / kBlock);
}

// A guest writing all over the disk faster than a 20 MB/s target takes it:
// from pass 2 on the dirty set does not shrink, so the passes are over.
Scenario outrun_by_the_guest(engine::DowntimeAction action) {
  Scenario s = precopy_copy();
  s.target.latency_us = 100;
  s.target.bandwidth_bytes_per_s = 20'000'000;
  s.mirror.switch_bytes = 512;
  s.mirror.max_passes = 5;
  s.mirror.max_downtime_us = 1'000;
  s.mirror.on_downtime_limit = action;
  s.workload = writes(3000, 0);  // until the job ends
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 0)};
  return s;
}

TEST(Precopy, AGuestThatKeepsPaceEndsThePassesAndForceSwitchesOverAnyway) {
  const RunReport r = run(outrun_by_the_guest(engine::DowntimeAction::kForce));
  expect_all_hold(r);
  EXPECT_GE(r.metrics.time_to_ready_ns, 0) << all_verdicts(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_LE(r.metrics.bitmap_passes, 5u);
  // Forced: the pause took longer than the limit it could not meet.
  EXPECT_GT(r.metrics.downtime_ns, 1'000 * engine::kNsPerUs);
}

TEST(Precopy, AGuestThatKeepsPaceEndsThePassesAndAbortFailsTheJob) {
  const RunReport r = run(outrun_by_the_guest(engine::DowntimeAction::kAbort));
  expect_all_hold(r);  // the error-policy property accepts the downtime abort
  EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds) << all_verdicts(r);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_LT(r.metrics.time_to_ready_ns, 0);
  EXPECT_EQ(r.job.error.rfind(pc_spec::kDowntimeAbortPrefix, 0), 0u) << r.job.error;
  EXPECT_EQ(r.metrics.downtime_ns, 0);
}

// The same abort where the scenario did not ask for one would be a
// failure without an error of policy report: the oracle takes the rule
// from the scenario, not from the job's message alone.
TEST(Precopy, TheErrorPolicyOracleAcceptsTheAbortOnlyWhereTheScenarioAsksForIt) {
  properties::RunFacts f;
  f.job_started = true;
  f.job.ended = true;
  f.job.error = std::string(pc_spec::kDowntimeAbortPrefix) + ": 1 MiB left";
  EXPECT_EQ(properties::check_error_policy(f).status, VerdictStatus::kViolated);
  f.downtime_abort_allowed = true;
  EXPECT_EQ(properties::check_error_policy(f).status, VerdictStatus::kHolds);
  f.job.error = "Input/output error";
  EXPECT_EQ(properties::check_error_policy(f).status, VerdictStatus::kViolated);
}

// Stepped: READY, a few blocks dirtied, complete; a guest write issued
// during the switch-over returns only after the pivot, on the target.
TEST(Precopy, TheSwitchOverHoldsGuestWritesOffUntilThePivot) {
  Scenario s = precopy_copy();
  World world(s, properties::RunOptions{});
  world.start();
  const engine::MirrorAlgorithm& job = world.job();
  ASSERT_TRUE(world.run_until([&] { return job.ready_seen(); }, engine::kNsPerSecond).reached());
  int returned = 0;
  for (std::uint64_t i = 0; i < 8; ++i) {
    sim::GuestRequest w;
    w.op = sim::GuestOp::kWrite;
    w.offset = i * kBlock;
    w.length = 4 * kKiB;
    world.guest_request_now(w, [&](const properties::GuestResult&) { ++returned; });
  }
  ASSERT_TRUE(world.run_until([&] { return returned == 8; }, engine::kNsPerSecond).reached());
  ASSERT_GT(job.dirty_bytes(), 0u);
  ASSERT_TRUE(world.complete().accepted);
  world.advance(100 * engine::kNsPerUs);  // the pause is in place, the copies are on their way
  ASSERT_FALSE(job.ended());
  std::optional<bool> pivoted_when_returned;
  sim::GuestRequest late;
  late.op = sim::GuestOp::kWrite;
  late.offset = kLength - 64 * kKiB;
  late.length = 64 * kKiB;
  world.guest_request_now(
      late, [&](const properties::GuestResult&) { pivoted_when_returned = world.pivoted(); });
  ASSERT_TRUE(
      world.run_until([&] { return pivoted_when_returned.has_value(); }, engine::kNsPerSecond)
          .reached());
  EXPECT_TRUE(*pivoted_when_returned);
  EXPECT_EQ(world.disk(DiskRole::kTarget).image().read(late.offset, late.length),
            world.disk(DiskRole::kSource).image().read(late.offset, late.length));
  // The pause lasted at least one copy on a 2 ms target.
  EXPECT_GE(job.metrics().downtime_ns, 2 * engine::kNsPerMs);
}

TEST(Precopy, SwitchingToWriteBlockingIsRefused) {
  World world(precopy_copy(), properties::RunOptions{});
  world.start();
  world.advance(engine::kNsPerMs);
  EXPECT_FALSE(world.switch_to_write_blocking().accepted);
}

TEST(Precopy, ASoftCancelAfterReadyLeavesAPointInTimeCopy) {
  Scenario s = precopy_copy();
  s.workload = writes(2000, 80'000);
  s.commands = {command(CommandKind::kCancel, CommandTrigger::kOnReady, 1'000)};
  const RunReport r = run(s);
  expect_all_hold(r);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_EQ(status_of(r, property::kPointInTimeCopy), VerdictStatus::kHolds) << all_verdicts(r);
}

TEST(Precopy, TheLibraryScenarioFileRunsPassesAndSwitchesOver) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const Scenario s = scenarios::load_scenario(scenarios::library_dir() / "precopy.toml", load);
  ASSERT_EQ(s.mirror.algorithm, engine::Algorithm::kPrecopy);
  const RunReport r = properties::run_scenario(s);
  expect_all_hold(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
  EXPECT_GE(r.metrics.bitmap_passes, 2u);
  EXPECT_GT(r.metrics.downtime_ns, 0);
}

}  // namespace
}  // namespace mirrorsim
