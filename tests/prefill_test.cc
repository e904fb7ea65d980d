// State before the job (issue 12, item 2): [[prefill]] writes land in the
// source or its base before anything runs, and [mirror] start_us lets the
// guest run before the job starts. Both are simply the source's content
// when the job starts, so the job copies them and the oracles judge them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim {
namespace {

using properties::DiskRole;
using properties::World;
using scenarios::Prefill;
using scenarios::PrefillDisk;
using scenarios::PrefillOp;

constexpr std::uint64_t kMiB = 1024 * 1024;

scenarios::Scenario small_mirror() {
  scenarios::Scenario s;
  s.source.length_bytes = 4 * kMiB;
  s.target.length_bytes = 4 * kMiB;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.commands = {scenarios::Command{}};  // complete on READY
  return s;
}

// Runs the world to its end; the report must pass.
void run_and_pass(World& world) {
  world.start();
  const properties::RunReport report = world.report(world.run_to_end());
  EXPECT_TRUE(report.passed()) << world.describe();
}

TEST(Prefill, WrittenDataIsOnTheSourceBeforeTheJobAndCopiedToTheTarget) {
  scenarios::Scenario s = small_mirror();
  s.prefill = {Prefill{PrefillDisk::kSource, kMiB, 64 * 1024, PrefillOp::kWrite}};
  World world(s, {});
  EXPECT_NE(world.disk(DiskRole::kSource).snapshot().at(kMiB).value, 0u);
  EXPECT_EQ(world.disk(DiskRole::kSource).snapshot().at(0).value, 0u);
  run_and_pass(world);
  const sim::GuestView target = world.disk(DiskRole::kTarget).snapshot();
  const sim::GuestView source = world.disk(DiskRole::kSource).snapshot();
  EXPECT_EQ(target.at(kMiB), source.at(kMiB));
  EXPECT_NE(target.at(kMiB + 64 * 1024 - 512).value, 0u);
  EXPECT_EQ(target.at(kMiB + 64 * 1024).value, 0u);
}

TEST(Prefill, ZeroWritesAndDiscardsApplyInOrderAfterWrites) {
  scenarios::Scenario s = small_mirror();
  s.prefill = {Prefill{PrefillDisk::kSource, 0, kMiB, PrefillOp::kWrite},
               Prefill{PrefillDisk::kSource, 0, 4096, PrefillOp::kWriteZeroes},
               Prefill{PrefillDisk::kSource, 8192, 4096, PrefillOp::kDiscard}};
  s.source.discard_reads_zero = true;
  World world(s, {});
  const sim::GuestView source = world.disk(DiskRole::kSource).snapshot();
  EXPECT_EQ(source.at(0).value, 0u);
  EXPECT_NE(source.at(4096).value, 0u);
  EXPECT_EQ(source.at(8192).value, 0u);
  EXPECT_NE(source.at(12288).value, 0u);
  run_and_pass(world);
  EXPECT_EQ(world.disk(DiskRole::kTarget).snapshot().at(4096), source.at(4096));
}

TEST(Prefill, BaseDataReachesATopLevelJobOnlyThroughTheBacking) {
  // sync = top copies the source's own layer: base data written by prefill
  // stays in the base, and the target, attached to it at the pivot, reads it.
  scenarios::Scenario s = small_mirror();
  s.mirror.sync = scenarios::SyncMode::kTop;
  s.base.emplace();
  s.base->kind = scenarios::DiskKind::kCluster;
  s.base->cluster_bytes = 64 * 1024;
  s.base->length_bytes = 4 * kMiB;
  for (scenarios::DiskSpec* d : {&s.source, &s.target}) {
    d->kind = scenarios::DiskKind::kCluster;
    d->cluster_bytes = 64 * 1024;
    d->backing_name = "base";
  }
  s.source.backing = scenarios::Backing::kAttached;
  s.target.backing = scenarios::Backing::kAtPivot;
  s.prefill = {Prefill{PrefillDisk::kBase, 0, kMiB, PrefillOp::kWrite},
               Prefill{PrefillDisk::kSource, 2 * kMiB, 64 * 1024, PrefillOp::kWrite}};
  World world(s, {});
  EXPECT_NE(world.disk(DiskRole::kSource).snapshot().at(0).value, 0u);  // through the backing
  run_and_pass(world);
  const sim::GuestView target = world.disk(DiskRole::kTarget).snapshot();
  EXPECT_EQ(target.at(2 * kMiB), world.disk(DiskRole::kSource).snapshot().at(2 * kMiB));
  EXPECT_EQ(target.at(0), world.disk(DiskRole::kSource).snapshot().at(0));
}

TEST(Prefill, AWriteTheDiskCannotHoldIsABadScenario) {
  scenarios::Scenario s = small_mirror();
  s.source.kind = scenarios::DiskKind::kCluster;
  s.source.cluster_bytes = 64 * 1024;
  s.source.capacity_bytes = 64 * 1024;
  s.prefill = {Prefill{PrefillDisk::kSource, 0, kMiB, PrefillOp::kWrite}};
  EXPECT_THROW({ World world(s, {}); }, std::invalid_argument);
}

TEST(StartTime, TheGuestRunsBeforeTheJobAndItsWritesAreCopied) {
  scenarios::Scenario s = small_mirror();
  s.mirror.start_us = 20'000;
  sim::WorkloadParams guest;
  guest.rate_iops = 1000;
  guest.max_requests = 40;  // 20 before the start, more while the job runs
  s.workload = guest;
  World world(s, {});
  world.start();
  const properties::StepOutcome before = world.advance(19'000'000);
  ASSERT_TRUE(before.reached());
  EXPECT_FALSE(world.job_started());
  EXPECT_TRUE(world.events().empty());
  // The guest wrote before the job existed.
  const sim::GuestView early = world.disk(DiskRole::kSource).snapshot();
  std::uint64_t written = 0;
  for (std::uint64_t offset = 0; offset < s.source.length_bytes; offset += 4096) {
    if (early.at(offset).value != 0) ++written;
  }
  EXPECT_GE(written, 15u);
  const properties::RunReport report = world.report(world.run_to_end());
  EXPECT_TRUE(report.passed()) << world.describe();
  EXPECT_GT(report.guest_requests, 20u);  // some while the job ran, too
  ASSERT_FALSE(world.events().empty());
  EXPECT_GE(world.events().front().time, 20'000'000);
}

TEST(StartTime, ZeroStartsTheJobAtOnceAsBefore) {
  scenarios::Scenario s = small_mirror();
  World world(s, {});
  world.start();
  ASSERT_TRUE(world.advance(1).reached());
  EXPECT_TRUE(world.job_started());
}

TEST(StartTime, AJobThatCannotStartStopsTheGuestToo) {
  scenarios::Scenario s = small_mirror();
  s.target.length_bytes = 2 * kMiB;  // the job must refuse to start
  s.mirror.start_us = 5'000;
  sim::WorkloadParams guest;
  guest.rate_iops = 1000;  // endless without the stop
  s.workload = guest;
  World world(s, {});
  world.start();
  const sim::RunOutcome outcome = world.run_to_end();
  EXPECT_EQ(outcome.status, sim::RunOutcome::Status::kCompleted) << outcome.message;
  EXPECT_FALSE(world.start_error().empty());
  EXPECT_LE(world.now(), 7'000'000);
}

}  // namespace
}  // namespace mirrorsim
