// One iteration of the mirror job's copy loop, in three steps:
//  - plan: the first dirty chunk at or after the cursor, and the run of
//    dirty chunks after it that fits the buffer and no op in flight touches;
//    the run's dirty bits are cleared before any of it is read;
//  - classify: each piece of the run becomes a copy, a zero write or a
//    discard, after what the source says it holds there, and a copy into a
//    target cluster not yet copied whole is widened to whole clusters (the
//    COW rule, engine/cow_span.h);
//  - issue: each op waits for a slot among the 16 and runs in its own task,
//    where a copy waits for its buffer pieces (so a copy short of pieces
//    does not hold back the ops after it); the bytes dispatched then go to
//    the rate limiter.
// A stand-in op covers the run from the first wait to the last issue, so
// write-blocking guest writes queue behind the iteration.
#include <algorithm>
#include <optional>

#include "engine/invariant.h"
#include "engine/limits.h"
#include "engine/mirror_job.h"

namespace mirrorsim::engine {

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
  // QEMU 7.2 waits on one byte, and only while an in-flight bit is set
  // there (mirror_iteration:500).
  if (literal_qemu72()) {
    if (!params_.bugs.has(Bug::kConflictFirstChunk)) wait_on_inflight_bits({offset, 1}, pseudo);
  } else if (!params_.bugs.has(Bug::kConflictFirstChunk)) {
    wait_for_conflicts({offset, g}, pseudo);
  }
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
    wait_for_slot();
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
  // (Bug::kClearAfterRead leaves it to each op, once its read has returned.)
  if (!params_.bugs.has(Bug::kClearAfterRead)) {
    dirty_->reset(offset, std::min(end, length) - offset);
  }
  // QEMU 7.2 marks in flight the claimed run only, before any COW widening
  // (mirror_iteration:552).
  if (literal_qemu72()) mark_chunks_in_flight({offset, end - offset});
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
    // QEMU 7.2 stops at a chunk whose in-flight bit is set, not at one an
    // op's widened range covers (mirror_iteration:515).
    if (literal_qemu72() && chunk_in_flight(next)) break;
    ++count;
  }
  if (literal_qemu72()) return count;
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
  // QEMU 7.2's mirror_cow_align() (:273) leaves the widened part's dirty
  // bits set: a dirty chunk in it is copied again by a later op.
  if (!literal_qemu72() && in_disk_end > widened.offset_bytes) {
    dirty_->reset(widened.offset_bytes, in_disk_end - widened.offset_bytes);
  }
  metrics_.cow_extra_bytes +=
      widened.length_bytes - std::min(op.span.length_bytes, widened.length_bytes);
  return PlannedOp{op.kind, widened};
}

// A slot among the 16 for the next op. Its buffer pieces are the op's own
// business (start_or_queue_op()), as in QEMU, where mirror_iteration waits
// for the slot (:587) and mirror_co_read for the buffer (:368).
void MirrorJob::wait_for_slot() {
  while (ops_.background_count() >= ops_.max_background()) wait_for_free_slot();
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

}  // namespace mirrorsim::engine
