#include "reports/swarm_json.h"

#include <string>

#include "scenarios/scenario.h"

namespace mirrorsim::reports {

nlohmann::json swarm_json(const std::optional<scenarios::SwarmOptions>& swarm) {
  if (!swarm) return nullptr;
  nlohmann::json j = nlohmann::json::object();
  for (const scenarios::SwarmSwitch& s : scenarios::swarm_switches()) {
    j[std::string(s.name)] = (*swarm).*s.member;
  }
  j["sync"] = std::string(scenarios::name_of(swarm->sync));
  return j;
}

}  // namespace mirrorsim::reports
