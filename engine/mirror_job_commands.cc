// The mirror job's commands (QEMU's block-job QMP commands): each checks
// the job's state, throws JobCommandError when the state does not allow it,
// and otherwise leaves a request in commands_ (engine/job_commands.h) and
// wakes the job's task, which acts on it at its next look. start() also
// sets up the bookkeeping before guest writes are tracked.
#include <string>
#include <utility>

#include "engine/mirror_job.h"

namespace mirrorsim::engine {

void MirrorJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  const DeviceInfo source = source_.info();
  const DeviceInfo target = target_.info();
  resolved_ = resolve_params(params_, source, target, &source_ == &target_);
  ops_.set_max_background(resolved_.max_in_flight_ops);
  commands_.copy_mode = params_.copy_mode;
  rate_.set_speed(static_cast<std::uint64_t>(params_.speed_bytes_per_s));

  // The bookkeeping first, then the interceptor: a guest write must never
  // find the interceptor without a bitmap to mark.
  const std::uint64_t g = resolved_.granularity_bytes;
  dirty_.emplace(resolved_.length_bytes, g);
  if (resolved_.cow) cow_copied_.emplace(resolved_.length_bytes, g);
  if (params_.profile == Profile::kQemu72) inflight_chunks_.emplace(resolved_.length_bytes, g);
  buffer_.emplace(resolved_.buf_size_bytes, g);

  guest_drain_.begin();  // no guest write may straddle the moment tracking starts
  intercepting_ = true;
  guest_drain_.end();

  start_time_ = runtime_.now();
  task_ = runtime_.spawn("mirror-job", [this] { run(); });
}

void MirrorJob::complete() {
  commands_.request_complete(state());
  kick();
}

void MirrorJob::cancel(bool force) {
  commands_.request_cancel(state(), outcome_.ended, force, ready_);
  resumed_.wake_all();
  kick();
}

void MirrorJob::pause() {
  commands_.request_pause(state());
  kick();
}

void MirrorJob::resume() {
  if (commands_.request_resume()) io_status_ = IoStatusKind::kOk;
  resumed_.wake_all();
}

void MirrorJob::set_speed(std::int64_t bytes_per_s) {
  check_set_speed(bytes_per_s, outcome_.ended);
  rate_.set_speed(static_cast<std::uint64_t>(bytes_per_s));
}

void MirrorJob::switch_to_write_blocking() {
  if (outcome_.ended || state() == JobState::kCreated) {
    throw JobCommandError("change copy-mode: the job is " + std::string(state_name(state())));
  }
  commands_.copy_mode = CopyMode::kWriteBlocking;
}

AlgorithmPromises MirrorJob::promises() const {
  AlgorithmPromises p;
  p.converges_under_any_write_rate = commands_.copy_mode == CopyMode::kWriteBlocking;
  return p;
}

void MirrorJob::wait_until_ended() {
  ended_.wait_until([this] { return outcome_.ended; });
}

}  // namespace mirrorsim::engine
