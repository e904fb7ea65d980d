// Swarm options (scenarios/swarm_options.h) as JSON, for the run report
// and summary.json: {"bursts": false, "cancel": true, ..., "sync": "full"},
// every switch (keys sorted, as nlohmann::json keeps them).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "scenarios/swarm_options.h"

namespace mirrorsim::reports {

// null for nullopt (a scenario written by hand).
nlohmann::json swarm_json(const std::optional<scenarios::SwarmOptions>& swarm);

}  // namespace mirrorsim::reports
