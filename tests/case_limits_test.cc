// Limits sized from a case's own work (properties/case_limits.h), and the
// liveness verdict at a limit: stalled, livelocked, or still progressing
// (properties/oracles.cc, properties/progress_tracker.h).
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "properties/campaign.h"
#include "properties/case_limits.h"
#include "properties/oracles.h"
#include "properties/progress_tracker.h"
#include "properties/world.h"
#include "reports/run_text.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim {
namespace {

using properties::estimate_work;
using properties::limits_for;
using properties::ProgressTracker;
using properties::RunReport;
using properties::VerdictStatus;
using properties::WorkEstimate;
using scenarios::kKiB;
using scenarios::kMiB;
using scenarios::Scenario;

constexpr engine::TimeNs kSecond = engine::kNsPerSecond;

const properties::Verdict& liveness(const RunReport& r) {
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property == properties::property::kLiveness) return v;
  }
  throw std::logic_error("no liveness verdict");
}

// The case from issue 10: 512 B chunks and a 512 B buffer (one op of one
// chunk at a time) over ~14 MiB with 1 ms latency: ~28,700 ops of ~2 ms,
// about 60 s of virtual time, where the generator used to stop at 60 s.
Scenario slow_small_chunks() {
  Scenario s;
  s.name = "slow-small-chunks";
  s.seed = 7;
  s.source.kind = scenarios::DiskKind::kCluster;
  s.source.cluster_bytes = 64 * kKiB;
  s.source.length_bytes = 14 * kMiB + 320 * kKiB;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.source.latency_us = 1000;
  s.source.bandwidth_bytes_per_s = 20'000'000;
  s.source.jitter_us = 250;
  // Each request at the full rate, as when these figures were measured.
  s.source.shared_bandwidth = false;
  s.target = s.source;
  s.target.old_data = false;
  s.target.zero_init = true;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.mirror.granularity_bytes = 512;
  s.mirror.buf_size_bytes = 512;
  return s;
}

RunReport run(const Scenario& s) {
  return properties::run_scenario(s);
}

// ---- the estimate ------------------------------------------------------------------

TEST(CaseLimits, EstimateFollowsTheMirrorGeometry) {
  Scenario s = slow_small_chunks();
  WorkEstimate e = estimate_work(s, {});
  EXPECT_EQ(e.granularity_bytes, 512u);
  EXPECT_EQ(e.buffer_bytes, 512u);
  EXPECT_EQ(e.op_bytes, 512u);
  EXPECT_EQ(e.in_flight, 1);
  EXPECT_EQ(e.ops, static_cast<double>(s.source.length_bytes / 512));
  // Read then write, each at least the 1 ms latency: over 57 s.
  EXPECT_GT(e.seconds, 57.0);
  EXPECT_LT(e.seconds, 120.0);

  // Defaults: 64 KiB chunks (target has clusters of 64 KiB), a 16 MiB
  // buffer, ops of 1 MiB, 16 in flight.
  s.mirror.granularity_bytes = 0;
  s.mirror.buf_size_bytes = 0;
  e = estimate_work(s, {});
  EXPECT_EQ(e.granularity_bytes, 64 * kKiB);
  EXPECT_EQ(e.buffer_bytes, 16 * kMiB);
  EXPECT_EQ(e.op_bytes, 1 * kMiB);
  EXPECT_EQ(e.in_flight, 16);
  EXPECT_LT(e.seconds, 2.0);

  // A bigger buffer makes bigger ops: max(buf-size / 16, 1 MiB).
  s.mirror.buf_size_bytes = 64 * kMiB;
  EXPECT_EQ(estimate_work(s, {}).op_bytes, 4 * kMiB);

  // The COW rule: the buffer holds at least one target cluster, ops cover
  // whole clusters.
  s.mirror.buf_size_bytes = 4096;
  s.mirror.granularity_bytes = 4096;
  s.target.cluster_bytes = 2 * kMiB;
  s.target.backing = scenarios::Backing::kAtPivot;
  s.target.backing_name = "base";
  e = estimate_work(s, {});
  EXPECT_EQ(e.buffer_bytes, 2 * kMiB);
  EXPECT_EQ(e.op_bytes, 2 * kMiB);
}

TEST(CaseLimits, EstimateGrowsWithEachKindOfWork) {
  const Scenario base = slow_small_chunks();
  const double seconds = estimate_work(base, {}).seconds;
  auto more = [&](auto change) {
    Scenario s = base;
    change(s);
    return estimate_work(s, {}).seconds;
  };
  EXPECT_GT(more([](Scenario& s) { s.source.length_bytes *= 2; }), 1.9 * seconds);
  EXPECT_GT(more([](Scenario& s) { s.source.latency_us *= 3; }), 1.5 * seconds);
  EXPECT_GT(more([](Scenario& s) {
              s.source.bandwidth_bytes_per_s = 100'000;  // 512 B take 5 ms more
            }),
            2 * seconds);
  EXPECT_GT(more([](Scenario& s) { s.mirror.speed_bytes_per_s = 64 * kKiB; }), 200.0);
  // A set-speed to unlimited at 1 s bounds the speed limit's share.
  EXPECT_LT(more([](Scenario& s) {
              s.mirror.speed_bytes_per_s = 64 * kKiB;
              scenarios::Command c;
              c.kind = scenarios::CommandKind::kSetSpeed;
              c.trigger = scenarios::CommandTrigger::kAt;
              c.time_us = 1'000'000;
              s.commands.push_back(c);
            }),
            seconds + 3);
  EXPECT_GT(more([](Scenario& s) {
              scenarios::FaultSpec f;
              f.rule.to_ns = 30 * kSecond;
              s.faults.push_back(f);
            }),
            seconds + 30);
  // Faults without a window end when their disk's faults end.
  EXPECT_GT(more([](Scenario& s) {
              s.faults.push_back(scenarios::FaultSpec{});
              s.target.faults_end_us = 20'000'000;
            }),
            seconds + 20);
  EXPECT_GT(more([](Scenario& s) {
              sim::WorkloadParams w;
              w.rate_iops = 10000;
              w.size = sim::UniformSize{512, 64 * kKiB};
              s.workload = w;
              s.mirror.copy_mode = scenarios::CopyMode::kWriteBlocking;
            }),
            5 * seconds);

  // Guest writes are copied again: more ops and more time.
  std::vector<sim::GuestRequest> trace;
  for (int i = 0; i < 20; ++i) {
    trace.push_back(sim::GuestRequest{static_cast<engine::TimeNs>(i) * 2 * kSecond,
                                      sim::GuestOp::kWrite, static_cast<std::uint64_t>(i) * kMiB,
                                      64 * kKiB});
  }
  const WorkEstimate with_guest = estimate_work(base, trace);
  EXPECT_EQ(with_guest.ops, estimate_work(base, {}).ops + 20 * (128 + 2));
  EXPECT_GT(with_guest.seconds, seconds + 38);  // the last request comes at 38 s
}

TEST(CaseLimits, LimitsAreTheEstimateTimesTheSafetyFactorInWholeSeconds) {
  WorkEstimate e;
  e.seconds = 10.2;
  e.events = 3e6;
  scenarios::Limits l = limits_for(e);
  EXPECT_EQ(l.max_time_us, 41'000'000u);
  EXPECT_EQ(l.max_events, 12'000'000u);
  e.seconds = 0.001;
  e.events = 10;
  l = limits_for(e);
  EXPECT_EQ(l.max_time_us, properties::kMinTimeLimitUs);
  EXPECT_EQ(l.max_events, properties::kMinEventLimit);
  e.events = 1e30;
  EXPECT_EQ(limits_for(e).max_events, properties::kMaxEventLimit);
}

// ---- the progress tracker ----------------------------------------------------------

TEST(ProgressTracker, WindowSeesCopyingAndNewLows) {
  ProgressTracker t;
  // 100 s of steady copying: 1 MiB/s, dirty from 100 MiB down to 0.
  for (int s = 0; s <= 100; ++s) {
    t.sample(s * kSecond, static_cast<std::uint64_t>(s) * kMiB,
             static_cast<std::uint64_t>(100 - s) * kMiB);
  }
  auto w = t.window(100 * kSecond);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start_ns, 75 * kSecond);
  EXPECT_EQ(w->copied_bytes, 25 * kMiB);
  EXPECT_EQ(w->left_at_start, 25 * kMiB);
  EXPECT_EQ(w->left_at_end, 0u);
  EXPECT_TRUE(w->new_low);
  EXPECT_NEAR(w->copy_rate(), static_cast<double>(kMiB), 1.0);
  EXPECT_NEAR(w->drain_rate(), static_cast<double>(kMiB), 1.0);
  EXPECT_FALSE(w->guest_wrote);
}

TEST(ProgressTracker, CopyingTheSameBytesAgainIsNoNewLow) {
  ProgressTracker t;
  t.sample(0, 0, 10 * kMiB);
  t.sample(kSecond, kMiB, 2 * kMiB);  // the low: 2 MiB
  // Then copies go on but the dirty count bounces between 3 and 4 MiB.
  for (int s = 2; s <= 40; ++s) {
    t.sample(s * kSecond, static_cast<std::uint64_t>(s) * kMiB, (3 + s % 2) * kMiB);
  }
  auto w = t.window(40 * kSecond);
  ASSERT_TRUE(w);
  EXPECT_GT(w->copied_bytes, 0u);
  EXPECT_FALSE(w->new_low);
}

TEST(ProgressTracker, HistoryStaysBoundedOverMillionsOfSamples) {
  ProgressTracker t;
  const std::uint64_t total = 2'000'000;
  for (std::uint64_t i = 0; i <= total; ++i) {
    t.sample(static_cast<engine::TimeNs>(i) * 1000, i * 512, (total - i) * 512);
  }
  EXPECT_LE(t.kept_samples(), ProgressTracker::kMaxSamples);
  auto w = t.window(static_cast<engine::TimeNs>(total) * 1000);
  ASSERT_TRUE(w);
  // A quarter of the run, to within the kept samples' spacing.
  EXPECT_NEAR(static_cast<double>(w->copied_bytes), total / 4.0 * 512, total / 100.0 * 512);
  EXPECT_TRUE(w->new_low);
}

// ---- liveness at the limit ---------------------------------------------------------

// Fails before the fix: with the generator's old fixed 60 s limit this case
// hit the limit while still copying and was reported as a violated
// property; with limits from its own work it ends inside them.
TEST(LivenessAtTheLimit, SlowButProgressingCaseEndsWithinItsSizedLimit) {
  Scenario s = slow_small_chunks();
  s.limits.max_time_us = 60'000'000;  // the old fixed limit
  s.limits.max_events = 5'000'000;
  const RunReport old = run(s);
  ASSERT_EQ(old.sim.status, sim::RunOutcome::Status::kLimit) << reports::describe_report(old);
  EXPECT_FALSE(liveness(old).violated()) << liveness(old).message;

  s.limits = limits_for(estimate_work(s, {}));
  const RunReport r = run(s);
  EXPECT_TRUE(r.passed()) << reports::describe_report(r);
  EXPECT_EQ(r.inconclusive(), nullptr) << reports::describe_report(r);
  EXPECT_TRUE(r.job.pivoted);
  EXPECT_GT(r.sim.end_time_ns, 60 * kSecond);  // the old limit really was too short
  EXPECT_LT(static_cast<double>(r.sim.end_time_ns) / 1e9, estimate_work(s, {}).seconds);
}

TEST(LivenessAtTheLimit, ProgressingCaseWithATooSmallLimitIsInconclusive) {
  Scenario s = slow_small_chunks();
  s.limits.max_time_us = 5'000'000;
  const RunReport r = run(s);
  const properties::Verdict& v = liveness(r);
  EXPECT_EQ(v.status, VerdictStatus::kInconclusive) << v.message;
  EXPECT_TRUE(r.passed());
  ASSERT_NE(r.inconclusive(), nullptr);
  // Human units: seconds, MiB/s, what is left.
  EXPECT_NE(v.message.find("still progressing at the limit (virtual time limit of 5 s reached): "),
            std::string::npos)
      << v.message;
  EXPECT_NE(v.message.find("KiB/s"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("MiB left (dirty or being copied)"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("s more at this rate"), std::string::npos) << v.message;
  EXPECT_EQ(v.message.find(" ns"), std::string::npos) << v.message;
  EXPECT_EQ(r.outcome_line().rfind("inconclusive: ", 0), 0u) << r.outcome_line();
  // The first violation skips it, and JSON says so.
  EXPECT_EQ(properties::first_violation(r.verdicts), nullptr);
  EXPECT_TRUE(reports::report_json(r)["inconclusive"].get<bool>());
  EXPECT_TRUE(reports::report_json(r)["passed"].get<bool>());

  // The event limit is judged the same way.
  s.limits.max_time_us = 600'000'000;
  s.limits.max_events = 60'000;
  const RunReport by_events = run(s);
  EXPECT_EQ(liveness(by_events).status, VerdictStatus::kInconclusive)
      << liveness(by_events).message;
  EXPECT_NE(liveness(by_events).message.find("event limit of 60000 events reached"),
            std::string::npos)
      << liveness(by_events).message;
}

// One iteration clears the dirty bits of a whole 16 MiB buffer at once and
// its 16 ops of 1 MiB then take a second each on a slow target: the dirty
// count is 0 from the start, yet the job is still copying at the limit.
TEST(LivenessAtTheLimit, CopyingWhatOneIterationClaimedIsProgress) {
  Scenario s;
  s.name = "one-slow-iteration";
  s.source.length_bytes = 16 * kMiB;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.target.length_bytes = 16 * kMiB;
  s.target.bandwidth_bytes_per_s = 1'000'000;
  s.target.queue_depth = 1;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.limits.max_time_us = 8'000'000;
  const RunReport r = run(s);
  const properties::Verdict& v = liveness(r);
  EXPECT_EQ(v.status, VerdictStatus::kInconclusive) << v.message;
  EXPECT_NE(v.message.find("MiB left (dirty or being copied)"), std::string::npos) << v.message;

  s.limits = limits_for(estimate_work(s, {}));
  const RunReport done = run(s);
  EXPECT_TRUE(done.passed()) << reports::describe_report(done);
  EXPECT_EQ(done.inconclusive(), nullptr) << reports::describe_report(done);
}

// A job that truly stalls (nothing scheduled, job not done) is violated,
// sized limits or not: a widened COW copy that waits forever for a buffer
// the size of one cluster (buf-below-cluster, BUGS.md).
TEST(LivenessAtTheLimit, StalledJobIsStillViolated) {
  Scenario s = slow_small_chunks();
  s.source.length_bytes = 4 * kMiB;
  s.target.length_bytes = 4 * kMiB;
  s.mirror.granularity_bytes = 4096;
  s.mirror.buf_size_bytes = 4096;
  s.target.cluster_bytes = 64 * kKiB;
  s.target.backing = scenarios::Backing::kAtPivot;
  s.target.backing_name = "base";
  scenarios::DiskSpec base = s.source;
  base.old_data = true;
  s.base = base;
  s.limits = limits_for(estimate_work(s, {}));
  properties::RunOptions options;
  options.extra_bugs = {"buf-below-cluster"};
  const RunReport r = properties::run_scenario(s, options);
  EXPECT_EQ(r.sim.status, sim::RunOutcome::Status::kLiveness) << reports::describe_report(r);
  EXPECT_TRUE(liveness(r).violated()) << liveness(r).message;
  EXPECT_NE(liveness(r).message.find("stall"), std::string::npos) << liveness(r).message;
  EXPECT_FALSE(r.passed());
}

// A job that spins at the limit without gaining ground (a livelock) stays
// violated: under steady write-blocking guest writes, background copying
// that waits for a moment with no active write never gets one
// (active-starves-background, BUGS.md).
TEST(LivenessAtTheLimit, LivelockAtTheLimitIsViolated) {
  Scenario s;
  s.name = "livelock";
  s.seed = 3;
  s.source.length_bytes = 8 * kMiB;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.source.latency_us = 1000;
  s.source.queue_depth = 4;
  s.target.length_bytes = 8 * kMiB;
  s.target.latency_us = 1000;
  s.target.queue_depth = 4;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.mirror.copy_mode = scenarios::CopyMode::kWriteBlocking;
  sim::WorkloadParams w;
  w.rate_iops = 10000;
  w.size = sim::FixedSize{4096};
  s.workload = w;
  s.limits = limits_for(estimate_work(s, {}));

  const RunReport correct = run(s);
  EXPECT_TRUE(correct.passed()) << reports::describe_report(correct);
  EXPECT_EQ(correct.inconclusive(), nullptr) << reports::describe_report(correct);

  properties::RunOptions options;
  options.extra_bugs = {"active-starves-background"};
  const RunReport r = properties::run_scenario(s, options);
  EXPECT_EQ(r.sim.status, sim::RunOutcome::Status::kLimit) << reports::describe_report(r);
  EXPECT_TRUE(liveness(r).violated()) << liveness(r).message;
  EXPECT_NE(liveness(r).message.find("no progress at the limit"), std::string::npos)
      << liveness(r).message;
}

// A background job whose guest dirties faster than it copies (32 MiB/s of
// guest writes against an 8 MiB/s copy, until 2 s) is outrun: at a 1.5 s
// limit that is an outcome (ARCHITECTURE.md), not a violated property, and
// not inconclusive either: liveness held, the job did not converge.
TEST(LivenessAtTheLimit, JobOutrunByItsGuestIsNotConverged) {
  Scenario s = scenarios::load_scenario(scenarios::library_dir() / "write-blocking-switch.toml");
  s.commands.erase(s.commands.begin());  // no switch to write-blocking
  s.limits.max_time_us = 1'500'000;
  const RunReport r = run(s);
  EXPECT_EQ(r.sim.status, sim::RunOutcome::Status::kLimit) << reports::describe_report(r);
  EXPECT_EQ(liveness(r).status, VerdictStatus::kHolds) << liveness(r).message;
  EXPECT_TRUE(r.passed());
  EXPECT_EQ(r.inconclusive(), nullptr);
  EXPECT_FALSE(r.convergence.converged);
  EXPECT_EQ(r.convergence.state, properties::ConvergenceState::kOutrun);
}

// The verdict at a limit, from the progress facts alone.
class JudgeAtTheLimit : public testing::Test {
 protected:
  properties::RunFacts facts() const {
    properties::RunFacts f;
    f.sim.status = sim::RunOutcome::Status::kLimit;
    f.sim.message = "virtual time limit of 40 s reached; waiting: task 'x' waits on y";
    f.sim.end_time_ns = 40 * kSecond;
    f.job_started = true;
    properties::ProgressWindow w;
    w.start_ns = 30 * kSecond;
    w.end_ns = 40 * kSecond;
    w.copied_bytes = 20 * kMiB;
    w.left_at_start = 8 * kMiB;
    w.left_at_end = 6 * kMiB;
    w.new_low = true;
    f.progress = w;
    return f;
  }
};

TEST_F(JudgeAtTheLimit, NewLowWhileCopyingIsInconclusive) {
  const properties::Verdict v = properties::check_liveness(facts());
  EXPECT_EQ(v.status, VerdictStatus::kInconclusive) << v.message;
  EXPECT_EQ(v.message,
            "still progressing at the limit (virtual time limit of 40 s reached): over the last "
            "10.000 s (30.000 s to 40.000 s) 20.00 MiB copied (2.00 MiB/s), left to copy 8.00 MiB "
            "-> 6.00 MiB; 6.00 MiB left (dirty or being copied), about 30.0 s more at this rate");
}

TEST_F(JudgeAtTheLimit, CopyingWithoutANewLowIsALivelock) {
  properties::RunFacts f = facts();
  f.progress->new_low = false;
  properties::Verdict v = properties::check_liveness(f);
  EXPECT_TRUE(v.violated()) << v.message;
  EXPECT_NE(v.message.find("no progress at the limit: over the last 10.000 s"), std::string::npos)
      << v.message;
  EXPECT_NE(v.message.find("never below its earlier low"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("task 'x' waits on y"), std::string::npos) << v.message;

  // Unless a background job's guest kept writing: outrun, an outcome (not
  // converged), so liveness holds.
  f.progress->guest_wrote = true;
  v = properties::check_liveness(f);
  EXPECT_EQ(v.status, VerdictStatus::kHolds) << v.message;
  EXPECT_EQ(v.message.rfind("not converged (outrun by the guest) at the limit", 0), 0u)
      << v.message;
  // After READY the job had converged: only its end was outrun.
  engine::JobEvent ready;
  ready.kind = engine::JobEventKind::kReady;
  f.events.push_back(ready);
  v = properties::check_liveness(f);
  EXPECT_EQ(v.status, VerdictStatus::kHolds) << v.message;
  EXPECT_EQ(v.message.rfind("outrun by the guest after READY at the limit", 0), 0u) << v.message;
  f.events.clear();
  // In write-blocking mode the guest cannot outrun the job.
  f.copy_mode = engine::CopyMode::kWriteBlocking;
  EXPECT_TRUE(properties::check_liveness(f).violated());
}

TEST_F(JudgeAtTheLimit, NothingCopiedIsViolatedEvenWithANewLow) {
  properties::RunFacts f = facts();
  f.progress->copied_bytes = 0;  // e.g. write-blocking writes cleared chunks, no copy ran
  f.progress->guest_wrote = true;
  const properties::Verdict v = properties::check_liveness(f);
  EXPECT_TRUE(v.violated()) << v.message;
  EXPECT_NE(v.message.find("0 B copied (0 B/s)"), std::string::npos) << v.message;
}

TEST_F(JudgeAtTheLimit, ACompletionDrainWhoseGuestWritesLandIsInconclusive) {
  // Told to complete with nothing left: the job waits for the guest writes in
  // flight (write-blocking ones each carry a copy, slow on a slow target).
  properties::RunFacts f = facts();
  f.copy_mode = engine::CopyMode::kWriteBlocking;
  f.progress->copied_bytes = 0;
  f.progress->left_at_start = 0;
  f.progress->left_at_end = 0;
  f.progress->new_low = false;
  f.progress->guest_wrote = true;
  EXPECT_TRUE(properties::check_liveness(f).violated());  // not told to complete: stuck
  f.complete_accepted = true;
  properties::Verdict v = properties::check_liveness(f);
  EXPECT_EQ(v.status, VerdictStatus::kInconclusive) << v.message;
  EXPECT_EQ(v.message.rfind("still draining at the limit", 0), 0u) << v.message;
  // No guest write landed: the drain is stuck.
  f.progress->guest_wrote = false;
  EXPECT_TRUE(properties::check_liveness(f).violated());
  // Something left to copy: not a drain.
  f.progress->guest_wrote = true;
  f.progress->left_at_end = 4096;
  EXPECT_TRUE(properties::check_liveness(f).violated());
}

// ---- generated cases ---------------------------------------------------------------

std::string describe(const properties::GeneratedCase& c, const WorkEstimate& e) {
  std::string out = reports::describe_setup(c.scenario, c.scenario.seed, {});
  out += fmt::format(
      "estimate: ops {} of {} B, {} in flight, op {:.6f} s, copy {:.6f} s, rate {:.6f} s, "
      "guest {:.6f} s, settle {:.6f} s, after READY {:.6f} s, overhead {:.6f} s\n",
      e.ops, e.op_bytes, e.in_flight, e.op_seconds, e.copy_seconds, e.rate_seconds, e.guest_seconds,
      e.settle_seconds, e.after_ready_seconds, e.overhead_seconds);
  for (const scenarios::Command& cmd : c.scenario.commands) {
    out += fmt::format("  command {} trigger {} at {} us\n", scenarios::name_of(cmd.kind),
                       static_cast<int>(cmd.trigger), cmd.time_us);
  }
  for (const sim::GuestRequest& r : c.requests) {
    out += fmt::format("  guest {} {} +{} at {:.6f} s\n", sim::guest_op_name(r.op), r.offset,
                       r.length, r.time / 1e9);
  }
  return out;
}

// Every generated case passes on the correct engine and ends well inside
// its limits: within twice its estimate (half its limit; in practice the
// worst seen is just under the estimate itself). More cases:
// MIRRORSIM_LIMITS_CASES=N (the seed: MIRRORSIM_LIMITS_SEED), of which
// only those estimated at MIRRORSIM_LIMITS_MIN_ESTIMATE seconds or more
// run when that is set (a hunt for the slow ones); cases over 0.9 of their
// estimate or past the old limits are saved to MIRRORSIM_LIMITS_SAVE=DIR.
TEST(CaseLimits, GeneratedCasesEndWithinTheirEstimate) {
  const char* cases_env = std::getenv("MIRRORSIM_LIMITS_CASES");
  const char* seed_env = std::getenv("MIRRORSIM_LIMITS_SEED");
  const std::uint64_t cases = cases_env ? std::stoull(cases_env) : 300;
  const std::uint64_t seed = seed_env ? std::stoull(seed_env) : 10;
  // Half the limit: a correct case keeps at least half its safety margin.
  const double kMaxRatio = properties::kSafetyFactor / 2;
  std::uint64_t over_half = 0;
  std::uint64_t over_old_limits = 0;
  std::uint64_t ran = 0;
  const char* min_env = std::getenv("MIRRORSIM_LIMITS_MIN_ESTIMATE");
  const double min_estimate = min_env ? std::stod(min_env) : 0;
  double worst_time = 0;
  double worst_events = 0;
  std::uint64_t worst_case = 0;
  for (std::uint64_t i = 0; i < cases; ++i) {
    const properties::GeneratedCase c = properties::generate_case(seed, i);
    const WorkEstimate e = estimate_work(c.scenario, c.requests);
    const scenarios::Limits expected = limits_for(e);
    ASSERT_EQ(c.scenario.limits, expected) << "case " << i;
    if (e.seconds < min_estimate) continue;
    ++ran;
    const RunReport r = properties::run_case(c, {});
    ASSERT_TRUE(r.passed()) << "case " << i << "\n" << reports::describe_report(r);
    ASSERT_EQ(r.inconclusive(), nullptr) << "case " << i << "\n" << reports::describe_report(r);
    const double time_ratio = static_cast<double>(r.sim.end_time_ns) / 1e9 / e.seconds;
    const double event_ratio = static_cast<double>(r.sim.events) / e.events;
    if (time_ratio > 0.5) ++over_half;
    // The generator's old fixed limits (issue 10): 60 s, 5,000,000 events.
    const bool old_limits = r.sim.end_time_ns > 60 * kSecond || r.sim.events > 5'000'000;
    if (old_limits) {
      ++over_old_limits;
      fmt::print("case {} of seed {} needs {:.3f} s and {} events (limits {} s, {} events)\n", i,
                 seed, r.sim.end_time_ns / 1e9, r.sim.events, expected.max_time_us / 1'000'000,
                 expected.max_events);
    }
    EXPECT_LE(time_ratio, kMaxRatio) << "case " << i << " ended at " << r.sim.end_time_ns / 1e9
                                     << " s, estimate " << e.seconds << " s\n"
                                     << describe(c, e) << reports::describe_report(r);
    if (const char* dir = std::getenv("MIRRORSIM_LIMITS_SAVE");
        dir && (time_ratio > 0.9 || old_limits)) {
      properties::save_case(c, {}, dir, fmt::format("limits-{}-{}", seed, i));
    }
    EXPECT_LE(event_ratio, kMaxRatio)
        << "case " << i << ": " << r.sim.events << " events, estimate " << e.events;
    if (time_ratio > worst_time) worst_case = i;
    worst_time = std::max(worst_time, time_ratio);
    worst_events = std::max(worst_events, event_ratio);
  }
  fmt::print(
      "{} cases of seed {} ({} run): worst end/estimate {:.3f} (case {}), {} over 0.5; worst "
      "events/estimate {:.3f}; {} past the old fixed limits (60 s, 5M events)\n",
      cases, seed, ran, worst_time, worst_case, over_half, worst_events, over_old_limits);
}

}  // namespace
}  // namespace mirrorsim
