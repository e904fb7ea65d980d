// `mirrorsim list scenarios|bugs|workloads|keys` (keys: the scenario key
// reference, scenarios/scenario_keys.h, which is also docs/scenario.md)
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct ListCommandOptions {
  std::string what;
};

CLI::App* add_list_command(CLI::App& app, ListCommandOptions& options);
int list_command(const ListCommandOptions& options);

}  // namespace mirrorsim::cli
