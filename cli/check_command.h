// `mirrorsim check` (the main job) and `mirrorsim mutants`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct CheckCommandOptions {
  std::uint64_t cases = 2000;
  std::string time;  // "60s", "2m": a wall-clock budget instead of (or on top of) --cases
  std::uint64_t seed = 1;
  int jobs = 0;  // 0: one per core
  std::string shard = "0/1";
  std::vector<std::string> bugs;
  std::string out = "mirrorsim-out";
  bool no_library = false;
};

struct MutantsCommandOptions {
  std::uint64_t seed = 1;
  double budget_s = 60;
  std::uint64_t max_cases = 200000;
  int jobs = 0;
  std::string out = "mirrorsim-out/mutants";
  std::vector<std::string> only;
};

CLI::App* add_check_command(CLI::App& app, CheckCommandOptions& options);
CLI::App* add_mutants_command(CLI::App& app, MutantsCommandOptions& options);
int check_command(const CheckCommandOptions& options);
int mutants_command(const MutantsCommandOptions& options);

}  // namespace mirrorsim::cli
