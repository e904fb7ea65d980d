// snapshot's guest side: copy-before-write and the written set.
//
// A guest write first waits until no block it touches is being read, by a
// copy of the running round or by another write reading it aside. Then,
// with nothing yielded in between, it records every block it touches in
// the written set (the next round copies them) and claims each one the
// round has still to copy and nobody has read aside; it reads those blocks'
// old data into the round's store, and only then goes to the source.
#include <vector>

#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/snapshot_job.h"

namespace mirrorsim::engine {

BlockDevice& SnapshotJob::guest_device() {
  return *guest_;
}

BlockDevice& SnapshotJob::guest_backend() {
  return pivoted_ ? target_ : source_;
}

IoStatus SnapshotJob::guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                                  OpKind kind, bool may_unmap) {
  if (!tracking_guest_writes() || length == 0) {
    return write_as(guest_backend(), kind, offset, length, data, may_unmap);
  }
  const std::uint64_t block_bytes = resolved_.granularity_bytes;
  const std::uint64_t first = offset / block_bytes;
  const std::uint64_t last = (offset + length - 1) / block_bytes;
  const auto being_read = [&] {
    for (std::uint64_t b = first; b <= last; ++b) {
      if (round_[b] == Block::kPreserving || round_[b] == Block::kReading) return true;
    }
    return false;
  };
  op_done_.wait_until([&] { return !being_read(); });
  std::vector<std::uint64_t> to_preserve;
  for (std::uint64_t b = first; b <= last; ++b) {
    const bool round_copies = round_[b] == Block::kPending || round_[b] == Block::kPreserved;
    // Not snapshot's rule (docs/bugs.md): a block the running round has not
    // copied yet is left out of the written set, as if the round would copy
    // the new data; it copies the frozen data instead.
    if (!(round_copies && params_.bugs.has(Bug::kSnapPendingNotRecorded))) mark_written(b);
    if (round_[b] == Block::kPending) {
      set_block(b, Block::kPreserving);
      to_preserve.push_back(b);
    }
  }
  kick();  // an idle job in READY starts a round for these
  for (const std::uint64_t b : to_preserve) preserve(b);
  return write_as(source_, kind, offset, length, data, may_unmap);
}

// Reads the block's old data into the store. A failed read drops the block
// from the round: the write that caused it recorded the block, so the next
// round copies it (from the image that round freezes).
void SnapshotJob::preserve(std::uint64_t block) {
  const ByteSpan span = block_span(block);
  PayloadPtr old;
  const IoStatus status = source_.read(span.offset_bytes, span.length_bytes, old);
  MIRRORSIM_ASSERT(round_[block] == Block::kPreserving, "a block changed while read aside");
  if (status.ok()) {
    metrics_.bytes_read += span.length_bytes;
    store_[block] = std::move(old);
    set_block(block, Block::kPreserved);
    return;
  }
  set_block(block, Block::kOut);
  handle_error(Side::kSource, status.error);
}

}  // namespace mirrorsim::engine
