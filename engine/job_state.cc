#include "engine/job_state.h"

#include <string>

#include "engine/invariant.h"

namespace mirrorsim::engine {

std::string_view state_name(JobState state) {
  switch (state) {
    case JobState::kCreated:
      return "created";
    case JobState::kRunning:
      return "running";
    case JobState::kPaused:
      return "paused";
    case JobState::kReady:
      return "ready";
    case JobState::kStandby:
      return "standby";
    case JobState::kWaiting:
      return "waiting";
    case JobState::kPending:
      return "pending";
    case JobState::kAborting:
      return "aborting";
    case JobState::kConcluded:
      return "concluded";
    case JobState::kNull:
      return "null";
  }
  return "unknown";
}

bool is_legal_transition(JobState from, JobState to) {
  using S = JobState;
  switch (from) {
    case S::kCreated:
      return to == S::kRunning || to == S::kAborting || to == S::kNull;
    case S::kRunning:
      return to == S::kPaused || to == S::kReady || to == S::kWaiting || to == S::kAborting;
    case S::kPaused:
      return to == S::kRunning;
    case S::kReady:
      return to == S::kStandby || to == S::kWaiting || to == S::kAborting;
    case S::kStandby:
      return to == S::kReady;
    case S::kWaiting:
      return to == S::kPending || to == S::kAborting;
    case S::kPending:
      return to == S::kAborting || to == S::kConcluded;
    case S::kAborting:
      return to == S::kConcluded;
    case S::kConcluded:
      return to == S::kNull;
    case S::kNull:
      return false;
  }
  return false;
}

void JobStateMachine::transition(JobState to) {
  MIRRORSIM_ASSERT(is_legal_transition(state_, to), "illegal job transition " +
                                                        std::string(state_name(state_)) + " -> " +
                                                        std::string(state_name(to)));
  state_ = to;
}

}  // namespace mirrorsim::engine
