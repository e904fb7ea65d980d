// Writing a Scenario as a scenario file.
//
// Guarantee: for every Scenario s that passes check_scenario(),
// parse_scenario(write_scenario(s), name, options) == s (given options that
// know s's bug names, and s's trace file, if any, still present). Every
// field is written out, defaults included, so a saved failure replays the
// same even if a later build changes a default. Sizes and times are written
// with units where exact ("64KiB", "10ms"), else as integers; seeds and
// counts above 2^63-1 as decimal strings; floating-point values in their
// shortest exact form.
#pragma once

#include <string>

#include "scenarios/scenario.h"

namespace mirrorsim::scenarios {

std::string write_scenario(const Scenario& scenario);

}  // namespace mirrorsim::scenarios
