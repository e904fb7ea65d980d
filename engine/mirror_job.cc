// The mirror job's own task: start, the main loop, iterations, background
// ops, errors, completion. The guest path is in mirror_job_guest.cc.
#include "engine/mirror_job.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

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
      guest_(std::make_unique<GuestFilter>(*this)),
      op_done_(runtime, "mirror op completion"),
      kick_(runtime, "mirror job idle (work or a command)"),
      resumed_(runtime, "mirror job resume"),
      guest_gate_(runtime, "mirror drain (guest I/O held off)"),
      guest_quiet_(runtime, "guest requests to finish (drain)"),
      ended_(runtime, "mirror job end") {}

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

// ---- commands ---------------------------------------------------------------

void MirrorJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  const DeviceInfo source = source_.info();
  const DeviceInfo target = target_.info();
  resolved_ = resolve_params(params_, source, target, &source_ == &target_);
  commands_.copy_mode = params_.copy_mode;
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
  commands_.complete_requested = true;
  kick();
}

void MirrorJob::cancel(bool force) {
  const JobState s = state();
  if (s == JobState::kConcluded || s == JobState::kNull || s == JobState::kAborting ||
      outcome_.ended) {
    throw JobCommandError("cancel: the job is " + std::string(state_name(s)));
  }
  commands_.cancel_requested = true;
  if (force || !ready_) commands_.force_cancel = true;
  // Cancelling undoes a user pause, so a paused job can end.
  if (commands_.user_paused) {
    commands_.user_paused = false;
    commands_.pause_count = 0;
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
  if (commands_.user_paused) throw JobCommandError("pause: the job is paused already");
  commands_.user_paused = true;
  ++commands_.pause_count;
  kick();
}

void MirrorJob::resume() {
  if (!commands_.user_paused) throw JobCommandError("resume: the job is not paused");
  commands_.user_paused = false;
  --commands_.pause_count;
  if (commands_.pause_count == 0) io_status_ = IoStatusKind::kOk;
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
  commands_.copy_mode = CopyMode::kWriteBlocking;
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
    if (commands_.force_cancel) break;
    // Fixed by 9c785cd7: a soft cancel after READY still converges first.
    if (commands_.cancel_requested && ready_ && params_.bugs.has(Bug::kSoftCancelDropsInflight)) {
      finish(false);
      return;
    }

    const std::uint64_t dirty_count = dirty_->count();
    if (ops_.background_count() >= kMaxInFlightOps || buffer_->free_pieces() == 0 ||
        (dirty_count == 0 && ops_.background_count() > 0)) {
      wait_for_any_op();
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
      if (!flush_target_or_handle_error()) continue;
      if (failure_) break;
      announce_ready();
    }
    if (commands_.complete_requested || commands_.cancel_requested) {
      // Hold guest writes off, then check again: a write that landed since
      // the last look must not be lost at the pivot.
      // Fixed by 176c3699 / 9a0cec66: the check is made while drained.
      const bool drain = !params_.bugs.has(Bug::kPivotRace);
      if (drain) drain_begin();
      if (dirty_->count() > 0 || ops_.background_count() > 0) {
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
    if (dirty_->count() > 0 || commands_.any_pending() || failure_) continue;
    kick_.wait();
  }
  finish(drained);
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

// ---- one iteration ----------------------------------------------------------------

// One pass of the copy loop: plan the next dirty run, then classify each
// piece of it and issue an op for it.
void MirrorJob::iteration() {
  const std::uint64_t g = resolved_.granularity_bytes;
  const std::uint64_t first = first_dirty_chunk();
  const std::uint64_t offset = first * g;

  // Stand-in op for this iteration, registered before waiting: active
  // writes that arrive from now on queue behind it, so a steady stream of
  // guest writes cannot starve background copying.
  const std::uint64_t pseudo = register_op(
      OpKind::kCopy, {offset, std::min(g, resolved_.length_bytes - offset)}, false, true);
  // Fixed by 9c83625b: an op still copying the first chunk must end first.
  if (!params_.bugs.has(Bug::kConflictFirstChunk)) wait_for_conflicts({offset, g}, pseudo);
  const std::uint64_t end = claim_run(first, pseudo);

  std::uint64_t bytes_dispatched = 0;
  std::uint64_t pos = offset;
  while (pos < end) {
    PlannedOp op = classify(pos, end);
    // The COW rule (b812f671): a copy into a target cluster that was never
    // copied whole is widened to whole clusters, or the target would fill
    // the rest of the cluster with zeroes.
    if (op.kind == OpKind::kCopy && needs_cow_widening(op.span) &&
        !params_.bugs.has(Bug::kCowNoRound)) {
      op = widen_for_cow(op, pseudo);
    }
    wait_for_room(op);
    issue_background_op(op.kind, op.span);
    bytes_dispatched += op.span.length_bytes;
    // The op may end before the piece does (a copy capped by the buffer, a
    // widened copy capped at whole clusters): the rest of the piece, whose
    // dirty bits are already clear, goes to the next op.
    pos = std::max(pos, op.span.end_bytes());
  }
  retire_op(pseudo, 0);
  throttle_after_dispatch(bytes_dispatched);
}

// The first dirty chunk at or after the cursor, wrapping to the start of
// the disk once (a new bitmap pass). REQUIRES: a chunk is dirty.
std::uint64_t MirrorJob::first_dirty_chunk() {
  std::optional<std::uint64_t> first = dirty_->next_dirty_chunk(cursor_chunk_);
  if (!first) {
    ++metrics_.bitmap_passes;
    first = dirty_->next_dirty_chunk(0);
  }
  MIRRORSIM_ASSERT(first.has_value(), "iteration found no dirty chunk though the count is not 0");
  return *first;
}

// Takes the run that starts at `first_chunk` for this iteration: clears its
// dirty bits, moves the cursor past it, stretches the stand-in op over it.
// Returns the run's end in bytes.
std::uint64_t MirrorJob::claim_run(std::uint64_t first_chunk, std::uint64_t pseudo_id) {
  const std::uint64_t g = resolved_.granularity_bytes;
  const std::uint64_t length = resolved_.length_bytes;
  const std::uint64_t offset = first_chunk * g;
  const std::uint64_t count = run_chunks(first_chunk, pseudo_id);
  std::uint64_t end = offset + count * g;
  // Fixed by 5a0f6fd5: the last chunk of the disk may be short.
  if (!params_.bugs.has(Bug::kTailNotClamped)) end = std::min(end, length);
  cursor_chunk_ = first_chunk + count;
  ++metrics_.iterations;

  // Clear before reading: a guest write that lands meanwhile dirties again.
  dirty_->reset(offset, std::min(end, length) - offset);
  ops_.at(pseudo_id).span.length_bytes = end - offset;  // now stands for the whole run
  return end;
}

// Chunks in the run that starts at `first_chunk`: the dirty chunks that
// follow it, within the buffer, up to the first chunk that an op in flight
// touches (even partly: two active writes may share a chunk, so per-chunk
// flags would not be exact). The first chunk is always in the run.
std::uint64_t MirrorJob::run_chunks(std::uint64_t first_chunk, std::uint64_t pseudo_id) const {
  const std::uint64_t g = resolved_.granularity_bytes;
  const std::uint64_t offset = first_chunk * g;
  std::uint64_t count = 1;
  while ((count + 1) * g <= resolved_.buf_size_bytes) {
    const std::uint64_t next = first_chunk + count;
    if (next >= dirty_->chunks() || !dirty_->test_chunk(next)) break;
    ++count;
  }
  for (const InflightOp& op : ops_.ops()) {
    if (op.id == pseudo_id) continue;
    const std::uint64_t run_end = offset + count * g;
    if (op.span.offset_bytes < run_end && op.span.end_bytes() > offset + g) {
      count = (std::max(op.span.offset_bytes, offset + g) - offset) / g;
    }
  }
  return count;
}

// The op for the piece of the run at `pos_bytes`: a copy where the source
// holds data, a zero write or discard where it reads zeroes; whole chunks,
// at most max-io (data) and the buffer (copies), not past the run's end.
MirrorJob::PlannedOp MirrorJob::classify(std::uint64_t pos_bytes, std::uint64_t run_end_bytes) {
  const std::uint64_t g = resolved_.granularity_bytes;
  const BlockStatus status = source_status(pos_bytes, run_end_bytes);
  const bool data = !status.reads_zero;
  std::uint64_t bytes = data ? std::min(status.length, resolved_.max_io_bytes) : status.length;
  bytes = bytes / g * g;
  OpKind kind = OpKind::kCopy;
  if (bytes < g) {
    bytes = g;  // less than a chunk of one kind: copy the chunk
  } else if (!data) {
    kind = zero_kind(status, {pos_bytes, bytes});
  }
  bytes = std::min(bytes, run_end_bytes - pos_bytes);
  if (kind == OpKind::kCopy) bytes = std::min(bytes, resolved_.buf_size_bytes);
  return PlannedOp{kind, {pos_bytes, bytes}};
}

// What the source holds from `pos_bytes` on, up to the run's end. Past the
// disk end (only a run Bug::kTailNotClamped left unclamped) reads as zeroes.
BlockStatus MirrorJob::source_status(std::uint64_t pos_bytes, std::uint64_t run_end_bytes) {
  const std::uint64_t length = resolved_.length_bytes;
  const std::uint64_t in_disk_end = std::min(run_end_bytes, length);
  const std::uint64_t query =
      in_disk_end > pos_bytes ? in_disk_end - pos_bytes : resolved_.granularity_bytes;
  const BlockStatus status = pos_bytes < length ? source_.block_status(pos_bytes, query)
                                                : BlockStatus{false, false, true, query};
  MIRRORSIM_ASSERT(status.length > 0, "block status returned an empty run");
  return status;
}

// The op for a span the source reads as zeroes: a discard when the target
// then reads zeroes too, else a zero write; a copy when the span does not
// cover whole target clusters (the target would allocate part of one).
OpKind MirrorJob::zero_kind(const BlockStatus& status, ByteSpan span) const {
  const std::uint64_t cluster = resolved_.target_cluster_bytes;
  const bool aligned =
      cluster == 0 || (span.offset_bytes % cluster == 0 && span.length_bytes % cluster == 0);
  if (!aligned) return OpKind::kCopy;
  const DeviceInfo target = target_.info();
  const bool discard_ok =
      params_.unmap && !status.allocated && !status.allocated_below && target.discard_reads_zero;
  return discard_ok ? OpKind::kDiscard : OpKind::kZero;
}

// True when the copy touches a chunk not yet copied as part of a whole
// target cluster (always false without the COW bitmap).
bool MirrorJob::needs_cow_widening(ByteSpan span) const {
  const std::uint64_t g = resolved_.granularity_bytes;
  return cow_copied_ && (!cow_copied_->test_chunk(span.offset_bytes / g) ||
                         !cow_copied_->test_chunk((span.end_bytes() - 1) / g));
}

// A copy widened to whole target clusters (engine/cow_span.h), capped by
// the buffer. Takes the widened part for this iteration: waits for ops that
// cover it and clears its dirty bits.
MirrorJob::PlannedOp MirrorJob::widen_for_cow(PlannedOp op, std::uint64_t pseudo_id) {
  CowSpanRule rule = cow_rule();
  // Fixed by 4150ae60: never widen past the end of the disk.
  rule.clamp_to_disk_end = !params_.bugs.has(Bug::kCowPastEnd);
  rule.max_bytes = resolved_.buf_size_bytes;
  const ByteSpan widened = cow_span(op.span, rule);
  // The widened part may be covered by ops of earlier iterations: wait, so
  // that two writes to one target cluster never overlap. QEMU 7.2 widens
  // after its in-flight check and does not wait here.
  if (!params_.bugs.has(Bug::kCowWidenAfterInflightCheck)) wait_for_conflicts(widened, pseudo_id);
  const std::uint64_t in_disk_end = std::min(widened.end_bytes(), resolved_.length_bytes);
  if (in_disk_end > widened.offset_bytes) {
    dirty_->reset(widened.offset_bytes, in_disk_end - widened.offset_bytes);
  }
  metrics_.cow_extra_bytes +=
      widened.length_bytes - std::min(op.span.length_bytes, widened.length_bytes);
  return PlannedOp{op.kind, widened};
}

// Room for the op: a slot among the 16 and, for copies, buffer pieces.
void MirrorJob::wait_for_room(const PlannedOp& op) {
  const std::uint64_t pieces =
      op.kind == OpKind::kCopy ? buffer_->pieces_for(op.span.length_bytes) : 0;
  op_done_.wait_until([&] {
    return ops_.background_count() < kMaxInFlightOps && buffer_->free_pieces() >= pieces;
  });
}

// Tells the rate limiter and the observer what the iteration dispatched,
// and sleeps off the limit.
void MirrorJob::throttle_after_dispatch(std::uint64_t bytes) {
  const TimeNs delay = rate_.delay_after(runtime_.now(), bytes);
  if (observer_ != nullptr) observer_->on_rate_dispatch(runtime_.now(), bytes, rate_.speed());
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
    if (commands_.force_cancel || rate_.speed() != speed || failure_) return;
    if (commands_.pause_count > 0 && !pause_point()) return;
  }
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

void MirrorJob::issue_background_op(OpKind kind, ByteSpan span) {
  const std::uint64_t id = register_op(kind, span, true, false);
  if (kind == OpKind::kCopy) {
    ops_.at(id).pieces = buffer_->take(buffer_->pieces_for(span.length_bytes));
  }
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, buffer_->bytes_in_use());
  MIRRORSIM_ASSERT(buffer_->bytes_in_use() <= resolved_.buf_size_bytes, "buffer overcommitted");
  if (observer_ != nullptr) {
    observer_->on_op_start(OpInfo{id, kind, span.offset_bytes, span.length_bytes,
                                  buffer_->bytes_in_use(), ops_.background_count()});
  }
  runtime_.spawn(std::string("mirror-op-") + std::string(op_kind_name(kind)),
                 [this, id] { run_background_op(id); });
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
  switch (kind) {
    case OpKind::kCopy: {
      PayloadPtr data;
      status = source_.read(offset, length, data);
      if (!status.ok()) {
        failed_side = Side::kSource;
        break;
      }
      metrics_.bytes_read += length;
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
    drain_begin();
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
    if (commands_.complete_requested && !commands_.cancel_requested) {
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
