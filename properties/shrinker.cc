#include "properties/shrinker.h"

#include <chrono>

#include "properties/campaign.h"
#include "properties/case_protocol.h"
#include "properties/interrupt.h"

namespace mirrorsim::properties {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

ShrinkResult shrink_case(rc::Shrinkable<GeneratedCase> current, const ShrinkOptions& options,
                         const std::function<void(const ShrinkResult&)>& on_improvement) {
  ShrinkResult result;
  result.message = options.message;
  const Clock::time_point start = Clock::now();
  auto out_of_budget = [&] { return interrupted() || seconds_since(start) >= options.budget_s; };
  bool improved = true;
  bool stopped = false;
  while (improved && !stopped) {
    improved = false;
    rc::Seq<rc::Shrinkable<GeneratedCase>> candidates = current.shrinks();
    while (auto candidate = candidates.next()) {
      if (out_of_budget()) {
        stopped = true;
        break;
      }
      const GeneratedCase c = candidate->value();
      const CaseOutcome o = run_isolated(0, [&] {
        return evaluate_case(c, 0, options.bugs, options.check_determinism, options.oracle_limits,
                             options.set_aside);
      });
      if (interrupted()) {
        stopped = true;
        break;
      }
      if (!o.passed && o.property == options.property) {
        current = *candidate;
        result.message = o.message;
        ++result.steps;
        improved = true;
        if (on_improvement) {
          result.smallest = c;
          result.seconds = seconds_since(start);
          on_improvement(result);
        }
        break;
      }
    }
  }
  result.smallest = current.value();
  result.seconds = seconds_since(start);
  result.complete = !stopped;
  return result;
}

}  // namespace mirrorsim::properties
