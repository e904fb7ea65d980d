// Pre-copy's guest side: a guest write goes to the source, and then marks
// the blocks it touched dirty.
//
// Data, then mark: a copy clears its block's bit before it reads, so
//  - a write that lands before the copy's read is read by it (the mark
//    after it costs one more copy, no harm);
//  - a write that lands during or after the read marks the block after
//    the clear, and a later pass (or the switch-over) copies it again.
// Marking before the data would let a copy clear the mark and read the
// old data while the write is still on its way: the write would be lost.
// The switch-over's pause waits for the writes in flight, so every write
// that reached the source has marked its blocks before the last copy.
#include "engine/guest_filter.h"
#include "engine/precopy_job.h"

namespace mirrorsim::engine {

BlockDevice& PrecopyJob::guest_device() {
  return *guest_;
}

BlockDevice& PrecopyJob::guest_backend() {
  return pivoted_ ? target_ : source_;
}

IoStatus PrecopyJob::guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                                 OpKind kind, bool may_unmap) {
  if (!tracking_guest_writes() || length == 0) {
    return write_as(guest_backend(), kind, offset, length, data, may_unmap);
  }
  const IoStatus status = write_as(source_, kind, offset, length, data, may_unmap);
  // Marked whatever the status: a failed write may have landed in part.
  dirty_->set(offset, length);
  kick();
  return status;
}

}  // namespace mirrorsim::engine
