// The job state machine (QEMU's job states), with its legal transitions.
//
//   created  -> running, aborting, null
//   running  -> paused, ready, waiting, aborting
//   paused   -> running
//   ready    -> standby, waiting, aborting
//   standby  -> ready
//   waiting  -> pending, aborting
//   pending  -> aborting, concluded
//   aborting -> concluded
//   concluded -> null
//
// Any other transition is an engine bug: JobStateMachine::transition throws
// InvariantViolation for it.
#pragma once

#include <cstdint>
#include <string_view>

namespace mirrorsim::engine {

enum class JobState : std::uint8_t {
  kCreated,
  kRunning,
  kPaused,
  kReady,
  kStandby,
  kWaiting,
  kPending,
  kAborting,
  kConcluded,
  kNull,
};

std::string_view state_name(JobState state);
bool is_legal_transition(JobState from, JobState to);

class JobStateMachine {
 public:
  JobState state() const { return state_; }
  // REQUIRES: is_legal_transition(state(), to); otherwise throws.
  void transition(JobState to);

 private:
  JobState state_ = JobState::kCreated;
};

}  // namespace mirrorsim::engine
