// Replays the regression corpus (scenarios/regressions/): shrunk failures
// that were real engine or simulator bugs. Each must now pass every property.
#include <gtest/gtest.h>

#include <string>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "tests/scenario_file_param.h"

namespace mirrorsim {
namespace {

using testing_support::ScenarioFileParam;

class Regression : public testing::TestWithParam<ScenarioFileParam> {};

TEST_P(Regression, PassesEveryPropertyAndReplaysExactly) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const scenarios::Scenario s = scenarios::load_scenario(GetParam().file, load);
  const properties::RunReport first = properties::run_scenario(s);
  for (const properties::Verdict& v : first.verdicts) {
    EXPECT_FALSE(v.violated()) << v.property << ": " << v.message;
  }
  EXPECT_TRUE(first.job.ended) << first.outcome_line();
  const properties::RunReport second = properties::run_scenario(s);
  EXPECT_EQ(first.sim.log_hash, second.sim.log_hash);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, Regression,
    testing::ValuesIn(testing_support::scenario_file_params(scenarios::regression_files())),
    testing_support::scenario_file_param_name);

TEST(RegressionCorpus, IsNotEmpty) {
  EXPECT_GE(scenarios::regression_files().size(), 5u);
}

}  // namespace
}  // namespace mirrorsim
