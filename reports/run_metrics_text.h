// properties::RunMetrics as `mirrorsim run` shows it: lines of text, and
// the fields of the JSON report's "metrics" object.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "properties/run_metrics.h"

namespace mirrorsim::reports {

std::string run_metrics_text(const properties::RunMetrics& metrics);
// "the guest hit its cap of N outstanding requests K times ...; achieved X
// IOPS of Y requested", or "" when the cap was never hit.
std::string guest_cap_warning(const properties::RunMetrics& metrics);
nlohmann::json run_metrics_json(const properties::RunMetrics& metrics);

}  // namespace mirrorsim::reports
