#include <algorithm>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "cli/bug_flags.h"
#include "cli/campaign_output.h"
#include "cli/check_command.h"
#include "cli/exit_codes.h"
#include "cli/number_flags.h"
#include "engine/known_bugs.h"
#include "properties/campaign.h"
#include "properties/interrupt.h"

namespace mirrorsim::cli {
namespace {

// A bug's budget beyond a day is a typo.
constexpr double kMaxBudgetS = 24 * 3600;

}  // namespace

CLI::App* add_mutants_command(CLI::App& app, MutantsCommandOptions& o) {
  CLI::App* m = app.add_subcommand("mutants", "run the campaign against each known engine bug");
  m->add_option("--seed", o.seed, "campaign seed")->capture_default_str();
  m->add_option("--budget", o.budget_s, "seconds per bug before it counts as escaped")
      ->capture_default_str();
  m->add_option("--jobs", o.jobs, "worker processes (default: one per core)");
  m->add_option("--out", o.out, "folder for the shrunk reproductions")->capture_default_str();
  m->add_option("--only", o.only, "run only these bugs (repeatable)");
  m->add_option("--without", o.without,
                "switch a capability off in every case (repeatable): a swarm switch "
                "(`mirrorsim list swarm`) or 'spec' (the bounds oracle takes the "
                "engine's own limits), to see which bugs need it");
  return m;
}

int mutants_command(const MutantsCommandOptions& o) {
  const auto seed = parse_count_flag("mirrorsim mutants: --seed", o.seed, 0, UINT64_MAX);
  const auto budget = parse_seconds_flag("mirrorsim mutants: --budget", o.budget_s, kMaxBudgetS);
  const auto jobs = parse_jobs("mirrorsim mutants: --jobs", o.jobs);
  if (!seed || !budget || !jobs) return kExitBadInput;
  if (!known_bug_names("mirrorsim mutants: --only", o.only)) return kExitBadInput;
  try {
    properties::check_without(o.without);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "mirrorsim mutants: --without: {}\n", e.what());
    return kExitBadInput;
  }
  std::vector<engine::Bug> bugs;
  for (const engine::BugInfo& info : engine::known_bugs()) {
    if (o.only.empty() ||
        std::find(o.only.begin(), o.only.end(), std::string(info.name)) != o.only.end()) {
      bugs.push_back(info.bug);
    }
  }
  properties::install_interrupt_handlers();
  fmt::print("{:<28} {:<7} {:>7} {:>8}  {:<20} {:>8} {:>6} {:>10}\n", "bug", "caught", "cases",
             "catch_s", "property", "requests", "faults", "disk");
  if (!o.without.empty()) fmt::print("without: {}\n", fmt::join(o.without, ", "));
  int escaped = 0;
  std::vector<double> catch_seconds;
  for (engine::Bug bug : bugs) {
    const engine::BugInfo& info = engine::bug_info(bug);
    properties::CampaignOptions c;
    c.seed = *seed;
    c.cases = o.max_cases;
    c.time_budget_s = *budget;
    c.jobs = *jobs;
    c.bugs = {std::string(info.name)};
    // A bug in an algorithm's code shows only on that algorithm's runs: a
    // QEMU bug's campaign runs QEMU cases only, not the share of cases the
    // swarm gives the other algorithms.
    c.algorithm = engine::bug_algorithm(bug);
    c.without = o.without;
    c.out_dir = o.out;
    c.shrink_budget_s = 15;
    const properties::CampaignResult r = properties::run_campaign(c);
    if (r.interrupted()) {
      fmt::print("INTERRUPTED during {}\n", info.name);
      return kExitInterrupted;
    }
    if (r.failures.empty()) {
      ++escaped;
      fmt::print("{:<28} {:<7} {:>7} {:>8.1f}\n", info.name, "ESCAPED", r.cases_run, r.elapsed_s);
      continue;
    }
    const properties::CampaignFailure& f = r.failures.front();
    const double to_catch = r.first_failure_s.value_or(r.elapsed_s);
    catch_seconds.push_back(to_catch);
    fmt::print("{:<28} {:<7} {:>7} {:>8.2f}  {:<20} {:>8} {:>6} {:>10}\n", info.name, "yes",
               r.cases_run, to_catch, f.property, f.guest_requests, f.faults, f.disk_bytes);
    if (!f.replay_command.empty()) fmt::print("    replay: {}\n", f.replay_command);
  }
  fmt::print("{} of {} bugs caught", bugs.size() - static_cast<std::size_t>(escaped), bugs.size());
  if (!catch_seconds.empty()) {
    // The campaign's wall time to the first failure, shrinking not included.
    std::sort(catch_seconds.begin(), catch_seconds.end());
    const std::size_t n = catch_seconds.size();
    const double median =
        n % 2 == 1 ? catch_seconds[n / 2] : (catch_seconds[n / 2 - 1] + catch_seconds[n / 2]) / 2;
    fmt::print("; median time to catch {:.2f} s", median);
  }
  fmt::print("\n");
  return escaped == 0 ? kExitPassed : kExitBugEscaped;
}

}  // namespace mirrorsim::cli
