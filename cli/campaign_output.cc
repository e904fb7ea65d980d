#include "cli/campaign_output.h"

#include <filesystem>
#include <thread>

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "cli/number_flags.h"
#include "mirrorsim_commit.h"
#include "properties/atomic_file.h"
#include "reports/junit.h"

namespace mirrorsim::cli {

std::optional<int> parse_jobs(std::string_view where, const std::string& text) {
  if (text.empty()) {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(std::min<unsigned>(n, kMaxJobs));
  }
  const auto jobs = parse_count_flag(where, text, 1, kMaxJobs);
  if (!jobs) return std::nullopt;
  return static_cast<int>(*jobs);
}

reports::SummaryContext summary_context(const std::vector<std::string>& command_line) {
  return {MIRRORSIM_VERSION, MIRRORSIM_COMMIT, command_line, reports::utc_now()};
}

bool write_campaign_files(const nlohmann::json& summary, const std::string& dir,
                          const std::string& junit, std::string_view where) {
  bool ok = true;
  const std::filesystem::path file = std::filesystem::path(dir) / "summary.json";
  try {
    properties::write_file_atomically(file, summary.dump(2) + "\n");
    fmt::print("summary in {}\n", file.string());
  } catch (const properties::FileWriteError& e) {
    fmt::print(stderr, "{}: {}\n", where, e.what());
    ok = false;
  }
  if (!junit.empty()) {
    try {
      properties::write_file_atomically(junit, reports::junit_xml(summary));
      fmt::print("JUnit report in {}\n", junit);
    } catch (const properties::FileWriteError& e) {
      fmt::print(stderr, "{}: {}\n", where, e.what());
      ok = false;
    }
  }
  return ok;
}

int summary_exit_code(const nlohmann::json& summary) {
  if (summary.value("interrupted", false)) return kExitInterrupted;
  if (const auto kind = reports::summary_failure_kind(summary)) return exit_code_of(*kind);
  if (reports::summary_has_unloadable_files(summary)) return kExitBadInput;
  return reports::summary_ok(summary) ? kExitPassed : kExitInternal;
}

}  // namespace mirrorsim::cli
