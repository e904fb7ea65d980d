// The mirror job's own task: the main loop, pauses, background ops, errors,
// completion. Elsewhere: the commands in mirror_job_commands.cc, one
// iteration of the copy loop in mirror_job_iteration.cc, the guest path in
// mirror_job_guest.cc.
#include "engine/mirror_job.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/error_action.h"
#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/limits.h"

namespace mirrorsim::engine {

MirrorJob::MirrorJob(Runtime& runtime, BlockDevice& source, BlockDevice& target,
                     MirrorParams params, JobObserver* observer, PivotHook pivot)
    : runtime_(runtime),
      source_(source),
      target_(target),
      params_(std::move(params)),
      observer_(observer),
      pivot_(std::move(pivot)),
      guest_(std::make_unique<GuestFilter<MirrorJob>>(*this)),
      op_done_(runtime, "mirror op completion"),
      kick_(runtime, "mirror job idle (work or a command)"),
      resumed_(runtime, "mirror job resume"),
      guest_drain_(runtime, "mirror drain (guest I/O held off)"),
      background_write_done_(runtime, "overlapping background-mode guest writes to return"),
      ended_(runtime, "mirror job end") {
  params_.bugs.add_all(profile_literals(params_.profile));
}

MirrorJob::~MirrorJob() = default;

std::uint64_t MirrorJob::chunk_floor(std::uint64_t offset) const {
  return offset / resolved_.granularity_bytes * resolved_.granularity_bytes;
}

std::uint64_t MirrorJob::chunk_ceil(std::uint64_t offset) const {
  const std::uint64_t g = resolved_.granularity_bytes;
  return (offset + g - 1) / g * g;
}

CowSpanRule MirrorJob::cow_rule() const {
  CowSpanRule rule;
  rule.cluster_bytes = resolved_.target_cluster_bytes;
  rule.disk_length_bytes = resolved_.length_bytes;
  return rule;
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
    if (commands_.force_cancel) break;
    // Fixed by 9c785cd7: a soft cancel after READY still converges first.
    if (commands_.cancel_requested && ready_ && params_.bugs.has(Bug::kSoftCancelDropsInflight)) {
      finish(false);
      return;
    }

    const std::uint64_t dirty_count = dirty_->count();
    if (dirty_count > 0) flushed_before_last_copy_ = false;
    // Not a QEMU fix (docs/bugs.md): "nothing dirty" taken for "in sync", so
    // the flush before READY goes out while the last copies are in flight;
    // a flush covers only writes completed before it started.
    if (params_.bugs.has(Bug::kFlushBeforeLastCopy) && !ready_ && dirty_count == 0 &&
        ops_.background_count() > 0 && !flushed_before_last_copy_) {
      flushed_before_last_copy_ = flush_target_or_handle_error();
      continue;
    }
    if (ops_.background_count() >= ops_.max_background() || buffer_->free_pieces() == 0 ||
        (dirty_count == 0 && (ops_.background_count() > 0 || active_takeovers_ > 0))) {
      // A guest write that dirties a chunk meanwhile does not wake this
      // wait; only an op's end does (mirror_run:1027).
      wait_for_free_slot();
      continue;
    }
    // Fixed by d69a879b: background copying goes on beside active writes.
    if (params_.bugs.has(Bug::kActiveStarvesBackground) && ops_.active_write_count() > 0) {
      wait_for_any_op();
      continue;
    }
    if (dirty_count > 0) {
      iteration();
      continue;
    }

    // Nothing dirty and nothing in flight.
    if (!ready_) {
      if (!flushed_before_last_copy_ && !flush_target_or_handle_error()) continue;
      if (failure_) break;
      announce_ready();
    }
    if (commands_.complete_requested || commands_.cancel_requested) {
      if (!in_sync_for_end(&drained)) continue;
      break;  // in sync: leave the loop, still drained
    }
    // Idle: wait for a guest write, an op, or a command. Work that arrived
    // while this pass was blocked (in the flush before READY, say) is looked
    // at first: a kick only reaches a job that is already waiting.
    if (dirty_->count() > 0 || commands_.any_pending() || failure_) continue;
    kick_.wait();
  }
  finish(drained);
}

// Complete or cancel was asked for and nothing is dirty or in flight: hold
// guest writes off, then check again, since a write that landed since the
// last look must not be lost at the pivot. True when in sync; the guest then
// stays held off and *drained says so. False, with the guest let go, when
// there is more to do.
bool MirrorJob::in_sync_for_end(bool* drained) {
  // Fixed by 176c3699 / 9a0cec66: the check is made while drained.
  const bool drain = !params_.bugs.has(Bug::kPivotRace);
  if (drain) guest_drain_.begin();
  const bool in_sync = dirty_->count() == 0 && ops_.background_count() == 0 &&
                       flush_target_or_handle_error() && dirty_->count() == 0;
  if (!in_sync) {
    if (drain) guest_drain_.end();
    return false;
  }
  *drained = drain;
  return true;
}

void MirrorJob::announce_ready() {
  ready_ = true;
  outcome_.ever_ready = true;
  metrics_.time_to_ready_ns = runtime_.now() - start_time_;
  transition(JobState::kReady);
  JobEvent event;
  event.kind = JobEventKind::kReady;
  emit(std::move(event));
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
  if (commands_.pause_count == 0) return true;
  wait_for_all_ops();  // a pause waits for the job's own I/O
  if (failure_ || commands_.force_cancel) return false;
  if (commands_.pause_count == 0) return true;
  const bool was_ready = ready_;
  transition(was_ready ? JobState::kStandby : JobState::kPaused);
  resumed_.wait_until([this] { return commands_.pause_count == 0 || commands_.force_cancel; });
  transition(was_ready ? JobState::kReady : JobState::kRunning);
  return !commands_.force_cancel;
}

void MirrorJob::wait_for_any_op() {
  op_done_.wait();
}

// Waits for room: a slot among the 16, buffer pieces, or (nothing dirty)
// the end of the copies in flight. The default profile looks again after
// ANY op's end: that is when room comes back, and looking later only leaves
// slots, buffer and new dirty chunks idle (slower, never less safe).
// QEMU 7.2 hangs each waiter on the queue of one op, so the profile waits
// for that op to end, whatever ends before it.
void MirrorJob::wait_for_free_slot() {
  const std::uint64_t first = literal_qemu72() ? first_op_in_flight() : 0;
  if (first == 0) {
    op_done_.wait();
    return;
  }
  op_done_.wait_until([&] { return !ops_.contains(first); });
}

// mirror_wait_for_free_in_flight_slot() (v7.2.0 block/mirror.c:308): the
// first op in the list that is no stand-in, has started its I/O (a copy
// still waiting for buffer has not: is_in_flight is set after the buffer
// wait, :389) and is no write-blocking guest write. 0 when there is none:
// QEMU aborts then, which its callers never let happen; the engine's own
// wait for write-blocking takeovers (no background op in flight) can, and
// waits for any op instead.
std::uint64_t MirrorJob::first_op_in_flight() const {
  for (const InflightOp& op : ops_.ops()) {
    if (op.pseudo || !op.background || op.kind == OpKind::kActiveWrite) continue;
    if (op.kind == OpKind::kCopy && op.pieces.empty()) continue;  // waits for buffer
    return op.id;
  }
  return 0;
}

// QEMU's mirror_wait_for_all_io() (:641) waits for the first op again and
// again while any is in flight: it returns when the last one ends, as this
// does, so the profile needs no wait of its own here. (Its other caller,
// the initial zeroing of the target at :841, is not modelled.)
void MirrorJob::wait_for_all_ops() {
  op_done_.wait_until([this] { return !ops_.job_io_in_flight(); });
}

void MirrorJob::wait_for_conflicts(ByteSpan span, std::uint64_t except_id) {
  op_done_.wait_until([&] { return ops_.find_overlap(span, except_id) == nullptr; });
}

bool MirrorJob::flush_target_or_handle_error() {
  const IoStatus status = target_.flush();
  if (status.ok()) return true;
  handle_error(Side::kTarget, status.error);
  if (!failure_ && commands_.pause_count == 0) runtime_.sleep_for(kSliceNs);  // ignore: retry later
  return false;
}

// ---- ops ------------------------------------------------------------------------

std::uint64_t MirrorJob::register_op(OpKind kind, ByteSpan span, bool background, bool pseudo) {
  const std::uint64_t id = ops_.add(kind, span, background, pseudo);
  if (background) {
    metrics_.peak_in_flight = std::max(metrics_.peak_in_flight, ops_.background_count());
  }
  return id;
}

void MirrorJob::retire_op(std::uint64_t id, int error) {
  InflightOp& op = ops_.at(id);
  if (!op.pseudo && observer_ != nullptr) {
    const OpInfo info{op.id,
                      op.kind,
                      op.span.offset_bytes,
                      op.span.length_bytes,
                      buffer_->bytes_in_use(),
                      ops_.background_count()};
    observer_->on_op_end(info, error);
  }
  if (!op.pieces.empty()) buffer_->give_back(op.pieces);
  ops_.remove(id);
  op_done_.wake_all();
}

// Registers the op (it takes its slot now) and runs it in a task of its
// own. A copy needs buffer pieces: it takes them at once when enough are
// free, else its task waits for them while the iteration goes on, so a
// later, smaller copy may take pieces first (QEMU's buffer wait is in the
// op's coroutine, mirror_co_read:368). QEMU counts a copy in in_flight
// only once it has its pieces (:387), so copies waiting for buffer hold no
// slot there; every profile here counts the slot from the issue, which
// keeps MIRROR.md's 16 a hard bound.
void MirrorJob::issue_background_op(OpKind kind, ByteSpan span) {
  const std::uint64_t id = register_op(kind, span, true, false);
  const std::uint64_t pieces = kind == OpKind::kCopy ? buffer_->pieces_for(span.length_bytes) : 0;
  const bool start_now = buffer_->free_pieces() >= pieces;
  if (start_now) start_op_io(id, pieces);
  runtime_.spawn(std::string("mirror-op-") + std::string(op_kind_name(kind)),
                 [this, id, pieces, start_now] {
                   if (!start_now) {
                     while (buffer_->free_pieces() < pieces) wait_for_free_slot();
                     start_op_io(id, pieces);
                   }
                   run_background_op(id);
                 });
}

std::uint64_t MirrorJob::bytes_awaiting_buffer() const {
  std::uint64_t bytes = 0;
  for (const InflightOp& op : ops_.ops()) {
    if (op.background && op.kind == OpKind::kCopy && op.pieces.empty()) {
      bytes += op.span.length_bytes;
    }
  }
  return bytes;
}

// The op takes its buffer pieces and its I/O starts.
void MirrorJob::start_op_io(std::uint64_t id, std::uint64_t pieces) {
  InflightOp& op = ops_.at(id);
  if (pieces > 0) op.pieces = buffer_->take(pieces);
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, buffer_->bytes_in_use());
  MIRRORSIM_ASSERT(buffer_->bytes_in_use() <= resolved_.buf_size_bytes, "buffer overcommitted");
  if (observer_ != nullptr) {
    observer_->on_op_start(OpInfo{id, op.kind, op.span.offset_bytes, op.span.length_bytes,
                                  buffer_->bytes_in_use(), ops_.background_count()});
  }
}

void MirrorJob::run_background_op(std::uint64_t id) {
  // A copy of what the op does (not of its buffer pieces): ops_ changes
  // while we block.
  const OpKind kind = ops_.at(id).kind;
  const ByteSpan span = ops_.at(id).span;
  const std::uint64_t offset = span.offset_bytes;
  const std::uint64_t length = span.length_bytes;
  IoStatus status;
  Side failed_side = Side::kTarget;
  // Bug::kClearAfterRead: the op clears its own dirty bits once it has its
  // data, reasoning that a guest write which returned before that is in
  // the data. It is not when that write landed after the read sampled its
  // range and only returned first: a read's pieces move at different
  // instants (split I/O), or completions overtake each other (reorder).
  // QEMU's mirror_iteration clears before it sends the read.
  const bool clear_after_read = params_.bugs.has(Bug::kClearAfterRead);
  const std::uint64_t clear_end = std::min(offset + length, resolved_.length_bytes);
  if (clear_after_read && kind != OpKind::kCopy && clear_end > offset) {
    dirty_->reset(offset, clear_end - offset);
  }
  switch (kind) {
    case OpKind::kCopy: {
      PayloadPtr data;
      status = source_.read(offset, length, data);
      if (!status.ok()) {
        failed_side = Side::kSource;
        break;
      }
      metrics_.bytes_read += length;
      if (clear_after_read && clear_end > offset) {
        dirty_->reset(offset, clear_end - offset);
      }
      status = target_.write(offset, length, *data);
      if (status.ok()) {
        metrics_.bytes_written += length;
        ++metrics_.copy_ops;
      }
      break;
    }
    case OpKind::kZero:
      status = target_.write_zeroes(offset, length, params_.unmap);
      if (status.ok()) {
        metrics_.bytes_zeroed += length;
        ++metrics_.zero_ops;
      }
      break;
    case OpKind::kDiscard:
      status = target_.discard(offset, length);
      if (status.ok()) {
        metrics_.bytes_discarded += length;
        ++metrics_.discard_ops;
      }
      break;
    case OpKind::kActiveWrite:
      MIRRORSIM_ASSERT(false, "active writes are not background ops");
  }

  const std::uint64_t in_disk = std::min(offset + length, resolved_.length_bytes);
  if (status.ok()) {
    // The whole (widened) range is now copied cluster-wise on the target.
    if (cow_copied_ && in_disk > offset) cow_copied_->set(offset, in_disk - offset);
  } else {
    if (in_disk > offset) dirty_->set(offset, in_disk - offset);
    handle_error(failed_side, status.error);
  }
  // QEMU 7.2 clears in-flight bits over the widened range, whatever other
  // ops still run there (mirror_iteration_done:209).
  if (literal_qemu72()) clear_chunks_in_flight(span);
  retire_op(id, status.error);
  kick();
}

void MirrorJob::handle_error(Side side, int error) {
  ++metrics_.errors;
  const ErrorPolicy policy =
      side == Side::kSource ? params_.on_source_error : params_.on_target_error;
  const ErrorPolicy action = error_action(policy, error);
  emit(error_event(side == Side::kSource, action, error));

  switch (action) {
    case ErrorPolicy::kReport:
      if (!failure_) {
        failure_ = error_failure_text(side == Side::kSource, error);
        failure_errno_ = error;
      }
      break;
    case ErrorPolicy::kIgnore:
      break;
    case ErrorPolicy::kStop:
      io_status_ = error == ENOSPC ? IoStatusKind::kNoSpace : IoStatusKind::kFailed;
      // Fixed by 8d9648cb: several failing ops pause the job once.
      if (!commands_.user_paused || params_.bugs.has(Bug::kStopPausesPerOp)) {
        ++commands_.pause_count;
        commands_.user_paused = true;
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
    guest_drain_.begin();
    drained = true;
  }
  job_done_ = true;
  const bool soft_cancel_dropping =
      commands_.cancel_requested && ready_ && params_.bugs.has(Bug::kSoftCancelDropsInflight);
  if (!soft_cancel_dropping) wait_for_all_ops();

  // A paused or standby job leaves that state before it can end.
  if (state() == JobState::kPaused) transition(JobState::kRunning);
  if (state() == JobState::kStandby) transition(JobState::kReady);

  JobEvent end;
  if (failure_ || commands_.force_cancel) {
    transition(JobState::kAborting);
    if (drained) guest_drain_.end();
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
    if (commands_.complete_requested && !commands_.cancel_requested) {
      // Still drained: no guest write can slip in between check and pivot.
      metrics_.downtime_ns = runtime_.now() - guest_drain_.closed_at();
      if (pivot_) pivot_();
      pivoted_ = true;
    }
    if (drained) guest_drain_.end();
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
