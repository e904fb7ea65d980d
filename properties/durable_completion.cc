#include "properties/durable_completion.h"

#include <fmt/core.h>

namespace mirrorsim::properties {

Verdict check_durable_completion(const DurableCompletionFacts& f) {
  Verdict v;
  v.property = std::string(property::kDurableCompletion);
  if (!f.target_cache) {
    v.message = "the target has no write cache: its durable content is what it reads";
    return v;
  }
  if (f.comparisons.empty()) {
    v.message = "the job reached neither READY nor the pivot";
    return v;
  }
  for (const DurableComparison& c : f.comparisons) {
    if (!c.difference) continue;
    v.status = VerdictStatus::kViolated;
    v.message = fmt::format("at {} (t={:.6f} s; durable: what a power loss then would leave) {}",
                            c.moment, static_cast<double>(c.time) / 1e9,
                            describe_difference(*c.difference, "the target's durable content",
                                                "the source", c.sides ? &*c.sides : nullptr));
    return v;
  }
  v.status = VerdictStatus::kHolds;
  return v;
}

}  // namespace mirrorsim::properties
