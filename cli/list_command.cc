#include "cli/list_command.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "engine/known_bugs.h"
#include "properties/campaign.h"
#include "properties/scenario_build.h"
#include "properties/verdict.h"
#include "scenarios/library.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_keys.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/swarm_options.h"

namespace mirrorsim::cli {

CLI::App* add_list_command(CLI::App& app, ListCommandOptions& o) {
  CLI::App* list = app.add_subcommand(
      "list",
      "list built-in scenarios, engine bugs, workloads, scenario keys, swarm switches or "
      "properties");
  list->add_option("what", o.what,
                   "scenarios, bugs, workloads, keys (the scenario file reference, Markdown), "
                   "swarm (the generator's switches; `mutants --without` takes these), or "
                   "properties (what each run is checked for)")
      ->required()
      ->check(CLI::IsMember({"scenarios", "bugs", "workloads", "keys", "swarm", "properties"}));
  return list;
}

int list_command(const ListCommandOptions& o) {
  if (o.what == "bugs") {
    for (const engine::BugInfo& bug : engine::known_bugs()) {
      fmt::print("{:<28} fix {:<20} {}\n", bug.name, bug.fix, bug.summary);
    }
    return kExitPassed;
  }
  if (o.what == "swarm") {
    for (const scenarios::SwarmSwitch& s : scenarios::swarm_switches()) {
      fmt::print("{:<20} {}\n", s.name, s.meaning);
    }
    fmt::print("{:<20} {}\n", properties::kWithoutSpec,
               "(mutants --without only) the bounds oracle takes MIRROR.md's limits, not the "
               "engine's");
    return kExitPassed;
  }
  if (o.what == "properties") {
    for (const properties::PropertyInfo& p : properties::property_list()) {
      fmt::print("{:<20} {}\n", p.name, p.meaning);
    }
    return kExitPassed;
  }
  if (o.what == "keys") {
    fmt::print("{}", scenarios::key_reference());
    return kExitPassed;
  }
  if (o.what == "workloads") {
    fmt::print(
        "generated   [workload] rate_iops / bursts, size, locality (uniform, sequential, hotspot, "
        "zipf), mix, phases\n"
        "trace csv   [workload] trace = \"file.csv\"  (time_us,op,offset,length)\n"
        "trace fio   [workload] trace = \"file.log\"  (fio iolog version 2 or 3)\n");
    return kExitPassed;
  }
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  for (const std::filesystem::path& file : scenarios::library_files()) {
    try {
      const scenarios::Scenario s = scenarios::load_scenario(file, load);
      fmt::print("{:<36} {}\n", file.stem().string(), s.description);
    } catch (const std::exception& e) {
      fmt::print("{:<36} (does not load: {})\n", file.stem().string(), e.what());
    }
  }
  return kExitPassed;
}

}  // namespace mirrorsim::cli
