// End-to-end tests of the mirror engine in simulation: scenarios built here
// (or taken from the library) run the real MirrorJob against simulated disks,
// and the assertions are on what the outside world sees: the content verdicts
// of the properties, the job's events and states in order, and which commands
// were accepted. Counters are checked only beside those.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "properties/run_report.h"
#include "properties/scenario_build.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim {
namespace {

using engine::JobEvent;
using engine::JobEventKind;
using engine::JobState;
using properties::RunReport;
using properties::VerdictStatus;
using scenarios::Backing;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::DiskKind;
using scenarios::DiskSpec;
using scenarios::ErrorPolicy;
using scenarios::FaultDisk;
using scenarios::FaultSpec;
using scenarios::kKiB;
using scenarios::kMiB;
using scenarios::Scenario;
using scenarios::SyncMode;
using sim::DiskOp;
namespace property = properties::property;

constexpr std::uint64_t kUsPerMs = 1000;

// ---- building scenarios ------------------------------------------------------

DiskSpec raw_disk(std::uint64_t length, bool old_data) {
  DiskSpec d;
  d.kind = DiskKind::kRaw;
  d.length_bytes = length;
  d.zero_init = !old_data;
  d.old_data = old_data;
  return d;
}

DiskSpec cluster_disk(std::uint64_t length, std::uint64_t cluster, Backing backing) {
  DiskSpec d;
  d.kind = DiskKind::kCluster;
  d.length_bytes = length;
  d.cluster_bytes = cluster;
  d.backing = backing;
  d.backing_name = backing == Backing::kNone ? "" : "base";
  return d;
}

sim::WorkloadParams guest_writes(double iops, std::uint64_t stop_us) {
  sim::WorkloadParams w;
  w.rate_iops = iops;
  w.size = sim::ChoiceSize{{4 * kKiB, 64 * kKiB}};
  w.align_bytes = 4 * kKiB;
  w.stop_us = stop_us;
  return w;
}

Command at(CommandKind kind, std::uint64_t time_us, std::uint64_t speed = 0) {
  Command c;
  c.kind = kind;
  c.trigger = CommandTrigger::kAt;
  c.time_us = time_us;
  c.speed_bytes_per_s = speed;
  return c;
}

Command on_ready(CommandKind kind, std::uint64_t delay_us) {
  Command c;
  c.kind = kind;
  c.trigger = CommandTrigger::kOnReady;
  c.time_us = delay_us;
  return c;
}

// A raw source full of data, a zero-initialised raw target, sync=full, guest
// writes for 40 ms, complete 10 ms after READY.
Scenario full_copy(std::uint64_t length = 8 * kMiB) {
  Scenario s;
  s.name = "full-copy";
  s.source = raw_disk(length, true);
  s.target = raw_disk(length, false);
  s.mirror.sync = SyncMode::kFull;
  s.workload = guest_writes(1000, 40 * kUsPerMs);
  s.commands = {on_ready(CommandKind::kComplete, 10 * kUsPerMs)};
  return s;
}

// The founding case: target cluster 1 MiB, granularity 64 KiB, the target's
// backing attached only at the pivot; the source's top layer over the same
// base; the guest writes while the job mirrors (the target is slow, so the
// copies of what it dirties take a while).
Scenario founding_case() {
  Scenario s;
  s.name = "founding";
  s.base = cluster_disk(16 * kMiB, 64 * kKiB, Backing::kNone);
  s.base->zero_init = false;
  s.base->old_data = true;
  s.source = cluster_disk(16 * kMiB, 64 * kKiB, Backing::kAttached);
  s.target = cluster_disk(16 * kMiB, 1 * kMiB, Backing::kAtPivot);
  s.target.latency_us = 2 * kUsPerMs;
  s.mirror.sync = SyncMode::kTop;
  s.mirror.granularity_bytes = 64 * kKiB;
  s.workload = guest_writes(2000, 30 * kUsPerMs);
  s.commands = {on_ready(CommandKind::kComplete, 5 * kUsPerMs)};
  return s;
}

FaultSpec fault(FaultDisk disk, DiskOp op, int error) {
  FaultSpec f;
  f.disk = disk;
  f.rule.op = op;
  f.rule.error = error;
  return f;
}

// A fault rule's time from microseconds.
constexpr engine::TimeNs rule_time(std::uint64_t us) {
  return static_cast<engine::TimeNs>(us) * engine::kNsPerUs;
}

Scenario load_library(const std::string& name) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  return scenarios::load_scenario(scenarios::library_file(name), load);
}

RunReport run(const Scenario& s, std::vector<std::string> bugs = {}) {
  properties::RunOptions options;
  options.extra_bugs = std::move(bugs);
  return properties::run_scenario(s, options);
}

// Writes `rows` as a CSV trace file in a temporary folder; returns its path.
std::filesystem::path write_trace(const std::string& name, const std::string& rows) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mirror_job_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / name;
  std::ofstream(file) << "time_us,op,offset,length\n" << rows;
  return file;
}

// ---- reading reports ---------------------------------------------------------

VerdictStatus status_of(const RunReport& r, std::string_view name) {
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property == name) return v.status;
  }
  ADD_FAILURE() << "no verdict for " << name;
  return VerdictStatus::kNotApplicable;
}

std::string describe(const RunReport& r) {
  std::string out = r.outcome_line();
  for (const JobEvent& e : r.events) {
    out += "\n  " + std::to_string(e.time) + " " + std::string(engine::job_event_name(e.kind));
    if (e.kind == JobEventKind::kStateChange) out += " " + std::string(engine::state_name(e.state));
    if (e.kind == JobEventKind::kError) out += " " + e.operation + " " + e.action;
  }
  for (const properties::Verdict& v : r.verdicts) {
    if (v.violated()) out += "\n  VIOLATED " + v.property + ": " + v.message;
  }
  return out;
}

std::vector<JobState> states(const RunReport& r) {
  std::vector<JobState> out;
  for (const JobEvent& e : r.events) {
    if (e.kind == JobEventKind::kStateChange) out.push_back(e.state);
  }
  return out;
}

// The events other than state changes, in order.
std::vector<JobEventKind> signals(const RunReport& r) {
  std::vector<JobEventKind> out;
  for (const JobEvent& e : r.events) {
    if (e.kind != JobEventKind::kStateChange) out.push_back(e.kind);
  }
  return out;
}

// Index of the first event of `kind`, or events.size().
std::size_t first(const RunReport& r, JobEventKind kind) {
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].kind == kind) return i;
  }
  return r.events.size();
}

bool has(const RunReport& r, JobEventKind kind) {
  return first(r, kind) < r.events.size();
}

const JobEvent& last_event(const RunReport& r, JobEventKind kind) {
  for (auto it = r.events.rbegin(); it != r.events.rend(); ++it) {
    if (it->kind == kind) return *it;
  }
  static const JobEvent none;
  ADD_FAILURE() << "no " << engine::job_event_name(kind) << " event";
  return none;
}

// `needle` occurs in `haystack` in order, not necessarily adjacent.
template <typename T>
bool in_order(const std::vector<T>& haystack, const std::vector<T>& needle) {
  std::size_t i = 0;
  for (const T& x : haystack) {
    if (i < needle.size() && x == needle[i]) ++i;
  }
  return i == needle.size();
}

// The command records whose action starts with `prefix`.
std::vector<properties::CommandRecord> commands(const RunReport& r, std::string_view prefix) {
  std::vector<properties::CommandRecord> out;
  for (const properties::CommandRecord& c : r.commands) {
    if (c.action.rfind(prefix, 0) == 0) out.push_back(c);
  }
  return out;
}

// The happy ending: READY once, then a pivoting COMPLETED, states through
// waiting and pending to null.
void expect_completed_with_pivot(const RunReport& r) {
  EXPECT_TRUE(r.passed()) << describe(r);
  EXPECT_TRUE(r.job.success && r.job.pivoted) << describe(r);
  EXPECT_EQ(status_of(r, property::kCompletionEquality), VerdictStatus::kHolds) << describe(r);
  EXPECT_EQ(status_of(r, property::kStateMachine), VerdictStatus::kHolds) << describe(r);
  EXPECT_EQ(signals(r).back(), JobEventKind::kCompleted) << describe(r);
  const std::vector<JobEventKind> sig = signals(r);
  EXPECT_EQ(std::count(sig.begin(), sig.end(), JobEventKind::kReady), 1) << describe(r);
  EXPECT_TRUE(last_event(r, JobEventKind::kCompleted).pivoted);
  EXPECT_TRUE(last_event(r, JobEventKind::kCompleted).message.empty());
  EXPECT_TRUE(in_order(states(r), {JobState::kRunning, JobState::kReady, JobState::kWaiting,
                                   JobState::kPending, JobState::kConcluded, JobState::kNull}))
      << describe(r);
}

// ---- the founding case -------------------------------------------------------

TEST(MirrorJobCow, FoundingCaseEndsWithTargetEqualToSource) {
  const RunReport r = run(founding_case());
  expect_completed_with_pivot(r);
  EXPECT_TRUE(r.resolved.cow);
  // The guest wrote while the job was mirroring, and the job widened its
  // copies of those writes to whole target clusters.
  EXPECT_GT(r.guest_requests, 10u);
  EXPECT_GT(r.metrics.cow_extra_bytes, 0u);
}

TEST(MirrorJobCow, FoundingCaseWithCowNoRoundFailsTheGenericEqualityCheck) {
  const RunReport r = run(founding_case(), {"cow-no-round"});
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(status_of(r, property::kCompletionEquality), VerdictStatus::kViolated) << describe(r);
  // The job itself believes it succeeded: only the content check sees it.
  EXPECT_TRUE(r.job.success && r.job.pivoted) << describe(r);
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property != property::kCompletionEquality) {
      EXPECT_FALSE(v.violated()) << v.property;
    }
  }
}

TEST(MirrorJobCow, LibraryFoundingCaseAndItsBugSwitch) {
  const Scenario s = load_library("cow-founding");
  expect_completed_with_pivot(run(s));
  const RunReport buggy = run(s, {"cow-no-round"});
  EXPECT_EQ(status_of(buggy, property::kCompletionEquality), VerdictStatus::kViolated)
      << describe(buggy);
}

TEST(MirrorJobCow, AttachedBackingNeedsNoCow) {
  Scenario s = founding_case();
  s.target.backing = Backing::kAttached;
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_FALSE(r.resolved.cow);
  expect_completed_with_pivot(run(s, {"cow-no-round"}));  // nothing to widen
}

TEST(MirrorJobCow, WideningCappedByTheBufferCopiesTheRestOfTheRun) {
  // A guest write across the edge of target clusters 0 and 1 dirties chunks
  // 15 and 16; with a one-cluster buffer the widened run (two clusters) is
  // copied in two ops, and the second must not be skipped (it was until
  // 0f975da).
  Scenario s = founding_case();
  s.target.latency_us = 100;
  s.mirror.buf_size_bytes = 1 * kMiB;
  s.workload = scenarios::TraceWorkload{write_trace("cow_edge.csv", "2000,write,983040,131072\n"),
                                        sim::TraceFormat::kCsv};
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_EQ(r.resolved.buf_size_bytes, 1 * kMiB);
  EXPECT_EQ(r.metrics.copy_ops, 2u);
  EXPECT_EQ(r.metrics.bytes_written, 2 * kMiB);
}

// ---- error policies ----------------------------------------------------------

struct PolicyCase {
  const char* name;
  FaultDisk disk;
  DiskOp op;
  const char* operation;  // as in the ERROR event
};

void PrintTo(const PolicyCase& c, std::ostream* os) {
  *os << c.name;
}

class ErrorPolicyTest : public testing::TestWithParam<PolicyCase> {
 protected:
  // One failure at about 2 ms, in the middle of the copy.
  Scenario with_fault(ErrorPolicy policy, int error = EIO) const {
    Scenario s = full_copy();
    s.mirror.buf_size_bytes = 1 * kMiB;  // one op at a time: the copy takes ~20 ms
    if (GetParam().disk == FaultDisk::kSource) {
      s.mirror.on_source_error = policy;
    } else {
      s.mirror.on_target_error = policy;
    }
    FaultSpec f = fault(GetParam().disk, GetParam().op, error);
    f.rule.from_ns = rule_time(2 * kUsPerMs);
    f.rule.once = true;
    s.faults = {f};
    return s;
  }
};

TEST_P(ErrorPolicyTest, ReportFailsTheJobWithoutPivotOrLaterReady) {
  const RunReport r = run(with_fault(ErrorPolicy::kReport));
  EXPECT_TRUE(r.passed()) << describe(r);
  EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds);
  EXPECT_EQ(r.faults_injected, 1u);

  ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
  const JobEvent& error = r.events[first(r, JobEventKind::kError)];
  EXPECT_EQ(error.operation, GetParam().operation);
  EXPECT_EQ(error.action, "report");
  EXPECT_EQ(error.error, EIO);
  // No READY (the failure came during the copy), then COMPLETED with an error.
  EXPECT_FALSE(has(r, JobEventKind::kReady)) << describe(r);
  EXPECT_EQ(signals(r), (std::vector{JobEventKind::kError, JobEventKind::kCompleted}))
      << describe(r);
  const JobEvent& done = last_event(r, JobEventKind::kCompleted);
  EXPECT_FALSE(done.pivoted);
  EXPECT_NE(done.message.find("EIO"), std::string::npos) << done.message;
  EXPECT_EQ(states(r), (std::vector{JobState::kRunning, JobState::kAborting, JobState::kConcluded,
                                    JobState::kNull}))
      << describe(r);
  EXPECT_FALSE(r.job.success);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_FALSE(r.job.error.empty());
  // The complete command, waiting for READY, never ran.
  EXPECT_TRUE(commands(r, "complete").empty());
}

TEST_P(ErrorPolicyTest, IgnoreRetriesAndConverges) {
  Scenario s = with_fault(ErrorPolicy::kIgnore);
  s.faults[0].rule.once = false;  // every matching request from 2 ms to 4 ms fails
  s.faults[0].rule.to_ns = rule_time(4 * kUsPerMs);
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds);
  ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
  for (const JobEvent& e : r.events) {
    if (e.kind == JobEventKind::kError) {
      EXPECT_EQ(e.action, "ignore");
    }
  }
  EXPECT_LT(first(r, JobEventKind::kError), first(r, JobEventKind::kReady));
  // Ignore never pauses.
  const std::vector<JobState> st = states(r);
  EXPECT_EQ(std::count(st.begin(), st.end(), JobState::kPaused), 0) << describe(r);
}

TEST_P(ErrorPolicyTest, StopPausesUntilTheOperatorResumesThenConverges) {
  Scenario s = with_fault(ErrorPolicy::kStop);
  s.faults[0].rule.once = false;
  s.faults[0].rule.to_ns = rule_time(4 * kUsPerMs);
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds);
  ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
  EXPECT_EQ(r.events[first(r, JobEventKind::kError)].action, "stop");
  // running -> paused -> running, then READY.
  EXPECT_TRUE(in_order(
      states(r), {JobState::kRunning, JobState::kPaused, JobState::kRunning, JobState::kReady}))
      << describe(r);
  const std::vector<properties::CommandRecord> resumes = commands(r, "resume (operator");
  ASSERT_FALSE(resumes.empty());
  for (const properties::CommandRecord& c : resumes) EXPECT_TRUE(c.accepted) << c.note;
  // One resume per pause: the job never stays paused.
  const std::vector<JobState> st = states(r);
  EXPECT_EQ(static_cast<std::size_t>(std::count(st.begin(), st.end(), JobState::kPaused)),
            resumes.size());
}

// A rule without a window end fails every matching request until its
// disk's faults end; then the job must converge (a fault-free phase).
TEST_P(ErrorPolicyTest, FaultsWithoutAWindowEndWhenTheirDiskSaysSo) {
  for (ErrorPolicy policy : {ErrorPolicy::kIgnore, ErrorPolicy::kStop}) {
    SCOPED_TRACE(scenarios::name_of(policy));
    Scenario s = with_fault(policy);
    s.faults[0].rule.once = false;
    DiskSpec& disk = GetParam().disk == FaultDisk::kSource ? s.source : s.target;
    disk.faults_end_us = 12 * kUsPerMs;
    const RunReport r = run(s);
    expect_completed_with_pivot(r);
    EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds);
    EXPECT_EQ(status_of(r, property::kLiveness), VerdictStatus::kHolds);
    std::size_t errors = 0;
    for (const JobEvent& e : r.events) {
      if (e.kind != JobEventKind::kError) continue;
      ++errors;
      EXPECT_LT(e.time, rule_time(12 * kUsPerMs) + engine::kNsPerMs)
          << describe(r);  // + service time
    }
    EXPECT_GT(errors, 1u) << describe(r);  // the rule failed requests again and again
  }
}

TEST_P(ErrorPolicyTest, EnospcPolicyReportsOtherErrors) {
  const RunReport r = run(with_fault(ErrorPolicy::kEnospc, EIO));
  EXPECT_TRUE(r.passed()) << describe(r);
  ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
  EXPECT_EQ(r.events[first(r, JobEventKind::kError)].action, "report");
  EXPECT_FALSE(r.job.error.empty());
  EXPECT_FALSE(r.job.pivoted);
}

TEST_P(ErrorPolicyTest, EnospcPolicyStopsOnEnospc) {
  Scenario s = with_fault(ErrorPolicy::kEnospc, ENOSPC);
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
  const JobEvent& error = r.events[first(r, JobEventKind::kError)];
  EXPECT_EQ(error.action, "stop");
  EXPECT_EQ(error.error, ENOSPC);
  EXPECT_TRUE(in_order(states(r), {JobState::kPaused, JobState::kRunning, JobState::kReady}));
}

INSTANTIATE_TEST_SUITE_P(
    Sides, ErrorPolicyTest,
    testing::Values(PolicyCase{"SourceRead", FaultDisk::kSource, DiskOp::kRead, "read"},
                    PolicyCase{"TargetWrite", FaultDisk::kTarget, DiskOp::kWrite, "write"}),
    [](const testing::TestParamInfo<PolicyCase>& info) { return std::string(info.param.name); });

TEST(MirrorJobErrors, ReportAfterReadyNeverSaysReadyAgainAndDoesNotPivot) {
  // READY comes early (about 10 ms); the guest keeps writing, and the copy of
  // a guest write fails after 20 ms.
  Scenario s = full_copy();
  s.mirror.buf_size_bytes = 4 * kMiB;
  s.commands = {on_ready(CommandKind::kComplete, 30 * kUsPerMs)};
  FaultSpec f = fault(FaultDisk::kTarget, DiskOp::kWrite, EIO);
  f.rule.from_ns = rule_time(20 * kUsPerMs);
  f.rule.once = true;
  s.faults = {f};
  const RunReport r = run(s);
  EXPECT_TRUE(r.passed()) << describe(r);
  EXPECT_EQ(signals(r),
            (std::vector{JobEventKind::kReady, JobEventKind::kError, JobEventKind::kCompleted}))
      << describe(r);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_FALSE(r.job.error.empty());
  EXPECT_TRUE(in_order(
      states(r), {JobState::kReady, JobState::kAborting, JobState::kConcluded, JobState::kNull}));
  // The complete came after the job had ended: refused.
  const std::vector<properties::CommandRecord> complete = commands(r, "complete");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_FALSE(complete[0].accepted);
}

TEST(MirrorJobErrors, StopAfterReadyGoesToStandbyAndBack) {
  Scenario s = full_copy();
  s.mirror.buf_size_bytes = 4 * kMiB;
  s.mirror.on_target_error = ErrorPolicy::kStop;
  s.commands = {on_ready(CommandKind::kComplete, 30 * kUsPerMs)};
  FaultSpec f = fault(FaultDisk::kTarget, DiskOp::kWrite, EIO);
  f.rule.from_ns = rule_time(20 * kUsPerMs);
  f.rule.once = true;
  s.faults = {f};
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_TRUE(in_order(
      states(r), {JobState::kReady, JobState::kStandby, JobState::kReady, JobState::kWaiting}))
      << describe(r);
  EXPECT_LT(first(r, JobEventKind::kReady), first(r, JobEventKind::kError));
}

TEST(MirrorJobErrors, ThinTargetRunsOutOfSpaceStopsAndConverges) {
  const RunReport r = run(load_library("enospc-thin-target"));
  expect_completed_with_pivot(r);
  EXPECT_EQ(r.faults_injected, 0u);  // the capacity, not a fault rule
  std::size_t errors = 0;
  for (const JobEvent& e : r.events) {
    if (e.kind != JobEventKind::kError) continue;
    ++errors;
    EXPECT_EQ(e.error, ENOSPC);
    EXPECT_EQ(e.action, "stop");
    EXPECT_EQ(e.operation, "write");
  }
  EXPECT_GE(errors, 1u);
  const std::vector<JobState> st = states(r);
  EXPECT_EQ(static_cast<std::size_t>(std::count(st.begin(), st.end(), JobState::kPaused)), errors);
  EXPECT_EQ(commands(r, "resume (operator").size(), errors);
}

TEST(MirrorJobErrors, LibraryPolicyScenariosBehaveAsTheirPolicySays) {
  struct Case {
    const char* file;
    const char* action;
    bool converges;
  };
  for (const Case& c :
       {Case{"read-error-report", "report", false}, Case{"read-error-ignore", "ignore", true},
        Case{"read-error-stop", "stop", true}, Case{"write-error-report", "report", false},
        Case{"write-error-ignore", "ignore", true}, Case{"write-error-stop", "stop", true}}) {
    SCOPED_TRACE(c.file);
    const RunReport r = run(load_library(c.file));
    EXPECT_TRUE(r.passed()) << describe(r);
    EXPECT_EQ(status_of(r, property::kErrorPolicy), VerdictStatus::kHolds) << describe(r);
    ASSERT_TRUE(has(r, JobEventKind::kError)) << describe(r);
    EXPECT_EQ(r.events[first(r, JobEventKind::kError)].action, c.action);
    EXPECT_EQ(r.job.pivoted, c.converges) << describe(r);
    if (c.converges) {
      EXPECT_EQ(status_of(r, property::kCompletionEquality), VerdictStatus::kHolds);
    } else {
      EXPECT_FALSE(r.job.error.empty());
      for (std::size_t i = first(r, JobEventKind::kError); i < r.events.size(); ++i) {
        EXPECT_NE(r.events[i].kind, JobEventKind::kReady)
            << "READY after an error of policy report";
      }
    }
  }
}

// ---- sync modes --------------------------------------------------------------

TEST(MirrorJobSync, FullCopiesEverythingTheSourceHolds) {
  const RunReport r = run(full_copy());
  expect_completed_with_pivot(r);
  EXPECT_GE(r.metrics.bytes_written, 8 * kMiB);
}

TEST(MirrorJobSync, FullOverATargetWithOldData) {
  Scenario s = full_copy();
  s.source = raw_disk(8 * kMiB, false);  // sparse: only the guest's writes
  s.target = raw_disk(8 * kMiB, true);   // stale data, not zero-initialised
  expect_completed_with_pivot(run(s));
  const RunReport buggy = run(s, {"trust-zero-init"});
  EXPECT_EQ(status_of(buggy, property::kCompletionEquality), VerdictStatus::kViolated)
      << describe(buggy);
}

Scenario shared_base(SyncMode sync) {
  Scenario s = founding_case();
  s.target = cluster_disk(16 * kMiB, 64 * kKiB, Backing::kAtPivot);
  s.mirror.sync = sync;
  return s;
}

TEST(MirrorJobSync, TopCopiesOnlyTheTopLayer) {
  const RunReport r = run(shared_base(SyncMode::kTop));
  expect_completed_with_pivot(r);
  EXPECT_LT(r.metrics.bytes_read, 16 * kMiB);  // the base is shared, not copied
}

TEST(MirrorJobSync, TopOverASmallerBase) {
  expect_completed_with_pivot(run(load_library("sync-top-small-base")));
}

TEST(MirrorJobSync, NoneCopiesOnlyNewWrites) {
  Scenario quiet = shared_base(SyncMode::kNone);
  quiet.workload = scenarios::NoWorkload{};
  const RunReport idle = run(quiet);
  expect_completed_with_pivot(idle);
  EXPECT_EQ(idle.metrics.bytes_read, 0u);

  const RunReport busy = run(shared_base(SyncMode::kNone));
  expect_completed_with_pivot(busy);
  EXPECT_GT(busy.metrics.bytes_read, 0u);
  expect_completed_with_pivot(run(load_library("sync-none")));
}

// ---- cancel ------------------------------------------------------------------

// A copy throttled to 16 MiB/s: READY after about 0.5 s.
Scenario throttled() {
  Scenario s = full_copy();
  s.mirror.speed_bytes_per_s = 16 * kMiB;
  s.mirror.buf_size_bytes = 1 * kMiB;
  return s;
}

void expect_cancelled(const RunReport& r, bool after_ready) {
  EXPECT_TRUE(r.passed()) << describe(r);
  EXPECT_TRUE(r.job.cancelled) << describe(r);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_TRUE(r.job.error.empty());
  EXPECT_EQ(has(r, JobEventKind::kReady), after_ready) << describe(r);
  EXPECT_EQ(signals(r).back(), JobEventKind::kCancelled) << describe(r);
  EXPECT_FALSE(has(r, JobEventKind::kCompleted));
  const std::vector<JobState> st = states(r);
  ASSERT_GE(st.size(), 4u);
  EXPECT_EQ(std::vector(st.end() - 3, st.end()),
            (std::vector{JobState::kAborting, JobState::kConcluded, JobState::kNull}))
      << describe(r);
  EXPECT_EQ(status_of(r, property::kCompletionEquality), VerdictStatus::kNotApplicable);
}

TEST(MirrorJobCancel, ForcedBeforeReady) {
  Scenario s = throttled();
  s.commands = {at(CommandKind::kForceCancel, 20 * kUsPerMs)};
  const RunReport r = run(s);
  expect_cancelled(r, false);
  ASSERT_EQ(commands(r, "force-cancel").size(), 1u);
  EXPECT_TRUE(commands(r, "force-cancel")[0].accepted);
  expect_cancelled(run(load_library("forced-cancel")), false);
}

TEST(MirrorJobCancel, SoftBeforeReadyIsACancelToo) {
  Scenario s = throttled();
  s.commands = {at(CommandKind::kCancel, 20 * kUsPerMs)};
  expect_cancelled(run(s), false);
}

TEST(MirrorJobCancel, ForcedAfterReadyDoesNotPivot) {
  Scenario s = full_copy();
  s.commands = {on_ready(CommandKind::kForceCancel, 5 * kUsPerMs)};
  const RunReport r = run(s);
  expect_cancelled(r, true);
  EXPECT_TRUE(in_order(states(r), {JobState::kReady, JobState::kAborting}));
}

TEST(MirrorJobCancel, SoftAfterReadyLeavesAPointInTimeCopy) {
  Scenario s = full_copy();
  s.workload = guest_writes(3000, 60 * kUsPerMs);
  s.commands = {on_ready(CommandKind::kCancel, 5 * kUsPerMs)};
  const RunReport r = run(s);
  EXPECT_TRUE(r.passed()) << describe(r);
  EXPECT_TRUE(r.job.success) << describe(r);
  EXPECT_FALSE(r.job.pivoted);
  EXPECT_FALSE(r.job.cancelled);
  EXPECT_EQ(signals(r), (std::vector{JobEventKind::kReady, JobEventKind::kCompleted}));
  EXPECT_FALSE(last_event(r, JobEventKind::kCompleted).pivoted);
  EXPECT_EQ(status_of(r, property::kPointInTimeCopy), VerdictStatus::kHolds) << describe(r);
  EXPECT_EQ(status_of(r, property::kCompletionEquality), VerdictStatus::kNotApplicable);
  EXPECT_TRUE(in_order(states(r), {JobState::kReady, JobState::kWaiting, JobState::kPending,
                                   JobState::kConcluded, JobState::kNull}));

  const RunReport library = run(load_library("soft-cancel-after-ready"));
  EXPECT_EQ(status_of(library, property::kPointInTimeCopy), VerdictStatus::kHolds)
      << describe(library);
}

// ---- pause and resume ----------------------------------------------------------

TEST(MirrorJobPause, PausedBeforeReadyAndStandbyAfter) {
  const RunReport r = run(load_library("pause-resume"));
  expect_completed_with_pivot(r);
  EXPECT_EQ(states(r),
            (std::vector{JobState::kRunning, JobState::kPaused, JobState::kRunning,
                         JobState::kReady, JobState::kStandby, JobState::kReady, JobState::kWaiting,
                         JobState::kPending, JobState::kConcluded, JobState::kNull}))
      << describe(r);
  for (const properties::CommandRecord& c : r.commands) EXPECT_TRUE(c.accepted) << c.action;
  EXPECT_EQ(commands(r, "pause").size(), 2u);
  EXPECT_EQ(commands(r, "resume").size(), 2u);
}

TEST(MirrorJobPause, CompleteIsRefusedBeforeReadyAndResumeWithoutPause) {
  Scenario s = throttled();
  s.commands = {at(CommandKind::kComplete, 5 * kUsPerMs), at(CommandKind::kResume, 6 * kUsPerMs),
                on_ready(CommandKind::kComplete, 1 * kUsPerMs)};
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  const std::vector<properties::CommandRecord> complete = commands(r, "complete");
  ASSERT_EQ(complete.size(), 2u);
  EXPECT_FALSE(complete[0].accepted);  // running: complete needs ready
  EXPECT_TRUE(complete[1].accepted);
  ASSERT_EQ(commands(r, "resume").size(), 1u);
  EXPECT_FALSE(commands(r, "resume")[0].accepted);
}

// ---- speed -------------------------------------------------------------------

TEST(MirrorJobSpeed, ThrottlingDelaysReadyAndLiftingItHelps) {
  Scenario s = full_copy();
  s.workload = scenarios::NoWorkload{};
  s.mirror.buf_size_bytes = 1 * kMiB;
  s.commands = {on_ready(CommandKind::kComplete, 1 * kUsPerMs)};
  const RunReport fast = run(s);

  s.mirror.speed_bytes_per_s = 32 * kMiB;
  const RunReport slow = run(s);

  s.commands.push_back(at(CommandKind::kSetSpeed, 50 * kUsPerMs, 0));
  const RunReport lifted = run(s);

  for (const RunReport* r : {&fast, &slow, &lifted}) {
    expect_completed_with_pivot(*r);
    EXPECT_EQ(status_of(*r, property::kBounds), VerdictStatus::kHolds) << describe(*r);
  }
  // 8 MiB at 32 MiB/s: at least the time for what the first slice does not let
  // through.
  EXPECT_GT(slow.metrics.time_to_ready_ns, 150'000'000);
  EXPECT_LT(fast.metrics.time_to_ready_ns, 50'000'000);
  EXPECT_LT(lifted.metrics.time_to_ready_ns, slow.metrics.time_to_ready_ns);
  EXPECT_GT(lifted.metrics.time_to_ready_ns, fast.metrics.time_to_ready_ns);
  ASSERT_EQ(commands(lifted, "set-speed").size(), 1u);
  EXPECT_TRUE(commands(lifted, "set-speed")[0].accepted);
}

TEST(MirrorJobSpeed, LibrarySpeedScenarios) {
  for (const char* name : {"set-speed", "throttled-source-becomes-fast"}) {
    SCOPED_TRACE(name);
    const RunReport r = run(load_library(name));
    expect_completed_with_pivot(r);
    EXPECT_EQ(status_of(r, property::kBounds), VerdictStatus::kHolds);
    ASSERT_EQ(commands(r, "set-speed 0").size(), 1u);
    EXPECT_LT(commands(r, "set-speed 0")[0].time, r.events[first(r, JobEventKind::kReady)].time);
  }
  // Throttled below the guest's dirty rate, the job reaches READY only after
  // the guest stops (500 ms); unthrottled at 300 ms, it converges before.
  Scenario s = load_library("throttled-source-becomes-fast");
  const RunReport lifted = run(s);
  EXPECT_LT(lifted.metrics.time_to_ready_ns, 500'000'000) << describe(lifted);
  s.commands.erase(s.commands.begin());  // keep the limit
  ASSERT_EQ(s.commands.size(), 1u);
  const RunReport throttled = run(s);
  expect_completed_with_pivot(throttled);
  EXPECT_GT(throttled.metrics.time_to_ready_ns, 500'000'000) << describe(throttled);
}

// ---- lengths -----------------------------------------------------------------

TEST(MirrorJobLength, UnalignedLength1025KiB) {
  Scenario s = full_copy(1025 * kKiB);
  s.workload = guest_writes(2000, 20 * kUsPerMs);
  std::get<sim::WorkloadParams>(s.workload).align_bytes = 512;
  std::get<sim::WorkloadParams>(s.workload).size = sim::ChoiceSize{{512, 4 * kKiB}};
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_EQ(r.source_length, 1025 * kKiB);
  EXPECT_EQ(status_of(r, property::kBounds), VerdictStatus::kHolds);

  expect_completed_with_pivot(run(load_library("unaligned-length")));
}

TEST(MirrorJobLength, ZeroLengthSaysReadyThenCompletes) {
  const RunReport r = run(load_library("zero-length"));
  expect_completed_with_pivot(r);
  EXPECT_EQ(signals(r), (std::vector{JobEventKind::kReady, JobEventKind::kCompleted}));
  EXPECT_EQ(states(r), (std::vector{JobState::kRunning, JobState::kReady, JobState::kWaiting,
                                    JobState::kPending, JobState::kConcluded, JobState::kNull}));
  EXPECT_EQ(r.metrics.bytes_read, 0u);
}

// ---- write-blocking ------------------------------------------------------------

TEST(MirrorJobWriteBlocking, UnalignedWritesIntoDirtyChunks) {
  // 1 MiB of data copied slowly (64 KiB per iteration, 4 MiB/s): chunks 7
  // onwards are still dirty when the one-sector writes arrive.
  Scenario s = full_copy(1 * kMiB);
  s.mirror.copy_mode = scenarios::CopyMode::kWriteBlocking;
  s.mirror.granularity_bytes = 64 * kKiB;
  s.mirror.buf_size_bytes = 64 * kKiB;
  s.mirror.speed_bytes_per_s = 4 * kMiB;
  s.workload = scenarios::TraceWorkload{
      write_trace("unaligned.csv",
                  "1000,write,655872,512\n"      // inside chunk 10
                  "1500,write,589312,1024\n"     // across chunks 8 | 9
                  "2000,write,720384,66560\n"),  // chunk 11 whole, edges of 10 and 12
      sim::TraceFormat::kCsv};
  s.commands = {on_ready(CommandKind::kComplete, 1 * kUsPerMs)};
  const RunReport r = run(s);
  expect_completed_with_pivot(r);
  EXPECT_EQ(r.metrics.active_writes, 3u);
  EXPECT_EQ(r.guest_requests, 3u);

  // Clearing every touched chunk loses the rest of their old data.
  const RunReport buggy = run(s, {"active-clear-outward"});
  EXPECT_EQ(status_of(buggy, property::kCompletionEquality), VerdictStatus::kViolated)
      << describe(buggy);

  expect_completed_with_pivot(run(load_library("write-blocking-unaligned")));
}

TEST(MirrorJobWriteBlocking, ActiveWritesSharingAChunkLoseNothing) {
  // Two guest requests in flight at once that share chunk 1 but no bytes: a
  // discard of [0, 96 KiB) and a write of [96 KiB, 224 KiB). Until a04a485
  // the discard, ending first, cleared chunk 1's in-flight flag, a copy of
  // chunks 0-1 overlapped the write on the target and, with some latency
  // jitter, landed after it with old data (the write was lost).
  Scenario s = full_copy(1 * kMiB);
  s.source.jitter_us = 400;
  s.target.jitter_us = 400;
  s.mirror.copy_mode = scenarios::CopyMode::kWriteBlocking;
  s.mirror.granularity_bytes = 64 * kKiB;
  s.workload = scenarios::TraceWorkload{
      write_trace("shared_chunk.csv", "5000,discard,0,98304\n5000,write,98304,131072\n"),
      sim::TraceFormat::kCsv};
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(seed);
    s.seed = seed;
    const RunReport r = run(s);
    expect_completed_with_pivot(r);
    EXPECT_EQ(status_of(r, property::kBounds), VerdictStatus::kHolds) << describe(r);
  }
}

TEST(MirrorJobWriteBlocking, HeavyGuestAndSwitchFromBackground) {
  const RunReport heavy = run(load_library("write-blocking-heavy"));
  expect_completed_with_pivot(heavy);
  EXPECT_GT(heavy.metrics.active_writes, 100u);

  const RunReport switched = run(load_library("write-blocking-switch"));
  expect_completed_with_pivot(switched);
  ASSERT_EQ(commands(switched, "write-blocking").size(), 1u);
  EXPECT_TRUE(commands(switched, "write-blocking")[0].accepted);
  EXPECT_LT(commands(switched, "write-blocking")[0].time,
            switched.events[first(switched, JobEventKind::kReady)].time);
  EXPECT_GT(switched.metrics.active_writes, 0u);
  // In background mode the guest (32 MiB/s of dirtying against an 8 MiB/s
  // copy) holds READY off until it stops at 2 s; write-blocking converges.
  EXPECT_LT(switched.metrics.time_to_ready_ns, 1'000'000'000) << describe(switched);
  Scenario background = load_library("write-blocking-switch");
  background.commands.erase(background.commands.begin());  // no switch
  ASSERT_EQ(background.commands.size(), 1u);
  const RunReport outrun = run(background);
  expect_completed_with_pivot(outrun);
  EXPECT_GT(outrun.metrics.time_to_ready_ns, 2'000'000'000) << describe(outrun);
}

// ---- start-time errors -----------------------------------------------------------

void expect_refused(const RunReport& r, const std::string& words) {
  EXPECT_FALSE(r.job_started);
  EXPECT_NE(r.start_error.find(words), std::string::npos) << r.start_error;
  EXPECT_TRUE(r.events.empty());
  EXPECT_FALSE(r.job.ended);
  for (const properties::Verdict& v : r.verdicts) EXPECT_FALSE(v.violated()) << v.property;
}

TEST(MirrorJobStart, LengthsDifferRefusesToStart) {
  Scenario s = full_copy();
  s.target.length_bytes = 4 * kMiB;  // run_scenario takes it; the engine must refuse
  const RunReport r = run(s);
  expect_refused(r, "lengths must be equal");
  EXPECT_NE(r.start_error.find("8388608"), std::string::npos) << r.start_error;
  EXPECT_NE(r.start_error.find("4194304"), std::string::npos) << r.start_error;
}

TEST(MirrorJobStart, GranularityMustBeAPowerOfTwoInRange) {
  for (std::uint64_t g : {3000ull, 96ull * kKiB, 256ull, 128ull * kMiB}) {
    SCOPED_TRACE(g);
    Scenario s = full_copy();
    s.mirror.granularity_bytes = g;
    expect_refused(run(s), "granularity " + std::to_string(g));
  }
}

// ---- defects found while writing these tests (tests/data/found_*.toml) -------------

// The engine's rate-limit sleep could not be cut short: a forced cancel (or a
// pause, or set_speed raising the limit) waited for it, here 1024 s. QEMU
// enters the sleeping job; the engine now looks for commands every 10 ms.
TEST(MirrorJobFoundDefects, CommandsCutTheRateLimitSleepShort) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const std::filesystem::path data = std::filesystem::path(__FILE__).parent_path() / "data";
  for (const char* file :
       {"found_force_cancel_rate_sleep.toml", "found_set_speed_rate_sleep.toml"}) {
    SCOPED_TRACE(file);
    const RunReport r = run(scenarios::load_scenario(data / file, load));
    EXPECT_TRUE(r.passed()) << describe(r);
    EXPECT_LT(r.metrics.time_to_end_ns, 100'000'000) << describe(r);
  }
}

}  // namespace
}  // namespace mirrorsim
