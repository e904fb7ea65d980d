// The state-machine property on hand-made event streams: what MIRROR.md
// allows and what it forbids ("READY never goes back to RUNNING"; nothing
// but the move to null after the end event).
#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "properties/oracles.h"

namespace mirrorsim::properties {
namespace {

using engine::JobEvent;
using engine::JobEventKind;
using engine::JobState;

JobEvent state(JobState s) {
  JobEvent e;
  e.kind = JobEventKind::kStateChange;
  e.state = s;
  return e;
}

JobEvent event(JobEventKind kind) {
  JobEvent e;
  e.kind = kind;
  return e;
}

Verdict judge(std::initializer_list<JobEvent> events) {
  RunFacts facts;
  facts.job_started = true;
  facts.complete_accepted = true;
  facts.events = events;
  return check_state_machine(facts);
}

const JobEvent kRunning = state(JobState::kRunning);
const JobEvent kReady = state(JobState::kReady);
const JobEvent kReadyEvent = event(JobEventKind::kReady);
const JobEvent kStandby = state(JobState::kStandby);

TEST(StateMachineOracle, ACompleteRunHolds) {
  const Verdict v =
      judge({kRunning, kReady, kReadyEvent, kStandby, kReady, state(JobState::kWaiting),
             state(JobState::kPending), state(JobState::kConcluded),
             event(JobEventKind::kCompleted), state(JobState::kNull)});
  EXPECT_EQ(v.status, VerdictStatus::kHolds) << v.message;
}

TEST(StateMachineOracle, ReadyToRunningIsAnIllegalTransition) {
  const Verdict v = judge({kRunning, kReady, kReadyEvent, kRunning});
  EXPECT_EQ(v.status, VerdictStatus::kViolated);
  EXPECT_NE(v.message.find("illegal transition ready -> running"), std::string::npos) << v.message;
}

// A legal move (running -> paused) is still wrong once READY was emitted.
TEST(StateMachineOracle, PausedAfterTheReadyEventIsViolated) {
  const Verdict v = judge({kRunning, kReadyEvent, state(JobState::kPaused)});
  EXPECT_EQ(v.status, VerdictStatus::kViolated);
  EXPECT_NE(v.message.find("back to paused"), std::string::npos) << v.message;
}

TEST(StateMachineOracle, OnlyTheMoveToNullMayFollowTheEndEvent) {
  const Verdict v = judge({kRunning, kReady, kReadyEvent, state(JobState::kWaiting),
                           state(JobState::kPending), state(JobState::kConcluded),
                           event(JobEventKind::kCompleted), kReadyEvent, state(JobState::kNull)});
  EXPECT_EQ(v.status, VerdictStatus::kViolated);
  EXPECT_NE(v.message.find("after the job ended"), std::string::npos) << v.message;
}

}  // namespace
}  // namespace mirrorsim::properties
