#include "engine/job_commands.h"

#include <string>

namespace mirrorsim::engine {

void JobCommands::request_complete(JobState s) {
  if (s != JobState::kReady && s != JobState::kStandby) {
    throw JobCommandError("complete: the job is " + std::string(state_name(s)) +
                          "; complete needs ready or standby");
  }
  complete_requested = true;
}

void JobCommands::request_cancel(JobState s, bool ended, bool force, bool ready) {
  if (s == JobState::kConcluded || s == JobState::kNull || s == JobState::kAborting || ended) {
    throw JobCommandError("cancel: the job is " + std::string(state_name(s)));
  }
  cancel_requested = true;
  if (force || !ready) force_cancel = true;
  if (user_paused) {
    user_paused = false;
    pause_count = 0;
  }
}

void JobCommands::request_pause(JobState s) {
  if (s != JobState::kRunning && s != JobState::kReady && s != JobState::kCreated &&
      s != JobState::kPaused && s != JobState::kStandby) {
    throw JobCommandError("pause: the job is " + std::string(state_name(s)));
  }
  if (user_paused) throw JobCommandError("pause: the job is paused already");
  user_paused = true;
  ++pause_count;
}

bool JobCommands::request_resume() {
  if (!user_paused) throw JobCommandError("resume: the job is not paused");
  user_paused = false;
  --pause_count;
  return pause_count == 0;
}

void check_set_speed(std::int64_t bytes_per_s, bool ended) {
  if (bytes_per_s < 0) {
    throw JobCommandError("set-speed: " + std::to_string(bytes_per_s) +
                          " is negative; allowed: 0 (unlimited) or bytes per second");
  }
  if (ended) throw JobCommandError("set-speed: the job has ended");
}

}  // namespace mirrorsim::engine
