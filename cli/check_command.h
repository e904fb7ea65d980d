// `mirrorsim check` (the main job), `mirrorsim merge` (shard outputs into
// one summary) and `mirrorsim mutants`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

// Numbers are kept as text and read strictly (number_flags.h).
struct CheckCommandOptions {
  std::string cases;                // "": 2000, or no count when --time is given
  std::string time;                 // "60s", "2m": a wall-clock budget
  std::string shrink_time = "20s";  // wall clock for shrinking the first failure ("0s": none)
  std::string seed = "1";
  std::string jobs;  // "": one per core
  std::string shard = "0/1";
  std::vector<std::string> bugs;
  std::string profile = "default";           // engine profile of every generated case
  std::vector<std::string> skip_properties;  // violations that do not count
  std::vector<std::string> without;          // capabilities switched off, as in mutants
  std::string algorithm;                     // every generated case runs it ("": drawn per case)
  std::string out = "mirrorsim-out";
  std::string junit;                // JUnit XML file ("" = none)
  std::vector<std::string> corpus;  // failure databases ("": <out>/failures)
  bool no_corpus = false;
  bool no_library = false;
  bool no_progress = false;
  std::vector<std::string> command_line;  // argv, for the summary
};

struct MergeCommandOptions {
  std::vector<std::string> dirs;  // shard output folders (or summary.json files)
  std::string out = "mirrorsim-merged";
  std::string junit;
  std::vector<std::string> command_line;
};

struct MutantsCommandOptions {
  std::string seed = "1";
  std::string budget_s = "60";
  std::uint64_t max_cases = 200000;
  std::string jobs;
  std::string out = "mirrorsim-out/mutants";
  std::vector<std::string> only;
  std::vector<std::string> without;  // capabilities switched off
};

CLI::App* add_check_command(CLI::App& app, CheckCommandOptions& options);
CLI::App* add_merge_command(CLI::App& app, MergeCommandOptions& options);
CLI::App* add_mutants_command(CLI::App& app, MutantsCommandOptions& options);
int check_command(const CheckCommandOptions& options);
int merge_command(const MergeCommandOptions& options);
int mutants_command(const MutantsCommandOptions& options);

}  // namespace mirrorsim::cli
