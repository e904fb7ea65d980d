// tests/data/scenario_full.toml, the reference that sets every section, is
// a real run: it loads with the engine's own bug catalogue (a stale bug name
// fails here), and every section does something while the job runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/job_observer.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim {
namespace {

const std::filesystem::path kFull =
    std::filesystem::path(__FILE__).parent_path() / "data" / "scenario_full.toml";

class FullReference : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenario_ = new scenarios::Scenario(scenarios::load_scenario(kFull, load));
    report_ = new properties::RunReport(properties::run_scenario(*scenario_));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete scenario_;
  }

  // The accepted commands whose action starts with `action`.
  static std::size_t accepted(const std::string& action) {
    return static_cast<std::size_t>(
        std::count_if(report_->commands.begin(), report_->commands.end(),
                      [&](const properties::CommandRecord& c) {
                        return c.accepted && c.action.starts_with(action);
                      }));
  }

  static std::size_t errors(const std::string& operation) {
    return static_cast<std::size_t>(std::count_if(
        report_->events.begin(), report_->events.end(), [&](const engine::JobEvent& e) {
          return e.kind == engine::JobEventKind::kError && e.operation == operation;
        }));
  }

  static const scenarios::Scenario* scenario_;
  static const properties::RunReport* report_;
};

const scenarios::Scenario* FullReference::scenario_ = nullptr;
const properties::RunReport* FullReference::report_ = nullptr;

TEST_F(FullReference, SetsEverySection) {
  const scenarios::Scenario& s = *scenario_;
  EXPECT_FALSE(s.name.empty());
  EXPECT_FALSE(s.description.empty());
  EXPECT_NE(s.limits, scenarios::Limits{});
  EXPECT_TRUE(s.base.has_value());
  EXPECT_NE(s.source, scenarios::DiskSpec{});
  EXPECT_NE(s.target, scenarios::DiskSpec{});
  EXPECT_TRUE(std::holds_alternative<sim::WorkloadParams>(s.workload));
  EXPECT_FALSE(std::get<sim::WorkloadParams>(s.workload).phases.empty());
  EXPECT_EQ(s.faults.size(), 2u);
  // One command of every kind but the two cancels (a cancel would end the
  // job before the others; the library has scenarios for both).
  for (scenarios::CommandKind kind :
       {scenarios::CommandKind::kComplete, scenarios::CommandKind::kPause,
        scenarios::CommandKind::kResume, scenarios::CommandKind::kSetSpeed,
        scenarios::CommandKind::kWriteBlocking}) {
    EXPECT_TRUE(std::any_of(s.commands.begin(), s.commands.end(),
                            [kind](const scenarios::Command& c) { return c.kind == kind; }))
        << scenarios::name_of(kind);
  }
}

TEST_F(FullReference, EveryPropertyHolds) {
  const properties::RunReport& r = *report_;
  for (const properties::Verdict& v : r.verdicts) {
    EXPECT_FALSE(v.violated()) << v.property << ": " << v.message;
  }
  EXPECT_TRUE(r.job_started) << r.start_error;
  EXPECT_TRUE(r.job.ever_ready);
  EXPECT_TRUE(r.job.success);
  EXPECT_TRUE(r.job.pivoted);
}

TEST_F(FullReference, EveryCommandLandsWhileTheJobRuns) {
  EXPECT_EQ(accepted("pause"), 1u);
  EXPECT_GE(accepted("resume"), 1u);
  EXPECT_EQ(accepted("write-blocking"), 1u);
  EXPECT_EQ(accepted("set-speed"), 1u);
  EXPECT_EQ(accepted("complete"), 1u);
  // Each lands before the job ends, and the speed change before READY.
  engine::TimeNs ready = 0;
  engine::TimeNs end = 0;
  for (const engine::JobEvent& e : report_->events) {
    if (e.kind == engine::JobEventKind::kReady) ready = e.time;
    if (e.kind == engine::JobEventKind::kCompleted) end = e.time;
  }
  ASSERT_GT(ready, 0);
  for (const properties::CommandRecord& c : report_->commands) {
    EXPECT_LT(c.time, end) << c.action;
    if (c.action.starts_with("set-speed")) {
      EXPECT_LT(c.time, ready);
    }
  }
}

TEST_F(FullReference, TheGuestWritesAndBothFaultsFire) {
  EXPECT_GT(report_->guest_requests, 100u);
  EXPECT_GT(report_->faults_injected, 0u);
  EXPECT_GE(errors("read"), 1u) << "the source fault never reached the job";
  EXPECT_GE(errors("write"), 1u) << "the target fault never reached the job";
  EXPECT_GT(report_->metrics.bytes_written, 0u);
}

}  // namespace
}  // namespace mirrorsim
