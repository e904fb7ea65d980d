// The built-in scenario library (scenarios/library/*.toml): every file loads,
// runs with the correct engine, passes every property, and runs the same way
// twice (same event-log hash). One test per file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "properties/run_report.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "tests/scenario_file_param.h"

namespace mirrorsim {
namespace {

// The scenarios the library must hold at least (issue 5's list and a few
// more): a missing one fails LibraryScenarios.HoldsTheRequiredSet.
const std::vector<std::string> kRequired = {
    "cow-founding",
    "large-cluster-attached-backing",
    "small-buffer",
    "cluster-sized-buffer",
    "unaligned-length",
    "zero-length",
    "complete",
    "soft-cancel-after-ready",
    "forced-cancel",
    "pause-resume",
    "read-error-report",
    "read-error-ignore",
    "read-error-stop",
    "write-error-report",
    "write-error-ignore",
    "write-error-stop",
    "enospc-thin-target",
    "set-speed",
    "granularity-8k-10mib",
    "sync-top-small-base",
    "target-old-data-full",
    "write-blocking-heavy",
    "write-blocking-switch",
    "write-blocking-unaligned",
    "throttled-source-becomes-fast",
    "sync-none",
    "snapshot",
};

std::string violations(const properties::RunReport& report) {
  std::string out;
  for (const properties::Verdict& v : report.verdicts) {
    if (v.violated()) out += "\n  " + v.property + ": " + v.message;
  }
  return out;
}

using testing_support::ScenarioFileParam;

class LibraryScenario : public testing::TestWithParam<ScenarioFileParam> {};

TEST_P(LibraryScenario, PassesEveryPropertyTwiceWithTheSameHash) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const scenarios::Scenario scenario = scenarios::load_scenario(GetParam().file, load);

  // The file's own identity: named after the file, described in one line.
  EXPECT_EQ(scenario.name, GetParam().file.stem().string());
  EXPECT_FALSE(scenario.description.empty());
  EXPECT_EQ(scenario.description.find('\n'), std::string::npos);

  const properties::RunReport first = properties::run_scenario(scenario);
  EXPECT_TRUE(first.passed()) << first.outcome_line() << violations(first);
  EXPECT_TRUE(first.job_started) << first.start_error;
  EXPECT_TRUE(first.job.ended) << first.outcome_line();

  const properties::RunReport second = properties::run_scenario(scenario);
  EXPECT_EQ(first.sim.log_hash, second.sim.log_hash);
  EXPECT_EQ(first.sim.events, second.sim.events);
  EXPECT_EQ(first.outcome_line(), second.outcome_line());
}

INSTANTIATE_TEST_SUITE_P(
    Library, LibraryScenario,
    testing::ValuesIn(testing_support::scenario_file_params(scenarios::library_files())),
    testing_support::scenario_file_param_name);

TEST(LibraryScenarios, HoldsTheRequiredSet) {
  std::vector<std::string> present;
  for (const std::filesystem::path& file : scenarios::library_files()) {
    present.push_back(file.stem().string());
  }
  for (const std::string& name : kRequired) {
    EXPECT_NE(std::find(present.begin(), present.end(), name), present.end())
        << "scenarios/library/" << name << ".toml is missing";
  }
}

}  // namespace
}  // namespace mirrorsim
