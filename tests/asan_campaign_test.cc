// A campaign run in this one process: thousands of generated cases, one
// after another, each with its own Simulation. `mirrorsim check` runs cases
// in worker processes, which hides memory state left behind by a case (a
// coroutine stack still poisoned, a leak); here every case shares the
// allocator with the ones before it, so under AddressSanitizer a stale
// shadow left by an earlier case's coroutines trips a later one (before
// the fix in sim/kernel/fiber_stack.cc, within about a thousand cases).
//
// The ASan build runs 2000 cases (about 20 s of CPU), the release build
// 4000 (a few seconds). MIRRORSIM_ASAN_CAMPAIGN_CASES overrides the count
// (for long runs).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

#include "properties/campaign.h"

namespace mirrorsim {
namespace {

#ifdef MIRRORSIM_SANITIZE_BUILD
constexpr std::uint64_t kDefaultCases = 2000;
#else
constexpr std::uint64_t kDefaultCases = 4000;
#endif

std::uint64_t case_count() {
  if (const char* text = std::getenv("MIRRORSIM_ASAN_CAMPAIGN_CASES")) {
    return std::strtoull(text, nullptr, 10);
  }
  return kDefaultCases;
}

TEST(InProcessCampaign, EveryGeneratedCasePasses) {
  const std::uint64_t seed = 1;
  const std::uint64_t cases = case_count();
  std::uint64_t failures = 0;
  for (std::uint64_t i = 0; i < cases; ++i) {
    const properties::GeneratedCase c = properties::generate_case(seed, i);
    const properties::RunReport report = properties::run_case(c, {});
    if (const properties::Verdict* v = properties::first_violation(report.verdicts)) {
      ++failures;
      ADD_FAILURE() << "case " << i << " of seed " << seed << ": " << v->property << ": "
                    << v->message;
      if (failures >= 5) break;
    }
  }
}

}  // namespace
}  // namespace mirrorsim
