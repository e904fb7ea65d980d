#include "properties/run_report.h"

#include <fmt/core.h>

namespace mirrorsim::properties {

std::string signed_rate_text(double bytes_per_s) {
  return (bytes_per_s < 0 ? "-" : "+") + rate_text(bytes_per_s < 0 ? -bytes_per_s : bytes_per_s);
}

std::string RunReport::outcome_line() const {
  if (sim.status == sim::RunOutcome::Status::kFailed) return "crashed: " + sim.message;
  if (sim.status == sim::RunOutcome::Status::kLiveness) return "liveness failure: " + sim.message;
  if (sim.status == sim::RunOutcome::Status::kLimit) {
    // The liveness verdict judged the cut: slow (inconclusive), outrun (an
    // outcome) or livelocked.
    for (const Verdict& v : verdicts) {
      if (v.property != property::kLiveness) continue;
      if (v.status == VerdictStatus::kInconclusive) return "inconclusive: " + v.message;
      if (v.violated()) return "liveness failure: " + v.message;
      if (outrun()) {
        const ConvergenceOutcome& c = convergence;
        std::string line = fmt::format(
            "{}: dirty {} at the end ({} left with ops in flight)", convergence_state_name(c.state),
            amount_text(run_metrics.dirty_bytes_at_end), amount_text(c.left_bytes_at_end));
        if (c.rate_over_last_window) {
          line += ", convergence rate " + signed_rate_text(*c.rate_over_last_window) +
                  " over the last quarter of the run";
        }
        if (c.rate_over_life)
          line += ", " + signed_rate_text(*c.rate_over_life) + " over the job's life";
        return line + "; " + sim.message.substr(0, sim.message.find(';'));
      }
    }
    return "stopped at the limit: " + sim.message;
  }
  if (!job_started) return "refused to start: " + start_error;
  if (!job.ended) return "did not end";
  if (!job.error.empty()) return "failed: " + job.error;
  if (job.cancelled) return "cancelled";
  return job.pivoted ? "completed (pivoted to the target)" : "completed (no pivot)";
}

std::vector<std::string> RunReport::warnings() const {
  std::vector<std::string> out;
  if (trace_never_reached()) {
    out.push_back(fmt::format(
        "the job ended before the trace's first request (at {:.6f} s): none of its {} requests "
        "was issued",
        static_cast<double>(trace_first_request_ns) / 1e9, trace_requests));
  }
  return out;
}

const Verdict* RunReport::inconclusive() const {
  for (const Verdict& v : verdicts) {
    if (v.status == VerdictStatus::kInconclusive) return &v;
  }
  return nullptr;
}

Verdict determinism_verdict(const RunReport& first, const RunReport& again) {
  Verdict v;
  v.property = property::kDeterminism;
  if (first.sim.log_hash == again.sim.log_hash) {
    v.status = VerdictStatus::kHolds;
    return v;
  }
  v.status = VerdictStatus::kViolated;
  v.message = fmt::format("the same case gave event-log hashes {:016x} and {:016x}",
                          first.sim.log_hash, again.sim.log_hash);
  return v;
}

}  // namespace mirrorsim::properties
