// Shrinks a failing generated case: walks RapidCheck's shrink tree, running
// each candidate in a child process (a crash is an outcome), and keeps a
// candidate when it fails the same property. Stops at a wall-clock budget or
// an interrupt, and reports every improvement as it happens so the caller
// can save the smallest case found so far.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "properties/generators.h"
#include "properties/oracle_limits.h"

namespace mirrorsim::properties {

struct ShrinkOptions {
  std::string property;  // the property the case must keep failing
  std::string message;   // its first message
  std::vector<std::string> bugs;
  OracleLimits oracle_limits = OracleLimits::kSpecification;
  std::vector<std::string> set_aside;  // properties whose violations do not count
  double budget_s = 20;
  bool check_determinism = false;  // for "determinism" failures: run each twice
};

struct ShrinkResult {
  GeneratedCase smallest;
  std::string message;  // the smallest case's failure message
  std::uint64_t steps = 0;
  double seconds = 0;
  bool complete = false;  // no candidate was left untried (no budget or interrupt stop)
};

ShrinkResult shrink_case(rc::Shrinkable<GeneratedCase> start, const ShrinkOptions& options,
                         const std::function<void(const ShrinkResult&)>& on_improvement = {});

}  // namespace mirrorsim::properties
