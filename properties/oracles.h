// The properties checked at the end of a run (ARCHITECTURE.md
// "Properties"), one function each. Each returns its verdict with a message
// that says what differed and where.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/job_observer.h"
#include "engine/mirror_job.h"
#include "properties/content_provenance.h"
#include "properties/crash_safety.h"
#include "properties/durable_completion.h"
#include "properties/flush_protocol.h"
#include "properties/progress_tracker.h"
#include "properties/verdict.h"
#include "sim/disks/disk_view.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::properties {

// What the world saw, in the form the oracles need.
struct RunFacts {
  sim::RunOutcome sim;
  bool lengths_differ = false;
  bool job_started = false;
  std::string start_error;
  engine::JobOutcome job;
  std::vector<engine::JobEvent> events;
  bool complete_accepted = false;
  bool soft_cancel_after_ready = false;  // a cancel (not forced) accepted while READY
  bool cancel_accepted = false;
  // After a pivot: the target's guest view against the guest's expectation.
  std::optional<sim::Difference> pivot_difference;
  // What wrote each side at its first byte, in words (a = target, b = source).
  std::optional<DifferenceSides> pivot_sides;
  bool pivot_compared = false;
  // After a soft cancel past READY: whether the target equals a snapshot of
  // the source, and the difference to the last snapshot otherwise.
  bool point_in_time_checked = false;
  bool point_in_time_match = false;
  std::optional<sim::Difference> point_in_time_difference;
  std::optional<DifferenceSides> point_in_time_sides;
  std::size_t snapshots = 0;
  std::vector<std::string> bound_violations;
  // The scenario allows a failure without an I/O error: pre-copy's abort at
  // its downtime limit (docs/algorithms.md "precopy", rule 5).
  bool downtime_abort_allowed = false;
  // When the run hit its time or event limit: what the job got done in the
  // last part of the run, and the copy mode it was in at the end.
  std::optional<ProgressWindow> progress;
  engine::CopyMode copy_mode = engine::CopyMode::kBackground;
  // The algorithm pauses the guest at its switch-over and was told to
  // switch over (complete, or a soft cancel after READY).
  bool guest_paused_for_switch = false;
  // Durability (write caches and power losses).
  DurableCompletionFacts durable;
  FlushProtocolFacts flush_protocol;
  CrashSafetyFacts crash;
};

Verdict check_no_crash(const RunFacts& facts);
Verdict check_liveness(const RunFacts& facts);
Verdict check_state_machine(const RunFacts& facts);
Verdict check_error_policy(const RunFacts& facts);
Verdict check_bounds(const RunFacts& facts);
Verdict check_completion_equality(const RunFacts& facts);
Verdict check_point_in_time(const RunFacts& facts);

// All of the above, in report order.
std::vector<Verdict> check_all(const RunFacts& facts);

}  // namespace mirrorsim::properties
