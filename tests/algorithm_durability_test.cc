// The durability properties judge every algorithm, not only QEMU's job:
// with a volatile write cache on the target, each algorithm must flush
// before READY (where READY promises sync) and before the pivot, and the
// target's durable content at the pivot must equal the source. The swarm
// draws write caches in about a third of its cases; this pins the plain
// case for each algorithm, so the verdicts are judged (not "n/a").
#include <gtest/gtest.h>

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include "engine/algorithm.h"
#include "properties/run_report.h"
#include "properties/verdict.h"
#include "tests/algorithm_rig.h"

namespace mirrorsim {
namespace engine {
// Test names and listings show the algorithm's name, not a byte dump.
void PrintTo(Algorithm algorithm, std::ostream* os) {
  *os << algorithm_name(algorithm);
}
}  // namespace engine
namespace {

using namespace algorithm_rig;  // tests/algorithm_rig.h
using properties::VerdictStatus;

class AlgorithmDurability : public ::testing::TestWithParam<engine::Algorithm> {};

// The run of a cached target, told `action` at READY, that every named
// property judges and finds holding, and every other one too.
properties::RunReport run_cached(engine::Algorithm algorithm, scenarios::CommandKind action,
                                 std::initializer_list<std::string_view> judged) {
  scenarios::Scenario s =
      full_copy(std::string(engine::algorithm_name(algorithm)) + "-cached", algorithm);
  s.target.write_cache = true;
  s.workload = writes(2000, 20'000);
  s.commands = {command(action, scenarios::CommandTrigger::kOnReady, 2'000)};
  const properties::RunReport r = run(s);
  EXPECT_TRUE(r.job_started) << all_verdicts(r);
  for (std::string_view property : judged) {
    EXPECT_EQ(status_of(r, property), VerdictStatus::kHolds) << property << "\n" << all_verdicts(r);
  }
  expect_all_hold(r);
  return r;
}

TEST_P(AlgorithmDurability, AFlushedTargetHoldsTheSourceAtThePivot) {
  const properties::RunReport r =
      run_cached(GetParam(), scenarios::CommandKind::kComplete,
                 {properties::property::kCompletionEquality,
                  properties::property::kDurableCompletion, properties::property::kFlushProtocol});
  EXPECT_TRUE(r.job.pivoted) << all_verdicts(r);
}

// A cancel after READY ends like a completion without the pivot, flush
// included: the copy it leaves must survive a power loss at the end.
TEST_P(AlgorithmDurability, ACancelAfterReadyLeavesADurablePointInTimeCopy) {
  const properties::RunReport r =
      run_cached(GetParam(), scenarios::CommandKind::kCancel,
                 {properties::property::kPointInTimeCopy, properties::property::kDurableCompletion,
                  properties::property::kFlushProtocol});
  EXPECT_FALSE(r.job.pivoted) << all_verdicts(r);
}

INSTANTIATE_TEST_SUITE_P(EveryAlgorithm, AlgorithmDurability,
                         ::testing::Values(engine::Algorithm::kQemu, engine::Algorithm::kIoMirror,
                                           engine::Algorithm::kSnapshot,
                                           engine::Algorithm::kPrecopy),
                         [](const auto& info) {
                           std::string name(engine::algorithm_name(info.param));
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace mirrorsim
