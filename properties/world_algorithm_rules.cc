// The World's per-algorithm rules: what docs/algorithms.md says an
// algorithm promises beyond MIRROR.md's job, taken from properties/*_spec.h
// (never from engine/), for the oracles.
#include <fmt/core.h>

#include "properties/precopy_spec.h"
#include "properties/snapshot_spec.h"
#include "properties/world.h"

namespace mirrorsim::properties {

bool World::ready_means_in_sync() const {
  if (scenario_.mirror.algorithm == engine::Algorithm::kPrecopy) {
    return spec::precopy::kReadyMeansInSync;
  }
  if (scenario_.mirror.algorithm == engine::Algorithm::kSnapshot) {
    return spec::snapshot::kReadyMeansInSync;
  }
  return true;
}

bool World::downtime_abort_allowed() const {
  return scenario_.mirror.algorithm == engine::Algorithm::kPrecopy &&
         scenario_.mirror.max_downtime_us > 0 &&
         scenario_.mirror.on_downtime_limit == engine::DowntimeAction::kAbort;
}

// Pre-copy (rule 4): READY, or the downtime abort, comes after at most
// max_passes passes; snapshot (its Limits): READY after at most max_passes
// rounds. A job that keeps passing is neither converging nor outrun, it
// ignores its stop rule.
std::optional<std::string> World::pass_bound_violation(const RunReport& report) const {
  const engine::Algorithm algorithm = scenario_.mirror.algorithm;
  const bool precopy = algorithm == engine::Algorithm::kPrecopy;
  if ((!precopy && algorithm != engine::Algorithm::kSnapshot) || !report.job_started) {
    return std::nullopt;
  }
  const std::uint64_t passes = passes_at_ready_.value_or(report.metrics.bitmap_passes);
  const std::uint32_t limit = precopy ? spec::precopy::max_passes(scenario_.mirror.max_passes)
                                      : spec::snapshot::max_passes(scenario_.mirror.max_passes);
  if (passes <= limit) return std::nullopt;
  return fmt::format("{} {} ended {}, above max_passes {}", passes, precopy ? "passes" : "rounds",
                     passes_at_ready_ ? "before READY" : "without READY", limit);
}

}  // namespace mirrorsim::properties
