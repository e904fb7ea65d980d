// Convergence as an outcome (ARCHITECTURE.md, Liveness): whether a run's job
// got its dirty set drained, how fast, and the bytes it still had to copy
// over time. A job outrun by its guest has not converged; that is a figure
// of the run, not a violated property. Observations only: computed from
// what the world already sampled, nothing logged, nothing drawn.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/runtime.h"
#include "properties/progress_tracker.h"

namespace mirrorsim::properties {

enum class ConvergenceState {
  kConverged,       // READY, or the job ended cleanly with nothing left
  kOutrun,          // cut at the limit, copying while its guest re-dirtied
  kCutProgressing,  // cut at the limit while still gaining ground (slow)
  kStalled,         // no progress: a violated liveness
  kEndedEarly,      // the job (or the run) ended before converging: error, cancel, crash
  kNotStarted,      // the job never started
};
// "converged", "not converged (outrun by the guest)", ...
std::string_view convergence_state_name(ConvergenceState state);

struct ConvergenceOutcome {
  ConvergenceState state = ConvergenceState::kNotStarted;
  bool ready_reached = false;  // the job emitted READY
  // READY was reached, or (a job that never emitted READY, e.g. cancelled
  // first) it ended without an error with no bytes left (dirty or being
  // copied). Never for a job cut at a limit or stalled before READY.
  bool converged = false;
  // From the job's start; null when it never got there.
  std::optional<engine::TimeNs> time_to_ready_ns;
  // From the job's start to its end without an error (pivoted, or not).
  std::optional<engine::TimeNs> time_to_completion_ns;
  // Bytes dirty or in a background op at the end (the job's end, or the run's).
  std::uint64_t left_bytes_at_end = 0;
  // The net rate at which the bytes left fell, in bytes/s: over the job's
  // life (its first sample to its end) and over the last quarter of the
  // run up to the job's end (the window the liveness judge uses). Negative:
  // the guest dirtied faster than the job copied. Null: no span to measure.
  std::optional<double> rate_over_life;
  std::optional<double> rate_over_last_window;
  // At most kSeriesPoints [time, bytes left] points, evenly picked from the
  // tracker's bounded history.
  std::vector<LeftSample> series;

  static constexpr std::size_t kSeriesPoints = 64;
};

struct ConvergenceFacts {
  bool job_started = false;
  bool job_ended = false;
  bool job_error = false;  // the job ended with an error
  bool cut_at_limit = false;
  bool background_mode = true;  // the copy mode at the end
  engine::TimeNs time_to_ready_ns = -1;
  engine::TimeNs time_to_end_ns = -1;
  engine::TimeNs end_ns = 0;  // the job's end, or the run's when it did not end
};

// REQUIRES: `progress` was sampled up to `facts.end_ns`.
ConvergenceOutcome convergence_of(const ConvergenceFacts& facts, const ProgressTracker& progress);

}  // namespace mirrorsim::properties
