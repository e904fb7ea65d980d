// The mirror job's own task: start, the main loop, iterations, background
// ops, errors, completion. The guest path is in mirror_job_guest.cc.
#include "engine/mirror_job.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/invariant.h"
#include "engine/limits.h"

namespace mirrorsim::engine {
namespace {

bool overlaps(std::uint64_t a, std::uint64_t a_len, std::uint64_t b, std::uint64_t b_len) {
  return a < b + b_len && b < a + a_len;
}

}  // namespace

std::uint64_t MirrorJob::chunk_floor(std::uint64_t offset) const {
  return offset / resolved_.granularity_bytes * resolved_.granularity_bytes;
}

std::uint64_t MirrorJob::chunk_ceil(std::uint64_t offset) const {
  const std::uint64_t g = resolved_.granularity_bytes;
  return (offset + g - 1) / g * g;
}

void MirrorJob::transition(JobState to) {
  machine_.transition(to);
  JobEvent event;
  event.kind = JobEventKind::kStateChange;
  emit(std::move(event));
}

void MirrorJob::emit(JobEvent event) {
  event.time = runtime_.now();
  event.state = machine_.state();
  if (observer_ != nullptr) observer_->on_event(event);
}

void MirrorJob::kick() {
  kick_.wake_all();  // only the idle job ever waits here
}

// ---- commands ---------------------------------------------------------------

void MirrorJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  const DeviceInfo source = source_.info();
  const DeviceInfo target = target_.info();
  resolved_ = resolve_params(params_, source, target, &source_ == &target_);
  copy_mode_ = params_.copy_mode;
  rate_.set_speed(static_cast<std::uint64_t>(params_.speed_bytes_per_s));

  // The bookkeeping first, then the interceptor: a guest write must never
  // find the interceptor without a bitmap to mark.
  const std::uint64_t g = resolved_.granularity_bytes;
  dirty_.emplace(resolved_.length_bytes, g);
  if (resolved_.cow) cow_copied_.emplace(resolved_.length_bytes, g);
  buffer_.emplace(resolved_.buf_size_bytes, g);

  drain_begin();  // no guest write may straddle the moment tracking starts
  intercepting_ = true;
  drain_end();

  start_time_ = runtime_.now();
  task_ = runtime_.spawn("mirror-job", [this] { run(); });
}

void MirrorJob::complete() {
  const JobState s = state();
  if (s != JobState::kReady && s != JobState::kStandby) {
    throw JobCommandError("complete: the job is " + std::string(state_name(s)) +
                          "; complete needs ready or standby");
  }
  complete_requested_ = true;
  kick();
}

void MirrorJob::cancel(bool force) {
  const JobState s = state();
  if (s == JobState::kConcluded || s == JobState::kNull || s == JobState::kAborting ||
      outcome_.ended) {
    throw JobCommandError("cancel: the job is " + std::string(state_name(s)));
  }
  cancel_requested_ = true;
  if (force || !ready_) force_cancel_ = true;
  // Cancelling undoes a user pause, so a paused job can end.
  if (user_paused_) {
    user_paused_ = false;
    pause_count_ = 0;
  }
  resumed_.wake_all();
  kick();
}

void MirrorJob::pause() {
  const JobState s = state();
  if (s != JobState::kRunning && s != JobState::kReady && s != JobState::kCreated &&
      s != JobState::kPaused && s != JobState::kStandby) {
    throw JobCommandError("pause: the job is " + std::string(state_name(s)));
  }
  if (user_paused_) throw JobCommandError("pause: the job is paused already");
  user_paused_ = true;
  ++pause_count_;
  kick();
}

void MirrorJob::resume() {
  if (!user_paused_) throw JobCommandError("resume: the job is not paused");
  user_paused_ = false;
  --pause_count_;
  if (pause_count_ == 0) io_status_ = IoStatusKind::kOk;
  resumed_.wake_all();
}

void MirrorJob::set_speed(std::int64_t bytes_per_s) {
  if (bytes_per_s < 0) {
    throw JobCommandError("set-speed: " + std::to_string(bytes_per_s) +
                          " is negative; allowed: 0 (unlimited) or bytes per second");
  }
  if (outcome_.ended) throw JobCommandError("set-speed: the job has ended");
  rate_.set_speed(static_cast<std::uint64_t>(bytes_per_s));
}

void MirrorJob::switch_to_write_blocking() {
  if (outcome_.ended || state() == JobState::kCreated) {
    throw JobCommandError("change copy-mode: the job is " + std::string(state_name(state())));
  }
  copy_mode_ = CopyMode::kWriteBlocking;
}

void MirrorJob::wait_until_ended() {
  ended_.wait_until([this] { return outcome_.ended; });
}

// ---- the job's task -----------------------------------------------------------

void MirrorJob::run() {
  transition(JobState::kRunning);

  if (resolved_.length_bytes == 0) {
    // Fixed by 9e48b025: an empty disk is in sync at once, so say READY.
    if (params_.bugs.has(Bug::kZeroLengthNoReady)) {
      finish(false);
      return;
    }
  } else {
    populate_dirty_bitmap();
  }

  bool drained = false;
  while (true) {
    if (failure_) break;
    if (!pause_point()) break;
    if (force_cancel_) break;
    // Fixed by 9c785cd7: a soft cancel after READY still converges first.
    if (cancel_requested_ && ready_ && params_.bugs.has(Bug::kSoftCancelDropsInflight)) {
      finish(false);
      return;
    }

    const std::uint64_t dirty_count = dirty_->count();
    if (background_in_flight_ >= kMaxInFlightOps || buffer_->free_pieces() == 0 ||
        (dirty_count == 0 && background_in_flight_ > 0)) {
      wait_for_any_op();
      continue;
    }
    // Fixed by d69a879b: background copying goes on beside active writes.
    if (params_.bugs.has(Bug::kActiveStarvesBackground) && active_in_flight_ > 0) {
      wait_for_any_op();
      continue;
    }
    if (dirty_count > 0) {
      iteration();
      continue;
    }

    // Nothing dirty and nothing in flight.
    if (!ready_) {
      if (!flush_target_or_handle_error()) continue;
      if (failure_) break;
      ready_ = true;
      outcome_.ever_ready = true;
      metrics_.time_to_ready_ns = runtime_.now() - start_time_;
      transition(JobState::kReady);
      JobEvent event;
      event.kind = JobEventKind::kReady;
      emit(std::move(event));
    }
    if (complete_requested_ || cancel_requested_) {
      // Hold guest writes off, then check again: a write that landed since
      // the last look must not be lost at the pivot.
      // Fixed by 176c3699 / 9a0cec66: the check is made while drained.
      const bool drain = !params_.bugs.has(Bug::kPivotRace);
      if (drain) drain_begin();
      if (dirty_->count() > 0 || background_in_flight_ > 0) {
        if (drain) drain_end();
        continue;
      }
      if (!flush_target_or_handle_error() || dirty_->count() > 0) {
        if (drain) drain_end();
        continue;
      }
      drained = drain;
      break;  // in sync: leave the loop, still drained
    }
    // Idle: wait for a guest write, an op, or a command. Work that arrived
    // while this pass was blocked (in the flush before READY, say) is looked
    // at first: a kick only reaches a job that is already waiting.
    if (dirty_->count() > 0 || pause_count_ > 0 || complete_requested_ || cancel_requested_ ||
        failure_) {
      continue;
    }
    kick_.wait();
  }
  finish(drained);
}

void MirrorJob::populate_dirty_bitmap() {
  const std::uint64_t length = resolved_.length_bytes;
  if (params_.sync == SyncMode::kNone) return;

  // Fixed by 5279efeb: only a target known to read as zeroes may skip the
  // ranges the source does not allocate.
  const bool target_reads_zero =
      params_.target_is_zero || target_.info().zero_init || params_.bugs.has(Bug::kTrustZeroInit);
  if (params_.sync == SyncMode::kFull && !target_reads_zero) {
    dirty_->set(0, length);
    return;
  }
  std::uint64_t offset = 0;
  while (offset < length) {
    const BlockStatus status = source_.block_status(offset, length - offset);
    MIRRORSIM_ASSERT(status.length > 0 && status.length <= length - offset,
                     "block status returned an empty or overlong run");
    const bool copy = params_.sync == SyncMode::kTop ? status.allocated
                                                     : (status.allocated || status.allocated_below);
    if (copy) dirty_->set(offset, status.length);
    offset += status.length;
  }
}

bool MirrorJob::pause_point() {
  if (pause_count_ == 0) return true;
  wait_for_all_ops();  // a pause waits for the job's own I/O
  if (failure_ || force_cancel_) return false;
  if (pause_count_ == 0) return true;
  const bool was_ready = ready_;
  transition(was_ready ? JobState::kStandby : JobState::kPaused);
  resumed_.wait_until([this] { return pause_count_ == 0 || force_cancel_; });
  transition(was_ready ? JobState::kReady : JobState::kRunning);
  return !force_cancel_;
}

void MirrorJob::wait_for_any_op() {
  op_done_.wait();
}

void MirrorJob::wait_for_all_ops() {
  op_done_.wait_until([this] {
    for (const Op& op : ops_) {
      if (!op.pseudo && op.kind != OpKind::kActiveWrite) return false;
    }
    return true;
  });
}

const MirrorJob::Op* MirrorJob::find_overlap(std::uint64_t offset, std::uint64_t length,
                                             std::uint64_t except_id) const {
  for (const Op& op : ops_) {
    if (op.id != except_id && overlaps(offset, length, op.offset, op.length)) return &op;
  }
  return nullptr;
}

void MirrorJob::wait_for_conflicts(std::uint64_t offset, std::uint64_t length,
                                   std::uint64_t except_id) {
  op_done_.wait_until([&] { return find_overlap(offset, length, except_id) == nullptr; });
}

bool MirrorJob::flush_target_or_handle_error() {
  const IoStatus status = target_.flush();
  if (status.ok()) return true;
  handle_error(Side::kTarget, status.error);
  if (!failure_ && pause_count_ == 0) runtime_.sleep_for(kSliceNs);  // ignore: retry later
  return false;
}

// One pass of the copy loop: the next dirty run, split into ops.
void MirrorJob::iteration() {
  const std::uint64_t g = resolved_.granularity_bytes;
  const std::uint64_t length = resolved_.length_bytes;
  const std::uint64_t chunks = dirty_->chunks();

  std::optional<std::uint64_t> first = dirty_->next_dirty_chunk(cursor_chunk_);
  if (!first) {
    ++metrics_.bitmap_passes;
    first = dirty_->next_dirty_chunk(0);
  }
  MIRRORSIM_ASSERT(first.has_value(), "iteration found no dirty chunk though the count is not 0");
  const std::uint64_t offset = *first * g;

  // Stand-in op for this iteration, registered before waiting: active
  // writes that arrive from now on queue behind it, so a steady stream of
  // guest writes cannot starve background copying.
  const std::uint64_t pseudo =
      register_op(OpKind::kCopy, offset, std::min(g, length - offset), false, true);
  // Fixed by 9c83625b: an op still copying the first chunk must end first.
  if (!params_.bugs.has(Bug::kConflictFirstChunk)) wait_for_conflicts(offset, g, pseudo);

  // Coalesce following dirty chunks, within the buffer, up to the first
  // chunk that an op in flight touches (even partly: two active writes may
  // share a chunk, so per-chunk flags would not be exact).
  std::uint64_t count = 1;
  while ((count + 1) * g <= resolved_.buf_size_bytes) {
    const std::uint64_t next = *first + count;
    if (next >= chunks || !dirty_->test_chunk(next)) break;
    ++count;
  }
  for (const Op& op : ops_) {
    if (op.id == pseudo) continue;
    const std::uint64_t run_end = offset + count * g;
    if (op.offset < run_end && op.offset + op.length > offset + g) {
      count = (std::max(op.offset, offset + g) - offset) / g;
    }
  }
  std::uint64_t end = offset + count * g;
  // Fixed by 5a0f6fd5: the last chunk of the disk may be short.
  if (!params_.bugs.has(Bug::kTailNotClamped)) end = std::min(end, length);
  cursor_chunk_ = *first + count;
  ++metrics_.iterations;

  // Clear before reading: a guest write that lands meanwhile dirties again.
  dirty_->reset(offset, std::min(end, length) - offset);
  op_at(pseudo).length = end - offset;  // now stands for the whole run

  std::uint64_t bytes_dispatched = 0;
  std::uint64_t pos = offset;
  while (pos < end) {
    const std::uint64_t query = std::min(end, length) > pos ? std::min(end, length) - pos : g;
    BlockStatus status =
        pos < length ? source_.block_status(pos, query) : BlockStatus{false, false, true, query};
    MIRRORSIM_ASSERT(status.length > 0, "block status returned an empty run");
    const bool data = !status.reads_zero;
    std::uint64_t bytes = data ? std::min(status.length, resolved_.max_io_bytes) : status.length;
    bytes = bytes / g * g;
    OpKind kind = OpKind::kCopy;
    if (bytes < g) {
      bytes = g;  // less than a chunk of one kind: copy the chunk
    } else if (!data) {
      const std::uint64_t cluster = resolved_.target_cluster_bytes;
      const bool aligned = cluster == 0 || (pos % cluster == 0 && bytes % cluster == 0);
      if (aligned) {
        const DeviceInfo target = target_.info();
        const bool discard_ok = params_.unmap && !status.allocated && !status.allocated_below &&
                                target.discard_reads_zero;
        kind = discard_ok ? OpKind::kDiscard : OpKind::kZero;
      }
    }
    bytes = std::min(bytes, end - pos);

    std::uint64_t op_offset = pos;
    std::uint64_t op_bytes = bytes;
    if (kind == OpKind::kCopy) {
      op_bytes = std::min(op_bytes, resolved_.buf_size_bytes);
      // The COW rule (b812f671): a copy into a target cluster that was never
      // copied whole is widened to whole clusters, or the target would fill
      // the rest of the cluster with zeroes.
      const bool widen_needed =
          cow_copied_ && (!cow_copied_->test_chunk(op_offset / g) ||
                          !cow_copied_->test_chunk((op_offset + op_bytes - 1) / g));
      if (widen_needed && !params_.bugs.has(Bug::kCowNoRound)) {
        const std::uint64_t cluster = resolved_.target_cluster_bytes;
        std::uint64_t w_start = op_offset / cluster * cluster;
        std::uint64_t w_end = (op_offset + op_bytes + cluster - 1) / cluster * cluster;
        // Fixed by 4150ae60: never widen past the end of the disk.
        if (!params_.bugs.has(Bug::kCowPastEnd)) w_end = std::min(w_end, length);
        if (w_end - w_start > resolved_.buf_size_bytes) {
          w_end = w_start + std::max(cluster, resolved_.buf_size_bytes / cluster * cluster);
        }
        // The widened part may be covered by ops of earlier iterations:
        // wait, so that two writes to one target cluster never overlap.
        // QEMU 7.2 widens after its in-flight check and does not wait here.
        if (!params_.bugs.has(Bug::kCowWidenAfterInflightCheck)) {
          wait_for_conflicts(w_start, w_end - w_start, pseudo);
        }
        const std::uint64_t in_disk_end = std::min(w_end, length);
        if (in_disk_end > w_start) dirty_->reset(w_start, in_disk_end - w_start);
        metrics_.cow_extra_bytes += (w_end - w_start) - std::min(op_bytes, w_end - w_start);
        op_offset = w_start;
        op_bytes = w_end - w_start;
      }
    }

    // Room for the op: a slot among the 16 and, for copies, buffer pieces.
    const std::uint64_t pieces = kind == OpKind::kCopy ? buffer_->pieces_for(op_bytes) : 0;
    op_done_.wait_until([&] {
      return background_in_flight_ < kMaxInFlightOps && buffer_->free_pieces() >= pieces;
    });
    issue_background_op(kind, op_offset, op_bytes);
    bytes_dispatched += op_bytes;
    // The op may end before the piece does (a copy capped by the buffer, a
    // widened copy capped at whole clusters): the rest of the piece, whose
    // dirty bits are already clear, goes to the next op.
    pos = std::max(pos, op_offset + op_bytes);
  }
  retire_op(pseudo, 0);

  const TimeNs delay = rate_.delay_after(runtime_.now(), bytes_dispatched);
  if (observer_ != nullptr) {
    observer_->on_rate_dispatch(runtime_.now(), bytes_dispatched, rate_.speed());
  }
  if (delay > 0) throttle(delay);
}

void MirrorJob::throttle(TimeNs delay) {
  // Sleep in short steps, so that a forced cancel, a pause or a new speed
  // takes effect within one step (QEMU enters the sleeping job at once)
  // instead of after the whole, possibly long, wait. A pause is taken here
  // and the sleep then goes on to its deadline: resuming must not let the
  // job burst past its rate.
  const std::uint64_t speed = rate_.speed();
  const TimeNs deadline = runtime_.now() + delay;
  while (runtime_.now() < deadline) {
    runtime_.sleep_for(std::min(deadline - runtime_.now(), kThrottlePollNs));
    if (force_cancel_ || rate_.speed() != speed || failure_) return;
    if (pause_count_ > 0 && !pause_point()) return;
  }
}

// ---- ops ------------------------------------------------------------------------

std::uint64_t MirrorJob::register_op(OpKind kind, std::uint64_t offset, std::uint64_t length,
                                     bool background, bool pseudo) {
  const std::uint64_t id = next_op_id_++;
  Op& op = ops_.emplace_back();
  op.id = id;
  op.kind = kind;
  op.offset = offset;
  op.length = length;
  op.background = background;
  op.pseudo = pseudo;
  if (background) {
    ++background_in_flight_;
    MIRRORSIM_ASSERT(background_in_flight_ <= kMaxInFlightOps,
                     "more than 16 background ops in flight");
    metrics_.peak_in_flight = std::max(metrics_.peak_in_flight, background_in_flight_);
  }
  if (kind == OpKind::kActiveWrite) ++active_in_flight_;
  return id;
}

MirrorJob::Op& MirrorJob::op_at(std::uint64_t id) {
  auto it = std::lower_bound(ops_.begin(), ops_.end(), id,
                             [](const Op& op, std::uint64_t x) { return op.id < x; });
  MIRRORSIM_ASSERT(it != ops_.end() && it->id == id, "no op in flight has this id");
  return *it;
}

void MirrorJob::retire_op(std::uint64_t id, int error) {
  Op& op = op_at(id);
  if (!op.pseudo) {
    if (observer_ != nullptr) {
      OpInfo info{
          op.id, op.kind, op.offset, op.length, buffer_->bytes_in_use(), background_in_flight_};
      observer_->on_op_end(info, error);
    }
  }
  if (!op.pieces.empty()) buffer_->give_back(op.pieces);
  if (op.background) --background_in_flight_;
  if (op.kind == OpKind::kActiveWrite) --active_in_flight_;
  ops_.erase(ops_.begin() + (&op - ops_.data()));
  op_done_.wake_all();
}

void MirrorJob::issue_background_op(OpKind kind, std::uint64_t offset, std::uint64_t length) {
  const std::uint64_t id = register_op(kind, offset, length, true, false);
  Op& op = op_at(id);
  if (kind == OpKind::kCopy) op.pieces = buffer_->take(buffer_->pieces_for(length));
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, buffer_->bytes_in_use());
  MIRRORSIM_ASSERT(buffer_->bytes_in_use() <= resolved_.buf_size_bytes, "buffer overcommitted");
  if (observer_ != nullptr) {
    observer_->on_op_start(
        OpInfo{id, kind, offset, length, buffer_->bytes_in_use(), background_in_flight_});
  }
  runtime_.spawn(std::string("mirror-op-") + std::string(op_kind_name(kind)),
                 [this, id] { run_background_op(id); });
}

void MirrorJob::run_background_op(std::uint64_t id) {
  // A copy of what the op does (not of its buffer pieces): ops_ changes
  // while we block.
  const Op& registered = op_at(id);
  const struct {
    OpKind kind;
    std::uint64_t offset;
    std::uint64_t length;
  } op{registered.kind, registered.offset, registered.length};
  IoStatus status;
  Side failed_side = Side::kTarget;
  switch (op.kind) {
    case OpKind::kCopy: {
      PayloadPtr data;
      status = source_.read(op.offset, op.length, data);
      if (!status.ok()) {
        failed_side = Side::kSource;
        break;
      }
      metrics_.bytes_read += op.length;
      status = target_.write(op.offset, op.length, *data);
      if (status.ok()) {
        metrics_.bytes_written += op.length;
        ++metrics_.copy_ops;
      }
      break;
    }
    case OpKind::kZero:
      status = target_.write_zeroes(op.offset, op.length, params_.unmap);
      if (status.ok()) {
        metrics_.bytes_zeroed += op.length;
        ++metrics_.zero_ops;
      }
      break;
    case OpKind::kDiscard:
      status = target_.discard(op.offset, op.length);
      if (status.ok()) {
        metrics_.bytes_discarded += op.length;
        ++metrics_.discard_ops;
      }
      break;
    case OpKind::kActiveWrite:
      MIRRORSIM_ASSERT(false, "active writes are not background ops");
  }

  const std::uint64_t in_disk = std::min(op.offset + op.length, resolved_.length_bytes);
  if (status.ok()) {
    // The whole (widened) range is now copied cluster-wise on the target.
    if (cow_copied_ && in_disk > op.offset) cow_copied_->set(op.offset, in_disk - op.offset);
  } else {
    if (in_disk > op.offset) dirty_->set(op.offset, in_disk - op.offset);
    handle_error(failed_side, status.error);
  }
  retire_op(id, status.error);
  kick();
}

void MirrorJob::handle_error(Side side, int error) {
  ++metrics_.errors;
  const ErrorPolicy policy =
      side == Side::kSource ? params_.on_source_error : params_.on_target_error;
  ErrorPolicy action = policy;
  if (policy == ErrorPolicy::kEnospc) {
    action = error == ENOSPC ? ErrorPolicy::kStop : ErrorPolicy::kReport;
  }
  JobEvent event;
  event.kind = JobEventKind::kError;
  event.operation = side == Side::kSource ? "read" : "write";
  event.action = std::string(error_policy_name(action));
  event.error = error;
  emit(std::move(event));

  switch (action) {
    case ErrorPolicy::kReport:
      if (!failure_) {
        failure_ = std::string(side == Side::kSource ? "source read" : "target write") +
                   " failed: " + errno_name(error);
        failure_errno_ = error;
      }
      break;
    case ErrorPolicy::kIgnore:
      break;
    case ErrorPolicy::kStop:
      io_status_ = error == ENOSPC ? IoStatusKind::kNoSpace : IoStatusKind::kFailed;
      // Fixed by 8d9648cb: several failing ops pause the job once.
      if (!user_paused_ || params_.bugs.has(Bug::kStopPausesPerOp)) {
        ++pause_count_;
        user_paused_ = true;
      }
      break;
    case ErrorPolicy::kEnospc:
      MIRRORSIM_ASSERT(false, "enospc resolves to stop or report");
  }
  kick();
}

void MirrorJob::finish(bool drained) {
  // Hold guest I/O off while the job ends, as QEMU drains the node: active
  // writes in flight land (and report their errors) before the end, and no
  // guest write is half tracked.
  if (!drained) {
    drain_begin();
    drained = true;
  }
  job_done_ = true;
  const bool soft_cancel_dropping =
      cancel_requested_ && ready_ && params_.bugs.has(Bug::kSoftCancelDropsInflight);
  if (!soft_cancel_dropping) wait_for_all_ops();

  // A paused or standby job leaves that state before it can end.
  if (state() == JobState::kPaused) transition(JobState::kRunning);
  if (state() == JobState::kStandby) transition(JobState::kReady);

  JobEvent end;
  if (failure_ || force_cancel_) {
    transition(JobState::kAborting);
    if (drained) drain_end();
    transition(JobState::kConcluded);
    if (failure_) {
      end.kind = JobEventKind::kCompleted;
      end.message = *failure_;
      end.error = failure_errno_;
      outcome_.error = *failure_;
    } else {
      end.kind = JobEventKind::kCancelled;
      outcome_.cancelled = true;
    }
  } else {
    transition(JobState::kWaiting);
    transition(JobState::kPending);
    if (complete_requested_ && !cancel_requested_) {
      // Still drained: no guest write can slip in between check and pivot.
      if (pivot_) pivot_();
      pivoted_ = true;
    }
    if (drained) drain_end();
    transition(JobState::kConcluded);
    end.kind = JobEventKind::kCompleted;
    end.pivoted = pivoted_;
    outcome_.success = true;
  }
  outcome_.pivoted = pivoted_;
  metrics_.time_to_end_ns = runtime_.now() - start_time_;
  emit(std::move(end));
  transition(JobState::kNull);
  outcome_.ended = true;
  ended_.wake_all();
}

}  // namespace mirrorsim::engine
