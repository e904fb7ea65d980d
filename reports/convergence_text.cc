#include "reports/convergence_text.h"

#include <fmt/core.h>

#include "reports/run_text.h"

namespace mirrorsim::reports {
namespace {

using properties::ConvergenceOutcome;

std::string maybe_time(const std::optional<engine::TimeNs>& t) {
  return t ? time_text(*t) : std::string("never");
}

std::string maybe_rate(const std::optional<double>& r) {
  return r ? properties::signed_rate_text(*r) : std::string("n/a");
}

nlohmann::json maybe(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json maybe(const std::optional<engine::TimeNs>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string convergence_text(const properties::RunReport& r) {
  const ConvergenceOutcome& c = r.convergence;
  return fmt::format(
      "  convergence: {}; time to READY {}, to completion {}; dirty at end {}, left (dirty or in "
      "flight) {}; rate {} over the job's life, {} over the last quarter of the run\n",
      properties::convergence_state_name(c.state), maybe_time(c.time_to_ready_ns),
      maybe_time(c.time_to_completion_ns), bytes_text(r.run_metrics.dirty_bytes_at_end),
      bytes_text(c.left_bytes_at_end), maybe_rate(c.rate_over_life),
      maybe_rate(c.rate_over_last_window));
}

nlohmann::json convergence_json(const properties::RunReport& r) {
  const ConvergenceOutcome& c = r.convergence;
  nlohmann::json series = nlohmann::json::array();
  for (const properties::LeftSample& s : c.series) {
    series.push_back({static_cast<double>(s.time) / 1e9, s.left});
  }
  return {{"state", properties::convergence_state_name(c.state)},
          {"converged", c.converged},
          {"ready_reached", c.ready_reached},
          {"outrun", c.state == properties::ConvergenceState::kOutrun},
          {"time_to_ready_ns", maybe(c.time_to_ready_ns)},
          {"time_to_completion_ns", maybe(c.time_to_completion_ns)},
          {"dirty_bytes_at_end", r.run_metrics.dirty_bytes_at_end},
          {"left_bytes_at_end", c.left_bytes_at_end},
          {"convergence_rate_bytes_per_s", maybe(c.rate_over_life)},
          {"convergence_rate_last_window_bytes_per_s", maybe(c.rate_over_last_window)},
          // [t_s, bytes left (dirty or in flight)], at most 64 points.
          {"series_columns", {"t_s", "left_bytes"}},
          {"series", series}};
}

}  // namespace mirrorsim::reports
