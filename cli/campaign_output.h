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

}  // namespace mirrorsim::cli
