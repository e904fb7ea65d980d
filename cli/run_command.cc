#include "cli/run_command.h"

#include <fstream>
#include <iostream>
#include <stdexcept>

#include <fmt/core.h>

#include "cli/bug_flags.h"
#include "cli/exit_codes.h"
#include "cli/input_errors.h"
#include "engine/known_bugs.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/run_metrics_text.h"
#include "reports/run_text.h"
#include "reports/timeline.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_overrides.h"
#include "sim/guest/trace.h"

namespace mirrorsim::cli {

CLI::App* add_run_command(CLI::App& app, RunCommandOptions& o) {
  CLI::App* run = app.add_subcommand("run", "run one scenario file and check its properties");
  run->add_option("file", o.file, "scenario file (TOML)")->required();
  run->add_option("--seed", o.seed, "run seed (overrides the file's)");
  run->add_option("--bug", o.bugs, "re-create a known engine bug (repeatable; see `list bugs`)");
  run->add_option("--profile", o.profile,
                  "engine profile: \"default\" or \"qemu-7.2\" (overrides [mirror] profile)");
  run->add_option("--trace", o.trace_path, "write a Chrome trace-event timeline (Perfetto)");
  run->add_option("--set", o.overrides,
                  "KEY=VALUE: set a scenario key, e.g. target.cluster_bytes=1MiB (repeatable)");
  run->add_flag("--json", o.json, "print the report as JSON");
  run->add_flag("--quiet", o.quiet, "print only the outcome and the verdicts");
  run->add_flag("--check-determinism", o.check_determinism,
                "run twice and fail (exit 7) when the event-log hashes differ");
  run->footer(
      "Exit codes: 0 passed (every property held; this includes a job outrun by its guest in\n"
      "background mode, reported as `outcome: not converged (outrun by the guest)`), 1\n"
      "correctness property violated, 2 bad input, 4 inconclusive (the run hit its limit while\n"
      "the job was still progressing: raise [limits]), 5 liveness failure (a stall: no\n"
      "progress, or nothing copied), 6 crash, 7 determinism mismatch.");
  return run;
}

int run_command(const RunCommandOptions& o) {
  if (!known_bug_names("mirrorsim run: --bug", o.bugs)) return kExitBadInput;
  std::optional<engine::Profile> profile;  // none: the file's own
  if (!o.profile.empty()) {
    profile = parse_profile_flag("mirrorsim run", o.profile);
    if (!profile) return kExitBadInput;
  }
  scenarios::Scenario scenario;
  const bool loaded = read_user_input("run", "", [&] {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    for (const std::string& text : o.overrides)
      load.overrides.push_back(scenarios::parse_override(text));  // names its --set
    scenario = scenarios::load_scenario(o.file, load);
  });
  if (!loaded) return kExitBadInput;

  if (profile) scenario.mirror.profile = *profile;

  properties::RunOptions run_options;
  run_options.seed = o.seed;
  run_options.extra_bugs = o.bugs;
  run_options.retain_log = !o.trace_path.empty();
  const std::uint64_t seed = o.seed.value_or(scenario.seed);

  std::vector<std::string> bugs = scenario.mirror.bugs;
  bugs.insert(bugs.end(), o.bugs.begin(), o.bugs.end());
  if (!o.json && !o.quiet) std::cout << reports::describe_setup(scenario, seed, bugs) << std::flush;

  properties::RunReport report;
  const bool ran = read_user_input("run", o.file, [&] {
    report = properties::run_scenario(scenario, run_options);
    if (o.check_determinism) {
      report.verdicts.push_back(
          properties::determinism_verdict(report, properties::run_scenario(scenario, run_options)));
    }
  });
  if (!ran) return kExitBadInput;

  if (!o.trace_path.empty()) {
    std::ofstream out(o.trace_path);
    if (!out) {
      fmt::print(stderr, "mirrorsim run: --trace: cannot write {}\n", o.trace_path);
      return kExitBadInput;
    }
    out << reports::timeline_json(report).dump() << "\n";
  }
  if (o.json) {
    nlohmann::json j = reports::report_json(report);
    scenarios::Scenario inputs = scenario;
    inputs.seed = seed;  // --seed wins over the file's
    j["inputs"] = reports::scenario_json(inputs);
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (o.quiet ? reports::describe_verdicts(report) : reports::describe_report(report));
    if (!report.passed()) {
      std::cout << fmt::format("replay: mirrorsim run {} --seed {}", o.file, seed);
      std::cout << bug_flags(o.bugs);
      if (!o.profile.empty()) std::cout << " --profile " << o.profile;
      std::cout << (o.check_determinism ? " --check-determinism\n" : "\n");
    } else if (report.inconclusive() != nullptr) {
      std::cout << fmt::format(
          "inconclusive: the run hit its limit while still making progress; raise [limits] "
          "max_time_us / max_events in {} to let it finish\n",
          o.file);
    }
  }
  // Not a failure, but the run did not test what the trace describes.
  for (const std::string& warning : report.warnings()) {
    fmt::print(stderr, "mirrorsim run: warning: {}: {}\n", o.file, warning);
  }
  // Not a failure either, but the guest did not make the arrivals it was asked for.
  if (const std::string cap = reports::guest_cap_warning(report.run_metrics); !cap.empty()) {
    fmt::print(stderr, "mirrorsim run: warning: {}: {}\n", o.file, cap);
  }
  // Several violated properties: the most severe kind gives the code.
  if (const auto kind = properties::failure_kind(report.verdicts)) return exit_code_of(*kind);
  return report.inconclusive() != nullptr ? kExitInconclusive : kExitPassed;
}

}  // namespace mirrorsim::cli
