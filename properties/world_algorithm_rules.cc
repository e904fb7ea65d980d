// The World's per-algorithm rules: what the specification says of this job
// (properties/algorithm_specs.h, never engine/), for the oracles.
#include <fmt/core.h>

#include "properties/algorithm_specs.h"
#include "properties/world.h"

namespace mirrorsim::properties {

AlgorithmSpec World::spec() const {
  const engine::DeviceInfo info = target_->info();
  const spec::TargetAtStart target{info.cluster_bytes, info.backing_named, info.backing_attached};
  return algorithm_spec(scenario_.mirror, target);
}

// Pre-copy (rule 4): READY, or the downtime abort, comes after at most
// max_passes passes; snapshot (its Limits): READY after at most max_passes
// rounds. A job that keeps passing is neither converging nor outrun, it
// ignores its stop rule.
std::optional<std::string> World::pass_bound_violation(const RunReport& report) const {
  const AlgorithmSpec rules = spec();
  if (!rules.max_passes || !report.job_started) return std::nullopt;
  const std::uint64_t passes = passes_at_ready_.value_or(report.metrics.bitmap_passes);
  const std::uint32_t limit = *rules.max_passes;
  if (passes <= limit) return std::nullopt;
  return fmt::format("{} {} ended {}, above max_passes {}", passes, rules.pass_name,
                     passes_at_ready_ ? "before READY" : "without READY", limit);
}

}  // namespace mirrorsim::properties
