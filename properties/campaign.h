// The property campaign: generate scenarios, run them, and when one fails,
// shrink it and save it as a scenario file that `mirrorsim run` replays.
//
// Cases are numbered; case i of campaign seed S is generated from a random
// stream derived from (S, i) alone, so a shard K/N runs the cases with
// i % N == K and any case can be regenerated from its number. Cases run in
// worker processes: a case that crashes its worker is reported (and saved)
// instead of taking the campaign down. Shrinking also runs each candidate in
// a child process, and stops at a time budget.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "properties/generators.h"
#include "properties/run_report.h"

namespace mirrorsim::properties {

struct CampaignOptions {
  std::uint64_t seed = 1;
  std::uint64_t cases = 2000;           // cases to run (in this shard)
  std::optional<double> time_budget_s;  // stop starting cases after this (wall clock)
  int jobs = 1;                         // worker processes
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  std::vector<std::string> bugs;         // engine bug switches for every case
  double shrink_budget_s = 20;           // wall clock for shrinking one failure
  std::uint64_t determinism_every = 50;  // re-run every Nth case and compare hashes
  bool stop_at_first_failure = true;
  std::filesystem::path out_dir;  // failures/ and the summary go here ("" = none)
};

struct CampaignProgress {
  std::uint64_t cases_done = 0;
  std::uint64_t failures = 0;
  double elapsed_s = 0;
};

struct CampaignFailure {
  std::uint64_t case_index = 0;
  std::uint64_t case_seed = 0;  // the run seed of the (shrunk) scenario
  std::string property;         // the property that failed, or "crash" / "determinism"
  std::string message;
  std::filesystem::path file;  // the saved, shrunk scenario ("" when out_dir is empty)
  std::string replay_command;
  std::uint64_t shrink_steps = 0;
  double shrink_seconds = 0;
  // Size of the shrunk reproduction.
  std::uint64_t guest_requests = 0;
  std::uint64_t faults = 0;
  std::uint64_t disk_bytes = 0;
  GeneratedCase shrunk;
};

struct CampaignResult {
  std::uint64_t cases_run = 0;
  std::uint64_t first_case = 0;  // case numbers covered: shard_index + k * shard_count
  std::uint64_t last_case = 0;
  double elapsed_s = 0;
  double cases_per_s = 0;
  std::uint64_t determinism_checks = 0;
  // Per property: how often it held, was violated, did not apply.
  std::map<std::string, std::array<std::uint64_t, 3>> verdict_counts;
  std::vector<CampaignFailure> failures;
  bool ok() const { return failures.empty(); }
};

// Generates case `index` of campaign `seed` (the same on every machine).
GeneratedCase generate_case(std::uint64_t seed, std::uint64_t index);

// Runs one generated case in this process.
RunReport run_case(const GeneratedCase& c, const std::vector<std::string>& bugs);

// Writes `c` as DIR/<name>.toml (+ DIR/<name>.csv for its requests) and
// returns the scenario file's path.
std::filesystem::path save_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                                const std::filesystem::path& dir, const std::string& name);

CampaignResult run_campaign(const CampaignOptions& options,
                            const std::function<void(const CampaignProgress&)>& progress = {});

}  // namespace mirrorsim::properties
