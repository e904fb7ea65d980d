// properties::ConvergenceOutcome as `mirrorsim run` shows it: one line of
// text, and the JSON report's "convergence" object (with the bytes-left
// series a researcher plots).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "properties/run_report.h"

namespace mirrorsim::reports {

std::string convergence_text(const properties::RunReport& report);
nlohmann::json convergence_json(const properties::RunReport& report);

}  // namespace mirrorsim::reports
