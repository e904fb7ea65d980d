#include "properties/run_report.h"

#include <fmt/core.h>

namespace mirrorsim::properties {

std::string RunReport::outcome_line() const {
  if (sim.status == sim::RunOutcome::Status::kFailed) return "crashed: " + sim.message;
  if (sim.status == sim::RunOutcome::Status::kLiveness) return "liveness failure: " + sim.message;
  if (sim.status == sim::RunOutcome::Status::kLimit) {
    // The liveness verdict judged the cut: slow (inconclusive) or livelocked.
    for (const Verdict& v : verdicts) {
      if (v.property != property::kLiveness) continue;
      if (v.status == VerdictStatus::kInconclusive) return "inconclusive: " + v.message;
      if (v.violated()) return "liveness failure: " + v.message;
    }
    return "stopped at the limit: " + sim.message;
  }
  if (!job_started) return "refused to start: " + start_error;
  if (!job.ended) return "did not end";
  if (!job.error.empty()) return "failed: " + job.error;
  if (job.cancelled) return "cancelled";
  return job.pivoted ? "completed (pivoted to the target)" : "completed (no pivot)";
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
