#include "properties/convergence.h"

namespace mirrorsim::properties {

std::string_view convergence_state_name(ConvergenceState state) {
  switch (state) {
    case ConvergenceState::kConverged:
      return "converged";
    case ConvergenceState::kOutrun:
      return "not converged (outrun by the guest)";
    case ConvergenceState::kCutProgressing:
      return "not converged (still progressing at the limit)";
    case ConvergenceState::kStalled:
      return "not converged (no progress)";
    case ConvergenceState::kEndedEarly:
      return "not converged (ended first)";
    case ConvergenceState::kNotStarted:
      return "not started";
  }
  return "unknown";
}

namespace {

std::optional<double> net_rate(const LeftSample& from, const LeftSample& to) {
  if (to.time <= from.time) return std::nullopt;
  const double fell = static_cast<double>(from.left) - static_cast<double>(to.left);
  return fell * 1e9 / static_cast<double>(to.time - from.time);
}

ConvergenceState state_of(const ConvergenceFacts& f, const ProgressTracker& progress,
                          bool converged) {
  if (!f.job_started) return ConvergenceState::kNotStarted;
  if (converged) return ConvergenceState::kConverged;
  if (!f.cut_at_limit) {
    return f.job_ended ? ConvergenceState::kEndedEarly : ConvergenceState::kStalled;
  }
  const std::optional<ProgressWindow> w = progress.window(f.end_ns);
  if (!w) return ConvergenceState::kStalled;
  switch (classify_limit(*w, f.background_mode)) {
    case LimitProgress::kProgressing:
      return ConvergenceState::kCutProgressing;
    case LimitProgress::kOutrun:
      return ConvergenceState::kOutrun;
    case LimitProgress::kStalled:
      return ConvergenceState::kStalled;
  }
  return ConvergenceState::kStalled;
}

}  // namespace

ConvergenceOutcome convergence_of(const ConvergenceFacts& f, const ProgressTracker& progress) {
  ConvergenceOutcome c;
  c.ready_reached = f.job_started && f.time_to_ready_ns >= 0;
  if (c.ready_reached) c.time_to_ready_ns = f.time_to_ready_ns;
  if (f.job_ended && !f.job_error && f.time_to_end_ns >= 0)
    c.time_to_completion_ns = f.time_to_end_ns;
  if (f.job_started && progress.any()) c.left_bytes_at_end = progress.latest().left;
  // A job that never emitted READY (cancelled first) converged only if it
  // ended cleanly with nothing left: a momentary zero (before the first
  // guest write, say) proves nothing about a job that then stalled.
  const bool drained = f.job_ended && !f.job_error && progress.any() && c.left_bytes_at_end == 0;
  c.converged = f.job_started && (c.ready_reached || drained);
  c.state = state_of(f, progress, c.converged);
  if (!f.job_started || !progress.any()) return c;
  c.rate_over_life = net_rate(progress.first(), progress.latest());
  if (const std::optional<ProgressWindow> w = progress.window(f.end_ns); w && w->length_ns() > 0) {
    c.rate_over_last_window = w->net_drain_rate();
  }
  c.series = progress.series(ConvergenceOutcome::kSeriesPoints);
  return c;
}

}  // namespace mirrorsim::properties
