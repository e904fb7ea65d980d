// Writing a Scenario as a scenario file.
//
// Guarantee: for every Scenario s that passes check_scenario(),
// parse_scenario(write_scenario(s), name, options) == s (given options that
// know s's bug names, and s's trace file, if any, still present). Every
// field is written out, defaults included, so a saved failure replays the
// same even if a later build changes a default. Sizes and times are written
// with units where exact ("64KiB", "10ms"), else as integers; seeds and
// counts above 2^63-1 as decimal strings; floating-point values in their
// shortest exact form (scenario_format.h).
//
// So that a person reading a shrunk failure sees what matters, every key
// whose value is not what a file without that key would load ends in a
// comment "# differs from default (<the default>)". Keys that have no
// default (mirror.sync, a command's action and time, a trace path, phase
// fields) and the name and description are never marked.
#pragma once

#include <string>

#include "scenarios/scenario.h"

namespace mirrorsim::scenarios {

std::string write_scenario(const Scenario& scenario);

}  // namespace mirrorsim::scenarios
