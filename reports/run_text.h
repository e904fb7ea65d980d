// Human-readable and JSON renderings of one run's report.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "properties/run_report.h"
#include "scenarios/scenario.h"

namespace mirrorsim::reports {

// The parameters a run uses, printed before it starts (seed, disks, job,
// and a generated case's swarm options).
std::string describe_setup(const scenarios::Scenario& scenario, std::uint64_t seed,
                           const std::vector<std::string>& bugs);

// Outcome, swarm options, events with virtual times, commands, metrics,
// verdicts, hash.
std::string describe_report(const properties::RunReport& report);

// Only the outcome, the verdicts and the hash (for --quiet).
std::string describe_verdicts(const properties::RunReport& report);

nlohmann::json report_json(const properties::RunReport& report);

// The scenario as JSON, key for key what its file would say (write_scenario's
// TOML read back), sizes in bytes and times in microseconds as numbers: the
// inputs a run's JSON report carries beside its results.
nlohmann::json scenario_json(const scenarios::Scenario& scenario);

// "1.5 MiB", "512 B": for messages.
std::string bytes_text(std::uint64_t bytes);
// "0.012345 s"
std::string time_text(engine::TimeNs ns);

}  // namespace mirrorsim::reports
