#include "cli/check_command.h"

#include <unistd.h>

#include <sstream>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "cli/bug_flags.h"
#include "cli/campaign_output.h"
#include "cli/exit_codes.h"
#include "cli/number_flags.h"
#include "properties/atomic_file.h"
#include "properties/campaign.h"
#include "properties/interrupt.h"
#include "reports/junit.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::cli {
namespace {

constexpr std::uint64_t kDefaultCases = 2000;
// A campaign budget beyond a week is a typo.
constexpr double kMaxTimeBudgetS = 7 * 24 * 3600;

// A wall-clock flag such as "60s" or "5m", in seconds, at most 7 days (and
// above zero unless `zero_ok`); else prints the one-line error and gives none.
std::optional<double> parse_duration_flag(std::string_view flag, const std::string& text,
                                          std::string_view examples, bool zero_ok) {
  const scenarios::Quantity t = scenarios::parse_time_text(text);
  const double seconds = static_cast<double>(t.value) / 1e6;
  if (t.status != scenarios::Quantity::Status::kOk || (t.value == 0 && !zero_ok) ||
      seconds > kMaxTimeBudgetS) {
    fmt::print(stderr,
               "mirrorsim check: {}: '{}' is not a duration such as {} (at most 7 days{})\n", flag,
               text, examples, zero_ok ? "; 0s: none" : "");
    return std::nullopt;
  }
  return seconds;
}

// Whether `check` (which throws std::invalid_argument naming the bad one)
// accepts the names given to `flag`; prints why not.
bool valid_names(std::string_view flag, void (*check)(std::span<const std::string>),
                 const std::vector<std::string>& names) {
  try {
    check(names);
    return true;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "mirrorsim check: {}: {}\n", flag, e.what());
    return false;
  }
}

// Reads the flags into campaign options; prints why and returns nothing on bad input.
std::optional<properties::CampaignOptions> campaign_options(const CheckCommandOptions& o) {
  properties::CampaignOptions c;
  const auto seed = parse_count_flag("mirrorsim check: --seed", o.seed, 0, UINT64_MAX);
  const auto jobs = parse_jobs("mirrorsim check: --jobs", o.jobs);
  if (!seed || !jobs) return std::nullopt;
  c.seed = *seed;
  c.jobs = *jobs;
  if (!known_bug_names("mirrorsim check: --bug", o.bugs)) return std::nullopt;
  c.bugs = o.bugs;
  const std::optional<engine::Profile> profile = parse_profile_flag("mirrorsim check", o.profile);
  if (!profile) return std::nullopt;
  c.profile = *profile;
  if (!valid_names("--skip-property", properties::check_set_aside, o.skip_properties) ||
      !valid_names("--without", properties::check_without, o.without)) {
    return std::nullopt;
  }
  c.set_aside = o.skip_properties;
  c.without = o.without;
  if (!o.algorithm.empty()) {
    c.algorithm = engine::parse_algorithm(o.algorithm);
    if (!c.algorithm) {
      fmt::print(stderr,
                 "mirrorsim check: --algorithm: '{}' is not an algorithm; known algorithms: qemu, "
                 "io-mirror, snapshot, precopy\n",
                 o.algorithm);
      return std::nullopt;
    }
  }
  unsigned k = 0, n = 0;
  char slash = 0;
  std::istringstream shard(o.shard);
  if (o.shard.find_first_not_of("0123456789/") != std::string::npos ||
      !(shard >> k >> slash >> n) || slash != '/' || n == 0 || k >= n || !shard.eof() ||
      n > 1'000'000) {
    fmt::print(stderr, "mirrorsim check: --shard: '{}' is not K/N with 0 <= K < N <= 1000000\n",
               o.shard);
    return std::nullopt;
  }
  c.shard_index = k;
  c.shard_count = n;
  if (!o.time.empty()) {
    const auto seconds = parse_duration_flag("--time", o.time, "60s or 5m", false);
    if (!seconds) return std::nullopt;
    c.time_budget_s = *seconds;
  }
  // Zero is allowed: the failure is saved as generated, unshrunk.
  const auto shrink_s = parse_duration_flag("--shrink-time", o.shrink_time, "20s or 2m", true);
  if (!shrink_s) return std::nullopt;
  c.shrink_budget_s = *shrink_s;
  // --time alone runs until the time is up; --cases alone, or with --time,
  // runs at most that many.
  c.cases = kDefaultCases;
  if (!o.cases.empty()) {
    const auto cases =
        parse_count_flag("mirrorsim check: --cases", o.cases, 0, properties::kMaxCampaignCases);
    if (!cases) return std::nullopt;
    c.cases = *cases;
  } else if (c.time_budget_s) {
    c.cases.reset();
  }
  c.out_dir = o.out;
  c.run_library = !o.no_library && k == 0;
  if (!o.no_corpus) {
    const std::vector<std::string> dirs =
        o.corpus.empty() ? std::vector<std::string>{o.out + "/failures"} : o.corpus;
    for (const std::string& dir : dirs) {
      for (const auto& file : properties::corpus_files(dir)) c.corpus.push_back(file);
    }
  }
  return c;
}

std::string describe_plan(const properties::CampaignOptions& c) {
  std::string what;
  if (c.cases) {
    what = c.shard_count == 1 ? fmt::format("{} cases", *c.cases)
                              : fmt::format("cases i < {} with i % {} == {}", *c.cases,
                                            c.shard_count, c.shard_index);
  } else {
    what = c.shard_count == 1 ? std::string("cases until the time is up")
                              : fmt::format("cases i % {} == {} until the time is up",
                                            c.shard_count, c.shard_index);
  }
  if (c.time_budget_s) what += fmt::format(", at most {:g} s", *c.time_budget_s);
  return fmt::format(
             "mirrorsim check: seed {}, shard {}/{}, {} worker(s), {}, profile {}{}{}", c.seed,
             c.shard_index, c.shard_count, c.jobs, what, engine::profile_name(c.profile),
             c.algorithm ? ", algorithm " + std::string(engine::algorithm_name(*c.algorithm))
                         : std::string(),
             c.bugs.empty() ? "" : ", with" + bug_flags(c.bugs)) +
         (c.set_aside.empty() ? "" : fmt::format(", set aside: {}", fmt::join(c.set_aside, ", "))) +
         (c.without.empty() ? "" : fmt::format(", without: {}", fmt::join(c.without, ", ")));
}

// A status line on a terminal, redrawn in place; nothing when not a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on) {}
  ~ProgressLine() { clear(); }
  void show(const properties::CampaignProgress& p) {
    if (!on_) return;
    std::string line = fmt::format("{} cases, {:.0f} cases/s, {} failure(s)", p.cases_done,
                                   p.elapsed_s > 0 ? p.cases_done / p.elapsed_s : 0.0, p.failures);
    if (p.seconds_left) line += fmt::format(", {:.0f} s left", *p.seconds_left);
    fmt::print(stderr, "\r{:<70}", line);
    shown_ = true;
  }
  void clear() {
    if (shown_) fmt::print(stderr, "\r{:<70}\r", "");
    shown_ = false;
  }

 private:
  bool on_;
  bool shown_ = false;
};

void print_failure(const properties::CampaignFailure& f) {
  if (f.source == "library") return;  // printed with the library
  fmt::print("FAILED case {}: {}: {}\n", f.case_index.value_or(0), f.property, f.message);
  if (f.shrink_steps > 0 || f.shrunk) {
    fmt::print(
        "  shrunk in {} steps ({:.1f} s{}) to {} guest request(s), {} fault(s), a "
        "{}-byte disk\n",
        f.shrink_steps, f.shrink_s, f.shrunk ? "" : ", stopped early", f.guest_requests, f.faults,
        f.disk_bytes);
  } else if (f.shrink_began) {
    // An interrupt or the time budget came before the first smaller case:
    // say so, or the saved case would pass for a shrunk one.
    fmt::print("  not shrunk (stopped before its first step, {:.1f} s): saved as generated\n",
               f.shrink_s);
  }
  if (!f.replay_command.empty()) fmt::print("  replay: {}\n", f.replay_command);
  if (!f.unshrunk_file.empty() && f.unshrunk_file != f.file) {
    fmt::print("  unshrunk: {}\n", f.unshrunk_file.string());
  }
}

// Truthful to the last case: a bounded campaign that ended normally ran
// every case of its shard.
bool lost_cases(const properties::CampaignOptions& c, const properties::CampaignResult& r) {
  const std::optional<std::uint64_t> expected = properties::shard_case_count(c);
  return expected && r.stop == properties::CampaignStop::kAllCasesRun && r.cases_run != *expected;
}

}  // namespace

CLI::App* add_check_command(CLI::App& app, CheckCommandOptions& o) {
  CLI::App* c = app.add_subcommand("check", "run the property campaign (the main job)");
  c->add_option("--cases", o.cases,
                "generated cases in all (default 2000; with --shard, the total over all shards)");
  c->add_option("--time", o.time, "wall-clock budget, e.g. 60s or 5m (alone: run until then)");
  c->add_option("--shrink-time", o.shrink_time,
                "wall clock for shrinking the first failure, e.g. 20s or 2m (0s: save it "
                "unshrunk)")
      ->capture_default_str();
  c->add_option("--seed", o.seed, "campaign seed")->capture_default_str();
  c->add_option("--jobs", o.jobs, "worker processes (default: one per core)");
  c->add_option("--shard", o.shard, "K/N: run the cases i with i % N == K")->capture_default_str();
  c->add_option("--bug", o.bugs, "re-create a known engine bug in every case (repeatable)");
  c->add_option("--profile", o.profile,
                "engine profile of every generated case: \"default\" or \"qemu-7.2\"")
      ->capture_default_str();
  c->add_option("--skip-property", o.skip_properties,
                "count this property's violations as not applicable (repeatable): hunt past a "
                "failure already known, e.g. bounds under --profile qemu-7.2");
  c->add_option("--without", o.without,
                "switch a capability off in every case (repeatable), as `mutants --without` does: "
                "a swarm switch (`mirrorsim list swarm`) or 'spec'");
  c->add_option("--algorithm", o.algorithm,
                "every generated case runs this algorithm: \"qemu\", \"io-mirror\", \"snapshot\" "
                "or \"precopy\" "
                "(default: drawn per case, mostly qemu)");
  c->add_option("--out", o.out, "folder for failures/ and summary.json")->capture_default_str();
  c->add_option("--junit", o.junit, "also write a JUnit XML report to this file");
  c->add_option("--corpus", o.corpus,
                "saved failures to re-run first (default: OUT/failures; repeatable)");
  c->add_flag("--no-corpus", o.no_corpus, "do not re-run saved failures");
  c->add_flag("--no-library", o.no_library, "skip the built-in scenario library");
  c->add_flag("--no-progress", o.no_progress, "no progress line on a terminal");
  return c;
}

int check_command(const CheckCommandOptions& o) {
  const std::optional<properties::CampaignOptions> options = campaign_options(o);
  if (!options) return kExitBadInput;
  const properties::CampaignOptions& c = *options;
  // Prove the outputs can be written before spending time, and leave a
  // summary that says "running" until the real one replaces it: a campaign
  // killed outright never leaves an old or empty summary that reads as a pass.
  try {
    properties::probe_writable_directory(c.out_dir);
    nlohmann::json running =
        reports::campaign_summary(c, properties::CampaignResult{}, summary_context(o.command_line));
    running["stop"] = "running";
    running["ok"] = false;
    properties::write_file_atomically(std::filesystem::path(o.out) / "summary.json",
                                      running.dump(2) + "\n");
    if (!o.junit.empty()) {
      properties::write_file_atomically(o.junit, reports::junit_xml(running));
    }
  } catch (const properties::FileWriteError& e) {
    fmt::print(stderr, "mirrorsim check: --{}: {}\n", o.junit.empty() ? "out" : "out/--junit",
               e.what());
    return kExitBadInput;
  }
  properties::install_interrupt_handlers();
  fmt::print("{}\n", describe_plan(c));
  if (!c.corpus.empty()) {
    fmt::print("failure database: re-running {} saved failure(s) first\n", c.corpus.size());
  }

  ProgressLine progress(!o.no_progress && ::isatty(STDERR_FILENO) != 0);
  properties::CampaignHooks hooks;
  hooks.progress = [&](const properties::CampaignProgress& p) { progress.show(p); };
  hooks.note = [&](const std::string& line) {
    progress.clear();
    fmt::print("{}\n", line);
  };
  const properties::CampaignResult r = properties::run_campaign(c, hooks);
  progress.clear();

  for (const properties::CampaignFailure& f : r.failures) print_failure(f);
  fmt::print(
      "{} cases in {:.1f} s ({:.0f} cases/s), {} determinism re-runs, {} inconclusive, "
      "{} not converged (outrun by the guest), {} trace never reached, stopped: {}\n",
      r.cases_run, r.elapsed_s, r.cases_per_s, r.determinism_checks, r.inconclusive_cases,
      r.not_converged_cases, r.trace_never_reached_cases, properties::campaign_stop_name(r.stop));
  const bool lost = lost_cases(c, r);
  if (lost) fmt::print("INTERNAL ERROR: cases were lost (ran {})\n", r.cases_run);
  nlohmann::json summary = reports::campaign_summary(c, r, summary_context(o.command_line));
  if (lost) summary["ok"] = false;
  const bool written = write_campaign_files(summary, o.out, o.junit, "mirrorsim check");

  // The code comes from the summary, as `merge`'s does (exit_codes.h).
  const int code = summary_exit_code(summary);
  if (code == kExitInterrupted) {
    fmt::print("INTERRUPTED by signal {}: the summary holds what ran\n", r.interrupt_signal);
    return code;
  }
  if (const auto kind = reports::summary_failure_kind(summary)) {
    fmt::print("FAILED: {} (exit {})\n", properties::failure_kind_name(*kind), code);
    return code;
  }
  if (code == kExitBadInput) {
    fmt::print("FAILED: a saved failure does not load (exit {})\n", code);
    return code;
  }
  if (r.stop == properties::CampaignStop::kTooManyWorkerDeaths) {
    fmt::print("FAILED: the campaign lost too many workers (exit {})\n", code);
  }
  if (code != kExitPassed) return code;
  if (!written) return kExitInternal;
  fmt::print("all properties held\n");
  return kExitPassed;
}

}  // namespace mirrorsim::cli
