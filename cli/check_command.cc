#include "cli/check_command.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/bug_flags.h"
#include "cli/exit_codes.h"
#include "engine/known_bugs.h"
#include "properties/campaign.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::cli {
namespace {

int default_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Runs the built-in scenario library once; returns the number of failures.
int check_library(const std::vector<std::string>& bugs) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  int failures = 0;
  for (const auto& file : scenarios::library_files()) {
    const scenarios::Scenario s = scenarios::load_scenario(file, load);
    properties::RunOptions options;
    options.extra_bugs = bugs;
    const properties::RunReport report = properties::run_scenario(s, options);
    if (const properties::Verdict* v = properties::first_violation(report.verdicts)) {
      ++failures;
      fmt::print("library {}: {} VIOLATED: {}\n  replay: mirrorsim run {}{}\n",
                 file.stem().string(), v->property, v->message, file.string(), bug_flags(bugs));
    }
  }
  return failures;
}

nlohmann::json summary_json(const properties::CampaignOptions& o,
                            const properties::CampaignResult& r, int library_failures) {
  nlohmann::json j;
  j["seed"] = o.seed;
  j["shard"] = fmt::format("{}/{}", o.shard_index, o.shard_count);
  j["bugs"] = o.bugs;
  j["cases"] = r.cases_run;
  j["case_numbers"] = {{"first", r.first_case}, {"last", r.last_case}, {"step", o.shard_count}};
  j["failures"] = r.failures.size() + static_cast<std::size_t>(library_failures);
  j["library_failures"] = library_failures;
  j["elapsed_s"] = r.elapsed_s;
  j["cases_per_s"] = r.cases_per_s;
  j["determinism_checks"] = r.determinism_checks;
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [name, counts] : r.verdict_counts) {
    per[name] = {{"holds", counts[0]}, {"violated", counts[1]}, {"not_applicable", counts[2]}};
  }
  j["properties"] = per;
  nlohmann::json failures = nlohmann::json::array();
  for (const properties::CampaignFailure& f : r.failures) {
    failures.push_back({{"case", f.case_index},
                        {"property", f.property},
                        {"message", f.message},
                        {"file", f.file.string()},
                        {"replay", f.replay_command},
                        {"guest_requests", f.guest_requests},
                        {"faults", f.faults},
                        {"disk_bytes", f.disk_bytes},
                        {"shrink_steps", f.shrink_steps},
                        {"shrink_seconds", f.shrink_seconds}});
  }
  j["failure_list"] = failures;
  return j;
}

void print_failure(const properties::CampaignFailure& f) {
  fmt::print("FAILED case {}: {}: {}\n", f.case_index, f.property, f.message);
  fmt::print(
      "  shrunk in {} steps ({:.1f} s) to {} guest request(s), {} fault(s), a {}-byte disk\n",
      f.shrink_steps, f.shrink_seconds, f.guest_requests, f.faults, f.disk_bytes);
  if (!f.replay_command.empty()) fmt::print("  replay: {}\n", f.replay_command);
}

}  // namespace

CLI::App* add_check_command(CLI::App& app, CheckCommandOptions& o) {
  CLI::App* c = app.add_subcommand("check", "run the property campaign (the main job)");
  c->add_option("--cases", o.cases, "generated cases to run")->capture_default_str();
  c->add_option("--time", o.time, "wall-clock budget, e.g. 60s or 5m");
  c->add_option("--seed", o.seed, "campaign seed")->capture_default_str();
  c->add_option("--jobs", o.jobs, "worker processes (default: one per core)");
  c->add_option("--shard", o.shard, "K/N: run the K-th of N disjoint slices of the cases")
      ->capture_default_str();
  c->add_option("--bug", o.bugs, "re-create a known engine bug in every case (repeatable)");
  c->add_option("--out", o.out, "folder for failures/ and summary.json")->capture_default_str();
  c->add_flag("--no-library", o.no_library, "skip the built-in scenario library");
  return c;
}

CLI::App* add_mutants_command(CLI::App& app, MutantsCommandOptions& o) {
  CLI::App* m = app.add_subcommand("mutants", "run the campaign against each known engine bug");
  m->add_option("--seed", o.seed, "campaign seed")->capture_default_str();
  m->add_option("--budget", o.budget_s, "seconds per bug before it counts as escaped")
      ->capture_default_str();
  m->add_option("--jobs", o.jobs, "worker processes (default: one per core)");
  m->add_option("--out", o.out, "folder for the shrunk reproductions")->capture_default_str();
  m->add_option("--only", o.only, "run only these bugs (repeatable)");
  return m;
}

int check_command(const CheckCommandOptions& o) {
  properties::CampaignOptions c;
  c.seed = o.seed;
  c.cases = o.cases;
  c.jobs = o.jobs > 0 ? o.jobs : default_jobs();
  c.bugs = o.bugs;
  c.out_dir = o.out;
  if (!known_bug_names("mirrorsim check: --bug", o.bugs)) return kExitBadInput;
  unsigned k = 0, n = 0;
  char slash = 0;
  std::istringstream shard(o.shard);
  if (!(shard >> k >> slash >> n) || slash != '/' || n == 0 || k >= n || !shard.eof()) {
    fmt::print(stderr, "mirrorsim check: --shard: '{}' is not K/N with 0 <= K < N\n", o.shard);
    return kExitBadInput;
  }
  c.shard_index = k;
  c.shard_count = n;
  if (!o.time.empty()) {
    const scenarios::Quantity t = scenarios::parse_time_text(o.time);
    if (t.status != scenarios::Quantity::Status::kOk || t.value == 0) {
      fmt::print(stderr, "mirrorsim check: --time: '{}' is not a duration such as 60s or 5m\n",
                 o.time);
      return kExitBadInput;
    }
    c.time_budget_s = static_cast<double>(t.value) / 1e6;
    if (o.cases == CheckCommandOptions{}.cases) c.cases = UINT64_MAX / 4;
  }

  fmt::print(
      "mirrorsim check: seed {}, shard {}/{}, {} worker(s), {}{}\n", c.seed, k, n, c.jobs,
      c.time_budget_s ? fmt::format("{} s", *c.time_budget_s) : fmt::format("{} cases", c.cases),
      c.bugs.empty() ? "" : ", with" + bug_flags(c.bugs));
  int library_failures = 0;
  if (!o.no_library && k == 0) library_failures = check_library(c.bugs);

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto last_print = std::chrono::steady_clock::now();
  auto progress = [&](const properties::CampaignProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::milliseconds(terminal ? 200 : 10'000)) return;
    last_print = now;
    const std::string line =
        fmt::format("{} cases, {:.0f} cases/s, {} failure(s)", p.cases_done,
                    p.elapsed_s > 0 ? p.cases_done / p.elapsed_s : 0.0, p.failures);
    if (terminal) {
      fmt::print(stderr, "\r{}   ", line);
    } else {
      fmt::print(stderr, "{}\n", line);
    }
  };
  const properties::CampaignResult r = properties::run_campaign(c, progress);
  if (terminal) fmt::print(stderr, "\r");

  std::filesystem::create_directories(o.out);
  std::ofstream(std::filesystem::path(o.out) / "summary.json")
      << summary_json(c, r, library_failures).dump(2) << "\n";
  fmt::print("{} cases in {:.1f} s ({:.0f} cases/s), {} determinism re-runs; summary in {}\n",
             r.cases_run, r.elapsed_s, r.cases_per_s, r.determinism_checks,
             (std::filesystem::path(o.out) / "summary.json").string());
  for (const properties::CampaignFailure& f : r.failures) print_failure(f);
  const bool ok = r.ok() && library_failures == 0;
  fmt::print("{}\n", ok ? "all properties held" : "FAILED");
  return ok ? kExitPassed : kExitViolated;
}

int mutants_command(const MutantsCommandOptions& o) {
  std::vector<engine::Bug> bugs;
  for (const engine::BugInfo& info : engine::known_bugs()) {
    if (o.only.empty() ||
        std::find(o.only.begin(), o.only.end(), std::string(info.name)) != o.only.end()) {
      bugs.push_back(info.bug);
    }
  }
  if (!known_bug_names("mirrorsim mutants: --only", o.only)) return kExitBadInput;
  fmt::print("{:<28} {:<7} {:>7} {:>8}  {:<20} {:>8} {:>6} {:>10}\n", "bug", "caught", "cases",
             "seconds", "property", "requests", "faults", "disk");
  int escaped = 0;
  for (engine::Bug bug : bugs) {
    const engine::BugInfo& info = engine::bug_info(bug);
    properties::CampaignOptions c;
    c.seed = o.seed;
    c.cases = o.max_cases;
    c.time_budget_s = o.budget_s;
    c.jobs = o.jobs > 0 ? o.jobs : default_jobs();
    c.bugs = {std::string(info.name)};
    c.out_dir = o.out;
    c.shrink_budget_s = 15;
    const properties::CampaignResult r = properties::run_campaign(c);
    if (r.failures.empty()) {
      ++escaped;
      fmt::print("{:<28} {:<7} {:>7} {:>8.1f}\n", info.name, "ESCAPED", r.cases_run, r.elapsed_s);
      continue;
    }
    const properties::CampaignFailure& f = r.failures.front();
    fmt::print("{:<28} {:<7} {:>7} {:>8.2f}  {:<20} {:>8} {:>6} {:>10}\n", info.name, "yes",
               r.cases_run, r.elapsed_s, f.property, f.guest_requests, f.faults, f.disk_bytes);
    if (!f.replay_command.empty()) fmt::print("    replay: {}\n", f.replay_command);
  }
  fmt::print("{} of {} bugs caught\n", bugs.size() - static_cast<std::size_t>(escaped),
             bugs.size());
  return escaped == 0 ? kExitPassed : kExitViolated;
}

}  // namespace mirrorsim::cli
