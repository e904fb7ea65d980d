// io-mirror's guest side: region locking, the behind/ahead decision, the
// mirrored write, and the drain that holds guest I/O off at start and end.
//
// A guest write first waits until no copy holds a region it touches and no
// other guest write to the same bytes is in flight (so the source and the
// target see overlapping writes in the same order). Then, with nothing
// yielded in between, it decides: a write that touches a passed region is
// mirrored, one wholly ahead of the cursor goes to the source only; and it
// registers itself, so a copy that locks its region later waits for it.
#include <algorithm>

#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/io_mirror_job.h"

namespace mirrorsim::engine {
BlockDevice& IoMirrorJob::guest_device() {
  return *guest_;
}

BlockDevice& IoMirrorJob::guest_backend() {
  return pivoted_ ? target_ : source_;
}

// True when the write touches a region the pass has copied.
bool IoMirrorJob::passed(ByteSpan span) const {
  // Not io-mirror's rule (docs/bugs.md): only a write wholly behind the
  // cursor is taken for one the target must see.
  if (params_.bugs.has(Bug::kIoStraddleAhead)) return span.end_bytes() <= copied_end_;
  if (span.offset_bytes < copied_end_) return true;
  return std::any_of(passed_beyond_.begin(), passed_beyond_.end(),
                     [span](const ByteSpan& r) { return overlaps(r, span); });
}

// The bytes a guest write locks and, when mirrored, writes on the target:
// its own, widened to whole target clusters when the target would zero-fill
// the rest of a fresh cluster (its backing is not attached yet).
ByteSpan IoMirrorJob::lock_span(ByteSpan span) const {
  const std::uint64_t cluster = resolved_.target_cluster_bytes;
  if (!resolved_.target_fills_zeroes || cluster == 0) return span;
  const std::uint64_t start = span.offset_bytes / cluster * cluster;
  const std::uint64_t end =
      std::min((span.end_bytes() + cluster - 1) / cluster * cluster, resolved_.length_bytes);
  return ByteSpan{start, end - start};
}

bool IoMirrorJob::must_wait(ByteSpan locked) const {
  // Not io-mirror's rule (docs/bugs.md): a copy's lock is taken to matter
  // only until the copy has its data.
  const bool until_read = params_.bugs.has(Bug::kIoLockUntilRead);
  return std::any_of(ops_.begin(), ops_.end(), [&](const Op& o) {
    if (!overlaps(o.span, locked)) return false;
    if (!o.copy) return true;  // another guest write to the same bytes
    return o.locks && !(until_read && o.read_done);
  });
}

IoStatus IoMirrorJob::guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                                  OpKind kind, bool may_unmap) {
  if (!tracking_guest_writes() || length == 0) {
    return write_as(guest_backend(), kind, offset, length, data, may_unmap);
  }
  const ByteSpan span{offset, length};
  const ByteSpan locked = lock_span(span);
  op_done_.wait_until([&] { return !must_wait(locked); });
  const bool mirrored = passed(span);
  const std::uint64_t id = add_op(locked, /*copy=*/false);
  if (mirrored) {
    ++metrics_.active_writes;
    if (observer_ != nullptr) observer_->on_op_start(op_info(op(id)));
  }
  const IoStatus status = write_as(source_, kind, offset, length, data, may_unmap);
  int target_error = 0;
  if (mirrored) {
    target_error = mirror_to_target(span, locked, data, kind, may_unmap, status.ok()).error;
  }
  retire_op(id, target_error, /*report=*/mirrored);
  return status;
}

// The target side of a mirrored write, after the source side landed. Data
// goes as the guest sent it; a discard, a failed (maybe torn) source write
// or a write widened to whole clusters is copied from what the source now
// reads, since that is what the target must read. A failure puts the range
// on the retry list and applies the error policy.
IoStatus IoMirrorJob::mirror_to_target(ByteSpan span, ByteSpan locked, const Payload* data,
                                       OpKind kind, bool may_unmap, bool source_ok) {
  const bool from_source = kind == OpKind::kDiscard || !source_ok || locked != span;
  if (locked.end_bytes() > issued_end_) written_ahead_.push_back(locked);
  IoStatus status;
  Side side = Side::kTarget;
  if (from_source) {
    PayloadPtr now;
    status = source_.read(locked.offset_bytes, locked.length_bytes, now);
    if (status.ok()) {
      metrics_.bytes_read += locked.length_bytes;
      metrics_.cow_extra_bytes += locked.length_bytes - span.length_bytes;
      status = target_.write(locked.offset_bytes, locked.length_bytes, *now);
    } else {
      side = Side::kSource;
    }
  } else if (kind == OpKind::kZero) {
    status = target_.write_zeroes(span.offset_bytes, span.length_bytes, params_.unmap && may_unmap);
  } else {
    status = target_.write(span.offset_bytes, span.length_bytes, *data);
  }
  if (status.ok()) {
    metrics_.bytes_written += locked.length_bytes;
    return status;
  }
  retry_.push_back(locked);
  handle_error(side, status.error);
  return status;
}

}  // namespace mirrorsim::engine
