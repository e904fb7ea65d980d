// The guest's side of the mirror job: the filter the guest's I/O goes
// through (QEMU's mirror_top node), dirty tracking, write-blocking (active)
// writes, and the drain that holds guest I/O off around start and pivot.
#include <algorithm>
#include <utility>

#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/mirror_job.h"

namespace mirrorsim::engine {
BlockDevice& MirrorJob::guest_device() {
  return *guest_;
}

BlockDevice& MirrorJob::guest_backend() {
  return pivoted_ ? target_ : source_;
}

IoStatus MirrorJob::guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                                OpKind kind, bool may_unmap) {
  // QEMU 7.2 opens its filter without BDRV_O_UNMAP (mirror_start_job:1667,
  // flags BDRV_O_RDWR only), so bdrv_co_pdiscard() returns at once on it
  // and a zero write loses its may-unmap flag: while the job runs, a guest
  // discard changes nothing and marks nothing dirty. Real QEMU 7.2 does so
  // (a discard through the filter leaves the source's data in place).
  if (literal_qemu72() && tracking_guest_writes()) {
    if (kind == OpKind::kDiscard) return IoStatus::success();
    may_unmap = false;
  }
  if (tracking_guest_writes() && commands_.copy_mode == CopyMode::kWriteBlocking) {
    return active_write(offset, length, data, kind, may_unmap);
  }
  BlockDevice& backend = guest_backend();
  if (tracking_guest_writes()) dirty_->prefetch(offset);  // marked after the write
  background_writes_.push_back(ByteSpan{offset, length});
  const IoStatus status = write_as(backend, kind, offset, length, data, may_unmap);
  background_writes_.erase(
      std::find(background_writes_.begin(), background_writes_.end(), ByteSpan{offset, length}));
  background_write_done_.wake_all();
  // Re-check: the job may have started tracking, or ended, while we waited.
  if (!tracking_guest_writes() || length == 0) return status;
  // A failed write may still have changed part of the range (a torn write
  // lands some of its pieces before it fails): mark it all the same. QEMU's
  // bdrv_mirror_top_do_write marks before it looks at the result.
  if (!status.ok() && params_.bugs.has(Bug::kFailedWriteChangedNothing)) return status;
  // Mark after the write has landed, whether or not it succeeded: a copy
  // that read the old data must run again.
  if (kind == OpKind::kDiscard && params_.bugs.has(Bug::kDiscardClearsDirty)) {
    // Fixed by 50824995: a discard changes what the source reads, so it
    // must dirty the range like any write.
    const std::uint64_t first = chunk_ceil(offset);
    const std::uint64_t last = std::min(chunk_floor(offset + length), resolved_.length_bytes);
    if (last > first) dirty_->reset(first, last - first);
  } else {
    dirty_->set(offset, length);
  }
  kick();
  return status;
}

IoStatus MirrorJob::active_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                                 OpKind kind, bool may_unmap) {
  // The COW rule in active mode: a write to part of a target cluster would
  // make the target zero-fill the rest (its backing is not attached yet).
  // The guest's data cannot be split, so such a write copies its whole
  // clusters from the source once the guest's data has landed there. A
  // discard is copied from the source the same way: whether it reads back
  // as zeroes is up to each device, so the target takes what the source
  // now reads.
  // QEMU 7.2 never widens a write-blocking write to target clusters:
  // bdrv_mirror_top_do_write (:1434) hands the guest's range to
  // active_write_prepare (:1361) and do_sync_target_write (:1251), which
  // only shrinks it. The profile sends it as it is too.
  const ByteSpan write{offset, length};
  const bool whole_clusters = resolved_.target_fills_zeroes && !literal_qemu72() &&
                              !covers_whole_clusters(write, cow_rule());
  const ByteSpan op_span = whole_clusters ? cow_span(write, cow_rule()) : write;
  const std::uint64_t op_start = op_span.offset_bytes;
  const std::uint64_t op_end = op_span.end_bytes();

  // A guest write sent in background mode before the switch to
  // write-blocking marks its chunks dirty only when it returns, and its data
  // may land on the source after ours (requests in flight together land in
  // any order). Clearing those chunks below before it returned could then
  // leave its data on the source and ours on the target, with nothing dirty:
  // wait for the ones we overlap first. (QEMU's mirror_change() does not
  // wait for them either: Bug::kSwitchIgnoresGuestWrites.)
  background_write_done_.wait_until([&] {
    if (params_.bugs.has(Bug::kSwitchIgnoresGuestWrites)) return true;
    return std::none_of(background_writes_.begin(), background_writes_.end(),
                        [&](ByteSpan w) { return overlaps(w, op_span); });
  });
  // Wait for every op that overlaps, then stand in their way ourselves.
  // QEMU 7.2 waits only while an in-flight bit in the range is set, then
  // sets the write's own bits (active_write_prepare:1396-1398).
  if (literal_qemu72()) {
    wait_on_inflight_bits(op_span, 0);
  } else {
    wait_for_conflicts(op_span, 0);
  }
  const std::uint64_t id = register_op(OpKind::kActiveWrite, op_span, false, false);
  if (literal_qemu72()) mark_chunks_in_flight(op_span);
  ++metrics_.active_writes;
  if (observer_ != nullptr) {
    observer_->on_op_start(OpInfo{id, OpKind::kActiveWrite, op_start, op_span.length_bytes,
                                  buffer_->bytes_in_use(), ops_.background_count()});
  }

  const IoStatus status = write_as(source_, kind, offset, length, data, may_unmap);
  const ByteSpan outward = outward_chunks(op_span);
  if (!status.ok()) {
    // A failed source write may have changed part of the range: copy it later.
    // QEMU's bdrv_mirror_top_do_write jumps past the copy and, its bitmap
    // being disabled in write-blocking mode, marks nothing.
    if (!params_.bugs.has(Bug::kFailedWriteChangedNothing)) {
      dirty_->set(outward.offset_bytes, outward.length_bytes);
    }
    if (literal_qemu72()) clear_chunks_in_flight(op_span);  // active_write_settle:1422
    retire_op(id, status.error);
    kick();
    return status;
  }
  const bool takes_over = clear_covered_chunks(op_span);
  if (takes_over) ++active_takeovers_;

  IoStatus target_status;
  Side failed_side = Side::kTarget;
  const bool copy_from_source = whole_clusters || kind == OpKind::kDiscard;
  if (copy_from_source) {
    PayloadPtr clusters;
    target_status = source_.read(op_start, op_end - op_start, clusters);
    if (target_status.ok()) {
      metrics_.bytes_read += op_end - op_start;
      if (whole_clusters) metrics_.cow_extra_bytes += (op_end - op_start) - length;
      target_status = target_.write(op_start, op_end - op_start, *clusters);
    } else {
      failed_side = Side::kSource;
    }
  } else if (kind == OpKind::kZero) {
    target_status = target_.write_zeroes(offset, length, params_.unmap && may_unmap);
  } else {
    target_status = target_.write(offset, length, *data);
  }
  if (target_status.ok()) {
    metrics_.bytes_written += op_end - op_start;
    if (cow_copied_ && whole_clusters) cow_copied_->set(op_start, op_end - op_start);
  } else {
    dirty_->set(outward.offset_bytes, outward.length_bytes);
    handle_error(failed_side, target_status.error);
  }
  if (takes_over) --active_takeovers_;
  if (literal_qemu72()) clear_chunks_in_flight(op_span);  // active_write_settle:1422
  retire_op(id, target_status.error);
  kick();
  return status;
}

// The chunks `span` touches, even by one byte, up to the disk end.
ByteSpan MirrorJob::outward_chunks(ByteSpan span) const {
  const std::uint64_t start = chunk_floor(span.offset_bytes);
  const std::uint64_t end = std::min(chunk_ceil(span.end_bytes()), resolved_.length_bytes);
  return ByteSpan{start, end - start};
}

// After a write-blocking write landed on the source: clears the dirty bits
// of the chunks the op covers whole (or up to the disk end). A partly
// covered dirty chunk keeps its bit and is left to background copying.
// Says whether any of them was dirty.
bool MirrorJob::clear_covered_chunks(ByteSpan op_span) {
  std::uint64_t clear_start = chunk_ceil(op_span.offset_bytes);
  std::uint64_t clear_end = op_span.end_bytes() == resolved_.length_bytes
                                ? resolved_.length_bytes
                                : chunk_floor(op_span.end_bytes());
  // Fixed by 9adc1cb4: never clear chunks the write covers only partly.
  if (params_.bugs.has(Bug::kActiveClearOutward)) {
    const ByteSpan outward = outward_chunks(op_span);
    clear_start = outward.offset_bytes;
    clear_end = outward.end_bytes();
  }
  if (clear_end <= clear_start) return false;
  const bool was_dirty = dirty_->any_in(clear_start, clear_end - clear_start);
  dirty_->reset(clear_start, clear_end - clear_start);
  return was_dirty;
}

}  // namespace mirrorsim::engine
