// Replays the regression corpus (scenarios/regressions/): shrunk failures
// that were real engine or simulator bugs. Each must now pass every property.
#include <gtest/gtest.h>

#include <string>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim {
namespace {

class Regression : public testing::TestWithParam<std::filesystem::path> {};

TEST_P(Regression, PassesEveryPropertyAndReplaysExactly) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const scenarios::Scenario s = scenarios::load_scenario(GetParam(), load);
  const properties::RunReport first = properties::run_scenario(s);
  for (const properties::Verdict& v : first.verdicts) {
    EXPECT_FALSE(v.violated()) << v.property << ": " << v.message;
  }
  EXPECT_TRUE(first.job.ended) << first.outcome_line();
  const properties::RunReport second = properties::run_scenario(s);
  EXPECT_EQ(first.sim.log_hash, second.sim.log_hash);
}

std::string test_name(const testing::TestParamInfo<std::filesystem::path>& info) {
  std::string name = info.param.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, Regression, testing::ValuesIn(scenarios::regression_files()),
                         test_name);

TEST(RegressionCorpus, IsNotEmpty) {
  EXPECT_GE(scenarios::regression_files().size(), 5u);
}

}  // namespace
}  // namespace mirrorsim
