#include "properties/oracles.h"

#include <algorithm>

#include <fmt/core.h>

#include "properties/precopy_spec.h"

namespace mirrorsim::properties {
namespace {

using engine::JobEventKind;
using engine::JobState;

Verdict holds(std::string_view name, std::string message = "") {
  return Verdict{std::string(name), VerdictStatus::kHolds, std::move(message)};
}
Verdict violated(std::string_view name, std::string message) {
  return Verdict{std::string(name), VerdictStatus::kViolated, std::move(message)};
}
Verdict not_applicable(std::string_view name, std::string why) {
  return Verdict{std::string(name), VerdictStatus::kNotApplicable, std::move(why)};
}

Verdict inconclusive(std::string_view name, std::string message) {
  return Verdict{std::string(name), VerdictStatus::kInconclusive, std::move(message)};
}

std::string at(engine::TimeNs t) {
  return fmt::format("at {:.6f} s", t / 1e9);
}

// The run hit its time or event limit: a job still gaining ground is slow,
// not stuck (inconclusive); one outrun by its guest has not converged, an
// outcome; one that got nowhere in the last part of the run is livelocked
// (violated).
Verdict judge_limit(const RunFacts& f) {
  const std::string& m = f.sim.message;
  const std::string limit = m.substr(0, m.find(';'));  // without the waiting tasks
  if (!f.progress) {
    return violated(property::kLiveness,
                    "no progress at all: " + m + " (" + at(f.sim.end_time_ns) + ")");
  }
  const ProgressWindow& w = *f.progress;
  const std::string over = fmt::format(
      "over the last {:.3f} s ({:.3f} s to {:.3f} s) {} copied ({}), left to copy {} -> {}",
      w.length_ns() / 1e9, w.start_ns / 1e9, w.end_ns / 1e9, amount_text(w.copied_bytes),
      rate_text(w.copy_rate()), amount_text(w.left_at_start), amount_text(w.left_at_end));
  // Told to complete, nothing left to copy, and guest writes still landing:
  // the completion drain is waiting for the guest writes already in flight,
  // which finish (in write-blocking mode each carries its copy to the
  // target, and a slow target makes that take long): slow, not stuck.
  if (f.complete_accepted && w.left_at_end == 0 && w.guest_wrote) {
    return inconclusive(property::kLiveness,
                        "still draining at the limit (" + limit + "): " + over +
                            "; the guest writes in flight when the job was told to complete "
                            "are still landing; " +
                            m);
  }
  // An algorithm that pauses the guest for its switch-over (docs/
  // algorithms.md, precopy rule 7) copies with nothing re-dirtying: bytes
  // left falling over the window is progress, whatever lower count the job
  // had reached before the pause, while the guest still ran.
  if (f.guest_paused_for_switch && w.copied_bytes > 0 && !w.guest_wrote &&
      w.left_at_end < w.left_at_start) {
    return inconclusive(property::kLiveness, "still switching over at the limit (" + limit +
                                                 "), the guest paused: " + over + "; " + m);
  }
  switch (classify_limit(w, f.copy_mode == engine::CopyMode::kBackground)) {
    case LimitProgress::kProgressing: {
      std::string message = "still progressing at the limit (" + limit + "): " + over + "; " +
                            amount_text(w.left_at_end) + " left (dirty or being copied)";
      if (w.drain_rate() > 0) {
        message += fmt::format(", about {:.1f} s more at this rate",
                               static_cast<double>(w.left_at_end) / w.drain_rate());
      }
      return inconclusive(property::kLiveness, message);
    }
    case LimitProgress::kOutrun: {
      // Holds, not inconclusive: liveness promises READY only when the guest
      // dirties slower than the copy bandwidth (ARCHITECTURE.md), and this
      // job copied while its guest kept re-dirtying, so the property was
      // decided. That it did not converge is the run's outcome
      // (RunReport::convergence), which `run`, `sweep` and `check` report.
      // After READY it had converged; only the end was outrun.
      const bool ready = std::any_of(f.events.begin(), f.events.end(),
                                     [](const auto& e) { return e.kind == JobEventKind::kReady; });
      return holds(property::kLiveness,
                   std::string(ready ? "outrun by the guest after READY"
                                     : "not converged (outrun by the guest)") +
                       " at the limit (" + limit +
                       "): the guest kept dirtying as fast as the job copied; " + over);
    }
    case LimitProgress::kStalled:
      break;
  }
  // Stuck or spinning: nothing copied, or copies that never got the job
  // below the bytes left it had reached before.
  const std::string low = w.copied_bytes > 0 ? ", never below its earlier low" : "";
  return violated(property::kLiveness, "no progress at the limit: " + over + low + "; " + m);
}

}  // namespace

Verdict check_no_crash(const RunFacts& f) {
  if (f.sim.status == sim::RunOutcome::Status::kFailed) {
    return violated(property::kNoCrash, f.sim.message + " (" + at(f.sim.end_time_ns) + ")");
  }
  return holds(property::kNoCrash);
}

Verdict check_liveness(const RunFacts& f) {
  if (f.sim.status == sim::RunOutcome::Status::kLiveness) {
    return violated(property::kLiveness, f.sim.message + " (" + at(f.sim.end_time_ns) + ")");
  }
  if (f.sim.status == sim::RunOutcome::Status::kLimit) return judge_limit(f);
  if (f.sim.status == sim::RunOutcome::Status::kFailed) {
    return not_applicable(property::kLiveness, "the run crashed");
  }
  if (f.job_started && !f.job.ended) {
    return violated(property::kLiveness, "the run ended but the job did not");
  }
  return holds(property::kLiveness);
}

Verdict check_state_machine(const RunFacts& f) {
  if (f.lengths_differ && f.job_started) {
    return violated(property::kStateMachine,
                    "source and target lengths differ, yet the job started");
  }
  if (!f.job_started) return not_applicable(property::kStateMachine, "the job did not start");
  int ready_events = 0;
  bool ended = false;         // the move to null: nothing may follow
  bool end_reported = false;  // COMPLETED or CANCELLED: only the move to null may follow
  JobState last = JobState::kCreated;
  for (const engine::JobEvent& e : f.events) {
    const bool to_null = e.kind == JobEventKind::kStateChange && e.state == JobState::kNull;
    if (ended || (end_reported && !to_null)) {
      return violated(property::kStateMachine,
                      fmt::format("event {} {} after the job ended", engine::job_event_name(e.kind),
                                  at(e.time)));
    }
    switch (e.kind) {
      case JobEventKind::kStateChange:
        if (!engine::is_legal_transition(last, e.state)) {
          return violated(property::kStateMachine,
                          fmt::format("illegal transition {} -> {} {}", engine::state_name(last),
                                      engine::state_name(e.state), at(e.time)));
        }
        // MIRROR.md: READY never goes back to RUNNING (a pause after READY
        // is standby, not paused). Stated here whatever the transition
        // table allows: today it already forbids ready -> running, so the
        // rule bites on a READY event sent while running, then paused.
        if (ready_events > 0 && (e.state == JobState::kRunning || e.state == JobState::kPaused)) {
          return violated(
              property::kStateMachine,
              fmt::format("back to {} {} after READY", engine::state_name(e.state), at(e.time)));
        }
        last = e.state;
        if (to_null) ended = true;
        break;
      case JobEventKind::kReady:
        if (++ready_events > 1) {
          return violated(property::kStateMachine, "READY emitted twice, again " + at(e.time));
        }
        break;
      case JobEventKind::kCompleted:
        end_reported = true;
        if (e.message.empty() && ready_events == 0) {
          return violated(property::kStateMachine, "the job COMPLETED without error " + at(e.time) +
                                                       " but never emitted READY");
        }
        if (e.pivoted && !f.complete_accepted) {
          return violated(property::kStateMachine, "pivoted although complete was never asked");
        }
        break;
      case JobEventKind::kCancelled:
        end_reported = true;
        if (!f.cancel_accepted) {
          return violated(property::kStateMachine,
                          "CANCELLED " + at(e.time) + " although no cancel was asked");
        }
        break;
      case JobEventKind::kError:
        break;
    }
  }
  if (f.job.ended && last != JobState::kNull) {
    return violated(property::kStateMachine,
                    fmt::format("the job ended in state {}, not null", engine::state_name(last)));
  }
  return holds(property::kStateMachine);
}

Verdict check_error_policy(const RunFacts& f) {
  const engine::JobEvent* report = nullptr;
  bool any_error = false;
  for (const engine::JobEvent& e : f.events) {
    if (e.kind == JobEventKind::kError) {
      any_error = true;
      if (e.action == "report" && report == nullptr) report = &e;
    }
    if (report != nullptr && e.kind == JobEventKind::kReady) {
      return violated(property::kErrorPolicy,
                      fmt::format("READY {} after an error with policy report {}", at(e.time),
                                  at(report->time)));
    }
  }
  if (!any_error && f.job.error.empty()) {
    return not_applicable(property::kErrorPolicy, "no I/O error reached the job");
  }
  if (report != nullptr && f.job.ended) {
    if (f.job.error.empty() && !f.job.cancelled) {
      return violated(property::kErrorPolicy,
                      fmt::format("an error with policy report ({} {}) did not fail the job",
                                  report->operation, at(report->time)));
    }
    if (f.job.pivoted) {
      return violated(property::kErrorPolicy, "the job pivoted after an error with policy report");
    }
  }
  if (report == nullptr && !f.job.error.empty()) {
    // docs/algorithms.md, precopy rule 5: the one failure without an I/O
    // error, before READY and without a pivot, where the scenario asks for it.
    const bool ready = std::any_of(f.events.begin(), f.events.end(),
                                   [](const auto& e) { return e.kind == JobEventKind::kReady; });
    // ...and without an errno: an I/O failure dressed as the abort is not it.
    const bool errno_free = std::none_of(f.events.begin(), f.events.end(), [](const auto& e) {
      return e.kind == JobEventKind::kCompleted && e.error != 0;
    });
    if (f.downtime_abort_allowed && !ready && errno_free && !f.job.pivoted &&
        f.job.error.starts_with(spec::precopy::kDowntimeAbortPrefix)) {
      return holds(property::kErrorPolicy, "aborted at the downtime limit: " + f.job.error);
    }
    return violated(property::kErrorPolicy,
                    "the job failed (" + f.job.error + ") without an error of policy report");
  }
  return holds(property::kErrorPolicy);
}

Verdict check_bounds(const RunFacts& f) {
  if (!f.job_started) return not_applicable(property::kBounds, "the job did not start");
  if (!f.bound_violations.empty()) {
    std::string message = f.bound_violations.front();
    for (std::size_t i = 1; i < f.bound_violations.size(); ++i) {
      message += "; " + f.bound_violations[i];
    }
    return violated(property::kBounds, message);
  }
  return holds(property::kBounds);
}

Verdict check_completion_equality(const RunFacts& f) {
  if (f.complete_accepted && f.job.ended && f.job.success && !f.job.pivoted) {
    return violated(property::kCompletionEquality,
                    "complete was accepted but the job ended without pivoting");
  }
  if (!f.pivot_compared) {
    return not_applicable(property::kCompletionEquality, "the job did not pivot");
  }
  if (f.pivot_difference) {
    return violated(
        property::kCompletionEquality,
        "after the pivot " + describe_difference(*f.pivot_difference, "the target", "the source",
                                                 f.pivot_sides ? &*f.pivot_sides : nullptr));
  }
  return holds(property::kCompletionEquality);
}

Verdict check_point_in_time(const RunFacts& f) {
  if (!f.point_in_time_checked) {
    return not_applicable(property::kPointInTimeCopy, "no soft cancel after READY ended the job");
  }
  if (!f.point_in_time_match) {
    std::string message = fmt::format(
        "after a soft cancel the target equals none of the {} source snapshots taken between "
        "the cancel and the end",
        f.snapshots);
    if (f.point_in_time_difference) {
      message += "; against the last one, " +
                 describe_difference(*f.point_in_time_difference, "the target", "the source",
                                     f.point_in_time_sides ? &*f.point_in_time_sides : nullptr);
    }
    return violated(property::kPointInTimeCopy, message);
  }
  return holds(property::kPointInTimeCopy);
}

std::vector<Verdict> check_all(const RunFacts& f) {
  return {check_no_crash(f),
          check_liveness(f),
          check_state_machine(f),
          check_error_policy(f),
          check_bounds(f),
          check_completion_equality(f),
          check_point_in_time(f),
          check_durable_completion(f.durable),
          check_flush_protocol(f.flush_protocol),
          check_crash_safety(f.crash)};
}

}  // namespace mirrorsim::properties
