// `mirrorsim run FILE [--seed N] [--bug NAME]... [--trace out.json] [--json]
//  [--quiet] [--check-determinism]`
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct RunCommandOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> bugs;
  std::string profile;  // "": the file's [mirror] profile
  std::vector<std::string> overrides;  // --set KEY=VALUE, in order
  std::string trace_path;
  bool json = false;
  bool quiet = false;
  bool check_determinism = false;  // run twice and compare the event-log hashes
};

CLI::App* add_run_command(CLI::App& app, RunCommandOptions& options);
int run_command(const RunCommandOptions& options);

}  // namespace mirrorsim::cli
