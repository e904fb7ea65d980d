// What check, merge and mutants share: the worker count, the summary's
// context (version, commit, command line, date), and writing summary.json
// and JUnit XML into an output folder, atomically.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/campaign_summary.h"

namespace mirrorsim::cli {

// --jobs: "" means one per core; otherwise 1..kMaxJobs. Prints why on error.
inline constexpr int kMaxJobs = 256;
std::optional<int> parse_jobs(std::string_view where, const std::string& text);

reports::SummaryContext summary_context(const std::vector<std::string>& command_line);

// Writes DIR/summary.json and, when `junit` is not empty, the JUnit file.
// Returns false after printing the error (the command then exits non-zero).
bool write_campaign_files(const nlohmann::json& summary, const std::string& dir,
                          const std::string& junit, std::string_view where);

// The exit code a campaign summary stands for, so that `check` and `merge`
// agree (exit_codes.h): 130 when it was interrupted; else the code of the
// most severe kind of failure; else 2 when a saved failure does not load;
// else 0 when it is ok and 3 when it is not (lost cases, lost workers, a
// missing shard, a shard that never finished).
int summary_exit_code(const nlohmann::json& summary);

}  // namespace mirrorsim::cli
