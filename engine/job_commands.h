// What the mirror job has been asked to do and has not yet done: the state
// its commands (MirrorJob::complete, cancel, pause, resume,
// switch_to_write_blocking) leave for the job's task to act on. set-speed
// goes to the rate limiter, which owns the speed.
//
// Invariants (the job keeps them; a command changes several fields at once):
//  1. force_cancel implies cancel_requested.
//  2. pause_count >= 0, and pause_count > 0 while user_paused. A stop on
//     error pauses like pause() does (user_paused), so resume() undoes it;
//     only Bug::kStopPausesPerOp counts several stops, which one resume()
//     cannot undo.
//  3. copy_mode only ever changes from background to write-blocking.
//
// A cancel undoes a pause taken by pause() or a stop (user_paused), so a
// paused job can end.
//
// A value: the job holds one, and a test may build one. Its request_*
// functions are the verbs' rules every algorithm shares (QEMU's job verb
// table): each throws JobCommandError when the job's state forbids the
// command, else records it; the job then wakes what must act on it.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "engine/job_state.h"
#include "engine/mirror_params.h"

namespace mirrorsim::engine {

// A command that the job's state does not allow (QEMU would refuse it too).
class JobCommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JobCommands {
  bool complete_requested = false;
  bool cancel_requested = false;
  bool force_cancel = false;  // abort: a forced cancel, or any cancel before READY
  int pause_count = 0;        // the job pauses while > 0
  bool user_paused = false;   // pause() or a stop on error, until resume()
  CopyMode copy_mode = CopyMode::kBackground;

  // True when the job must leave the idle wait: it has a command to act on.
  bool any_pending() const { return pause_count > 0 || complete_requested || cancel_requested; }

  void request_complete(JobState state);
  // `ended`: the job has ended; `ready`: it has been READY (a cancel before
  // that is forced). Undoes a user pause, so a paused job can end.
  void request_cancel(JobState state, bool ended, bool force, bool ready);
  void request_pause(JobState state);
  // True when no pause is left (the job's I/O status is then OK again).
  bool request_resume();
};

// set-speed's rule: a speed is 0 (unlimited) or positive, and the job has
// not ended. Throws JobCommandError.
void check_set_speed(std::int64_t bytes_per_s, bool ended);

}  // namespace mirrorsim::engine
