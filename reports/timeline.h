// A run's timeline in the Chrome trace-event JSON format (opens in Perfetto
// and chrome://tracing): disk requests per disk, mirror ops per kind, guest
// requests, injected faults, job states and events, and the dirty bytes as
// a counter. Built from the run's retained event log.
#pragma once

#include <nlohmann/json.hpp>

#include "properties/run_report.h"

namespace mirrorsim::reports {

// REQUIRES: the run kept its log (RunOptions::retain_log); otherwise the
// timeline holds only the job's events.
nlohmann::json timeline_json(const properties::RunReport& report);

}  // namespace mirrorsim::reports
