// The durability properties on whole runs: durable completion and the flush
// protocol (a target write cache), crash safety (a power loss). Each holds
// on the correct engine and fails on a hand-made bad behaviour: the engine
// switch flush-before-last-copy, or a disk that acknowledges a flush
// without making what the guest wrote durable.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "properties/run_report.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/scenario.h"

namespace mirrorsim {
namespace {

using properties::DiskRole;
using properties::RunReport;
using properties::VerdictStatus;
using properties::World;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::kKiB;
using scenarios::kMiB;
using scenarios::Scenario;
namespace property = properties::property;

const properties::Verdict& verdict(const RunReport& r, std::string_view name) {
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property == name) return v;
  }
  throw std::logic_error("no verdict " + std::string(name));
}

std::string all_verdicts(const RunReport& r) {
  std::string out;
  for (const properties::Verdict& v : r.verdicts) {
    out += v.property + ": " + std::string(properties::verdict_status_name(v.status)) + " " +
           v.message + "\n";
  }
  return out;
}

Command command(CommandKind kind, CommandTrigger trigger, std::uint64_t time_us) {
  Command c;
  c.kind = kind;
  c.trigger = trigger;
  c.time_us = time_us;
  return c;
}

// sync=full of an 8 MiB raw source full of data into a raw target with a
// write cache; guest writes (and flushes) for 40 ms; complete on READY.
Scenario cached_full_copy(bool target_cache, bool source_cache) {
  Scenario s;
  s.name = "cached-full-copy";
  s.source.length_bytes = 8 * kMiB;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.source.write_cache = source_cache;
  s.target.length_bytes = 8 * kMiB;
  s.target.write_cache = target_cache;
  s.mirror.sync = scenarios::SyncMode::kFull;
  sim::WorkloadParams w;
  w.rate_iops = 1000;
  w.size = sim::ChoiceSize{{4 * kKiB, 64 * kKiB}};
  w.stop_us = 40'000;
  w.flush_every = 3;
  s.workload = w;
  s.commands = {command(CommandKind::kComplete, CommandTrigger::kOnReady, 5'000)};
  return s;
}

RunReport run(const Scenario& s, std::vector<std::string> bugs = {}) {
  properties::RunOptions o;
  o.extra_bugs = std::move(bugs);
  return World(s, o).run();
}

TEST(DurableCompletion, HoldsOnTheCorrectEngineAtReadyAndThePivot) {
  const RunReport r = run(cached_full_copy(true, false));
  EXPECT_EQ(verdict(r, property::kDurableCompletion).status, VerdictStatus::kHolds)
      << all_verdicts(r);
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
}

TEST(DurableCompletion, FailsWhenTheFlushBeforeReadyOvertakesTheLastCopies) {
  const RunReport r = run(cached_full_copy(true, false), {"flush-before-last-copy"});
  const properties::Verdict& v = verdict(r, property::kDurableCompletion);
  EXPECT_EQ(v.status, VerdictStatus::kViolated) << all_verdicts(r);
  EXPECT_NE(v.message.find("at READY"), std::string::npos) << v.message;
  // Live content is right: only a crash would show it.
  EXPECT_EQ(verdict(r, property::kCompletionEquality).status, VerdictStatus::kHolds);
}

TEST(DurableCompletion, NotJudgedWithoutATargetCache) {
  const RunReport r = run(cached_full_copy(false, true), {"flush-before-last-copy"});
  EXPECT_EQ(verdict(r, property::kDurableCompletion).status, VerdictStatus::kNotApplicable);
  EXPECT_EQ(verdict(r, property::kFlushProtocol).status, VerdictStatus::kNotApplicable);
  EXPECT_TRUE(r.passed()) << all_verdicts(r);
}

TEST(FlushProtocol, HoldsOnTheCorrectEngine) {
  const RunReport r = run(cached_full_copy(true, true));
  EXPECT_EQ(verdict(r, property::kFlushProtocol).status, VerdictStatus::kHolds) << all_verdicts(r);
}

TEST(FlushProtocol, FailsWhenTheFlushStartsBeforeTheLastCopyEnds) {
  const RunReport r = run(cached_full_copy(true, false), {"flush-before-last-copy"});
  const properties::Verdict& v = verdict(r, property::kFlushProtocol);
  EXPECT_EQ(v.status, VerdictStatus::kViolated) << all_verdicts(r);
  EXPECT_NE(v.message.find("did not cover it"), std::string::npos) << v.message;
}

// Power losses before and after the pivot, in both modes: what the guest
// saw acknowledged survives (the pivot's flush carries it to the target).
TEST(CrashSafety, HoldsOnTheCorrectEngineBeforeAndAfterThePivot) {
  for (const sim::PowerLossMode mode :
       {sim::PowerLossMode::kAnySubset, sim::PowerLossMode::kInOrderPrefix}) {
    for (const std::uint64_t at_us : {3'000, 20'000, 60'000}) {
      Scenario s = cached_full_copy(true, true);
      Command loss = command(CommandKind::kPowerLoss, CommandTrigger::kAt, at_us);
      loss.power_loss_mode = mode;
      s.commands.push_back(loss);
      const RunReport r = run(s);
      const properties::Verdict& v = verdict(r, property::kCrashSafety);
      EXPECT_EQ(v.status, VerdictStatus::kHolds) << at_us << "\n" << all_verdicts(r);
      EXPECT_TRUE(r.passed()) << at_us << "\n" << all_verdicts(r);
    }
  }
}

// The guest writes, flushes (acknowledged), and a power loss follows. With
// `lying_disk` the source's image takes new content behind its cache's
// back after the flush: after the power loss the disk does not give back
// what it said was durable, and the check made there must say so.
RunReport write_flush_lose(bool lying_disk) {
  Scenario s = cached_full_copy(false, true);
  s.workload = scenarios::NoWorkload{};
  s.commands = {command(CommandKind::kPowerLoss, CommandTrigger::kAt, 1'000'000)};
  World world(s, {});
  world.start();
  auto request = [&](sim::GuestOp op, std::uint64_t offset, std::uint64_t length) {
    bool done = false;
    bool ok = false;
    world.guest_request_now(sim::GuestRequest{world.now(), op, offset, length},
                            [&](const properties::GuestResult& g) {
                              done = true;
                              ok = g.status.ok();
                            });
    EXPECT_TRUE(world.run_until([&] { return done; }, engine::kNsPerSecond).reached());
    EXPECT_TRUE(ok);
  };
  request(sim::GuestOp::kWrite, 64 * kKiB, 64 * kKiB);
  request(sim::GuestOp::kFlush, 0, 0);
  if (lying_disk) {
    (void)world.disk(DiskRole::kSource)
        .image()
        .write(64 * kKiB, sim::ContentPayload::fresh(424242, 4 * kKiB));
  }
  world.power_loss(sim::PowerLossMode::kAnySubset);
  return world.report(world.run_to_end());
}

TEST(CrashSafety, HoldsWhenTheFlushMadeTheWriteDurable) {
  const RunReport r = write_flush_lose(false);
  EXPECT_EQ(verdict(r, property::kCrashSafety).status, VerdictStatus::kHolds) << all_verdicts(r);
}

TEST(CrashSafety, FailsWhenAcknowledgedContentIsLost) {
  const RunReport r = write_flush_lose(true);
  const properties::Verdict& v = verdict(r, property::kCrashSafety);
  EXPECT_EQ(v.status, VerdictStatus::kViolated) << all_verdicts(r);
  EXPECT_NE(v.message.find("before the pivot"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("at byte 65536"), std::string::npos) << v.message;
}

TEST(CrashSafety, NotJudgedWithoutAPowerLoss) {
  const RunReport r = run(cached_full_copy(true, true));
  EXPECT_EQ(verdict(r, property::kCrashSafety).status, VerdictStatus::kNotApplicable);
}

// `mirrorsim list properties` and the README name what a report holds.
TEST(PropertyList, NamesEveryVerdictOfARunInReportOrder) {
  const RunReport r = run(cached_full_copy(true, true));
  std::vector<std::string> reported;
  for (const properties::Verdict& v : r.verdicts) reported.push_back(v.property);
  std::vector<std::string> listed;
  for (const properties::PropertyInfo& p : properties::property_list()) {
    listed.emplace_back(p.name);
  }
  EXPECT_EQ(reported, listed);
}

}  // namespace
}  // namespace mirrorsim
