#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "cli/campaign_output.h"
#include "cli/check_command.h"
#include "cli/exit_codes.h"
#include "properties/atomic_file.h"

namespace mirrorsim::cli {
namespace {

// A shard summary is at most a few MiB; anything far bigger is not one.
constexpr std::uintmax_t kMaxSummaryBytes = 256ull << 20;

std::optional<nlohmann::json> read_summary(const std::string& arg) {
  std::filesystem::path file(arg);
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) file /= "summary.json";
  if (!std::filesystem::is_regular_file(file, error)) {
    fmt::print(stderr, "mirrorsim merge: {}: no summary.json there\n", file.string());
    return std::nullopt;
  }
  if (std::filesystem::file_size(file, error) > kMaxSummaryBytes) {
    fmt::print(stderr, "mirrorsim merge: {}: larger than {} MiB, not a summary\n", file.string(),
               kMaxSummaryBytes >> 20);
    return std::nullopt;
  }
  std::ifstream in(file);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    fmt::print(stderr, "mirrorsim merge: {}: not valid JSON\n", file.string());
    return std::nullopt;
  }
  return j;
}

}  // namespace

CLI::App* add_merge_command(CLI::App& app, MergeCommandOptions& o) {
  CLI::App* m = app.add_subcommand("merge", "merge the outputs of check shards into one summary");
  m->add_option("dirs", o.dirs, "shard output folders (or their summary.json files)")->required();
  m->add_option("--out", o.out, "folder for the merged summary.json")->capture_default_str();
  m->add_option("--junit", o.junit, "also write the merged JUnit XML report to this file");
  return m;
}

int merge_command(const MergeCommandOptions& o) {
  std::vector<nlohmann::json> shards;
  for (const std::string& dir : o.dirs) {
    auto summary = read_summary(dir);
    if (!summary) return kExitBadInput;
    shards.push_back(std::move(*summary));
  }
  nlohmann::json merged;
  try {
    merged = reports::merge_summaries(shards, summary_context(o.command_line));
  } catch (const std::exception& e) {
    fmt::print(stderr, "mirrorsim merge: {}\n", e.what());
    return kExitBadInput;
  }
  try {
    properties::probe_writable_directory(o.out);
  } catch (const properties::FileWriteError& e) {
    fmt::print(stderr, "mirrorsim merge: --out: {}\n", e.what());
    return kExitBadInput;
  }
  fmt::print("merged {} shard(s): {} cases, {} failure(s), {} inconclusive, {} not converged\n",
             shards.size(), merged.at("cases_run").get<std::uint64_t>(),
             merged.at("failures").get<std::size_t>(),
             merged.at("inconclusive").at("cases").get<std::uint64_t>(),
             merged.at("not_converged").at("cases").get<std::uint64_t>());
  for (const auto& f : merged.at("failure_list")) {
    fmt::print("FAILED {}: {}: {}\n  replay: {}\n", f.value("id", ""), f.value("property", ""),
               f.value("message", ""), f.value("replay", ""));
  }
  for (const auto& n : merged.at("notes")) fmt::print("note: {}\n", n.get<std::string>());
  if (!write_campaign_files(merged, o.out, o.junit, "mirrorsim merge")) return kExitInternal;
  // The code of the merged summary, as `check` gives for its own.
  const int code = summary_exit_code(merged);
  if (code == kExitPassed) {
    fmt::print("all properties held\n");
  } else if (const auto kind = reports::summary_failure_kind(merged)) {
    fmt::print("FAILED: {} (exit {})\n", properties::failure_kind_name(*kind), code);
  } else {
    fmt::print("FAILED (exit {})\n", code);
  }
  return code;
}

}  // namespace mirrorsim::cli
