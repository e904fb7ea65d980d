// Job control that io-mirror, snapshot and precopy share word for word
// (QEMU's MirrorJob keeps its own, with its catalogued bugs): the
// MirrorAlgorithm commands and getters, state changes and events, READY,
// pauses, the error policy, the target flush, the rate limit, and the end
// (transitions, pivot, downtime, outcome).
//
// A CRTP base (class IoMirrorJob final : public JobControl<IoMirrorJob>)
// that holds no state, rather than a base or a component holding the
// shared members: each job keeps its own members, their construction order
// and its wait queues as they were, so moving the code here cannot move an
// event, a task or a random draw. A job befriends its JobControl and
// provides the members used below (runtime_, machine_, observer_,
// commands_, rate_, failure_, op_done_, copies_in_flight_, ...).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "engine/block_device.h"
#include "engine/error_action.h"
#include "engine/job_commands.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/limits.h"
#include "engine/mirror_algorithm.h"
#include "engine/mirror_params.h"
#include "engine/runtime.h"

namespace mirrorsim::engine {

// The job's fields an error may change.
struct JobErrorState {
  std::optional<std::string>& failure;  // the first reported error's text
  int& failure_errno;
  IoStatusKind& io_status;
  JobCommands& commands;
};

// Applies `action` (already resolved by error_action) for an error on the
// source (`source`) or the target: report keeps the first failure, stop
// sets the io-status and pauses the job once however often it fails,
// ignore changes nothing.
void apply_error_action(ErrorPolicy action, bool source, int error, JobErrorState job);

template <class Job>
class JobControl : public MirrorAlgorithm {
 public:
  // The commands but complete (precopy's also wakes a job waiting for a
  // copy slot): JobCommands has the rules; here is what each wakes.
  void cancel(bool force) override {
    Job& job = self();
    job.commands_.request_cancel(job.state(), job.outcome_.ended, force, job.ready_);
    job.resumed_.wake_all();
    job.kick();
  }

  void pause() override {
    Job& job = self();
    job.commands_.request_pause(job.state());
    job.kick();
  }

  void resume() override {
    Job& job = self();
    if (job.commands_.request_resume()) job.io_status_ = IoStatusKind::kOk;
    job.resumed_.wake_all();
  }

  void set_speed(std::int64_t bytes_per_s) override {
    Job& job = self();
    check_set_speed(bytes_per_s, job.outcome_.ended);
    job.rate_.set_speed(static_cast<std::uint64_t>(bytes_per_s));
  }

  void wait_until_ended() override {
    Job& job = self();
    job.ended_.wait_until([&job] { return job.outcome_.ended; });
  }

  JobState state() const override { return self().machine_.state(); }
  bool ready_seen() const override { return self().outcome_.ever_ready; }
  bool ended() const override { return self().outcome_.ended; }
  const JobOutcome& outcome() const override { return self().outcome_; }
  IoStatusKind io_status() const override { return self().io_status_; }
  const MirrorParams& params() const override { return self().params_; }
  const ResolvedParams& resolved() const override { return self().resolved_; }
  const JobMetrics& metrics() const override { return self().metrics_; }
  std::uint32_t background_in_flight() const override { return self().copies_in_flight_; }

 protected:
  enum class Side : std::uint8_t { kSource, kTarget };

  void transition(JobState to) {
    Job& job = self();
    job.machine_.transition(to);
    JobEvent event;
    event.kind = JobEventKind::kStateChange;
    job.emit(std::move(event));
  }

  void emit(JobEvent event) {
    Job& job = self();
    event.time = job.runtime_.now();
    event.state = job.machine_.state();
    if (job.observer_ != nullptr) job.observer_->on_event(event);
  }

  void announce_ready() {
    Job& job = self();
    job.ready_ = true;
    job.outcome_.ever_ready = true;
    job.metrics_.time_to_ready_ns = job.runtime_.now() - job.start_time_;
    job.transition(JobState::kReady);
    JobEvent event;
    event.kind = JobEventKind::kReady;
    job.emit(std::move(event));
  }

  // Takes a pause once the job's own I/O has ended; false when the job
  // must stop instead (a failure or a forced cancel).
  bool pause_point() {
    Job& job = self();
    if (job.commands_.pause_count == 0) return true;
    job.op_done_.wait_until([&job] { return job.copies_in_flight_ == 0; });  // the job's own I/O
    if (job.failure_ || job.commands_.force_cancel) return false;
    if (job.commands_.pause_count == 0) return true;
    const bool was_ready = job.ready_;
    job.transition(was_ready ? JobState::kStandby : JobState::kPaused);
    job.resumed_.wait_until(
        [&job] { return job.commands_.pause_count == 0 || job.commands_.force_cancel; });
    job.transition(was_ready ? JobState::kReady : JobState::kRunning);
    return !job.commands_.force_cancel;
  }

  bool flush_target_or_handle_error() {
    Job& job = self();
    const IoStatus status = job.target_.flush();
    if (status.ok()) return true;
    job.handle_error(Side::kTarget, status.error);
    if (!job.failure_ && job.commands_.pause_count == 0) {
      job.runtime_.sleep_for(kSliceNs);  // ignore: retry later
    }
    return false;
  }

  void handle_error(Side side, int error) {
    Job& job = self();
    ++job.metrics_.errors;
    const bool source = side == Side::kSource;
    const ErrorPolicy policy = source ? job.params_.on_source_error : job.params_.on_target_error;
    const ErrorPolicy action = error_action(policy, error);
    job.emit(error_event(source, action, error));
    apply_error_action(action, source, error,
                       {job.failure_, job.failure_errno_, job.io_status_, job.commands_});
    job.kick();
  }

  void throttle_after_dispatch(std::uint64_t bytes) {
    Job& job = self();
    const TimeNs delay = job.rate_.delay_after(job.runtime_.now(), bytes);
    if (job.observer_ != nullptr) {
      job.observer_->on_rate_dispatch(job.runtime_.now(), bytes, job.rate_.speed());
    }
    if (delay > 0) job.throttle(delay);
  }

  // As the QEMU job's: short steps, so a cancel, a pause or a new speed
  // takes effect soon; a pause is taken here and the sleep goes on to its
  // deadline.
  void throttle(TimeNs delay) {
    Job& job = self();
    const std::uint64_t speed = job.rate_.speed();
    const TimeNs deadline = job.runtime_.now() + delay;
    while (job.runtime_.now() < deadline) {
      job.runtime_.sleep_for(std::min(deadline - job.runtime_.now(), kThrottlePollNs));
      if (job.commands_.force_cancel || job.rate_.speed() != speed || job.failure_) return;
      if (job.commands_.pause_count > 0 && !job.pause_point()) return;
    }
  }

  // The end, once the job's task has drained the guest and waited for its
  // copies (as each job needs): leave a pause, then abort (failure or
  // forced cancel) or complete, pivoting when complete was asked for; then
  // the end event, the outcome and the wake-up of wait_until_ended.
  void conclude() {
    Job& job = self();
    if (job.state() == JobState::kPaused) job.transition(JobState::kRunning);
    if (job.state() == JobState::kStandby) job.transition(JobState::kReady);

    JobEvent end;
    if (job.failure_ || job.commands_.force_cancel) {
      job.transition(JobState::kAborting);
      job.guest_drain_.end();
      job.transition(JobState::kConcluded);
      if (job.failure_) {
        end.kind = JobEventKind::kCompleted;
        end.message = *job.failure_;
        end.error = job.failure_errno_;
        job.outcome_.error = *job.failure_;
      } else {
        end.kind = JobEventKind::kCancelled;
        job.outcome_.cancelled = true;
      }
    } else {
      job.transition(JobState::kWaiting);
      job.transition(JobState::kPending);
      if (job.commands_.complete_requested && !job.commands_.cancel_requested) {
        job.metrics_.downtime_ns = job.runtime_.now() - job.guest_drain_.closed_at();
        if (job.pivot_) job.pivot_();  // still drained: nothing slips in between
        job.pivoted_ = true;
      }
      job.guest_drain_.end();
      // Copies still in flight only under precopy-switch-no-wait; the other
      // jobs waited for theirs already, so for them this returns at once.
      job.op_done_.wait_until([&job] { return job.copies_in_flight_ == 0; });
      job.transition(JobState::kConcluded);
      end.kind = JobEventKind::kCompleted;
      end.pivoted = job.pivoted_;
      job.outcome_.success = true;
    }
    job.outcome_.pivoted = job.pivoted_;
    job.metrics_.time_to_end_ns = job.runtime_.now() - job.start_time_;
    job.emit(std::move(end));
    job.transition(JobState::kNull);
    job.outcome_.ended = true;
    job.ended_.wake_all();
  }

  void kick() { self().kick_.wake_all(); }

 private:
  Job& self() { return static_cast<Job&>(*this); }
  const Job& self() const { return static_cast<const Job&>(*this); }
};

}  // namespace mirrorsim::engine
