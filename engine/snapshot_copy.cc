// snapshot's copies: the job task takes the running round's next block to
// copy, from the store when a guest write read its old data aside, else
// from the source (unchanged there since the round began: a guest write to
// it would have read it aside first, and one that comes while the copy
// reads waits for the read). Also the bookkeeping of blocks and what the
// job owes.
#include <algorithm>
#include <memory>
#include <utility>

#include "engine/invariant.h"
#include "engine/snapshot_job.h"

namespace mirrorsim::engine {

ByteSpan SnapshotJob::block_span(std::uint64_t block) const {
  const std::uint64_t offset = block * resolved_.granularity_bytes;
  return ByteSpan{offset, std::min(resolved_.granularity_bytes, resolved_.length_bytes - offset)};
}

// The job still has to send a copy for the block: the running round has not
// issued it, or the guest wrote it since the round began.
bool SnapshotJob::owes(std::uint64_t block) const {
  const Block b = round_[block];
  return b == Block::kPending || b == Block::kPreserving || b == Block::kPreserved ||
         written_[block] != 0;
}

void SnapshotJob::set_block(std::uint64_t block, Block to) {
  const auto unissued = [](Block b) {
    return b == Block::kPending || b == Block::kPreserving || b == Block::kPreserved;
  };
  const bool owed_before = owes(block);
  if (unissued(round_[block]) && !unissued(to)) --round_left_;
  if (!unissued(round_[block]) && unissued(to)) {
    ++round_left_;
    scan_ = std::min(scan_, block);  // copied again: the scan comes back for it
  }
  round_[block] = to;
  const bool owed_after = owes(block);
  if (owed_before && !owed_after) --owed_blocks_;
  if (!owed_before && owed_after) ++owed_blocks_;
  op_done_.wake_all();
}

void SnapshotJob::mark_written(std::uint64_t block) {
  if (written_[block] != 0) return;
  const bool owed_before = owes(block);
  written_[block] = 1;
  ++written_count_;
  if (!owed_before) ++owed_blocks_;
}

std::uint64_t SnapshotJob::dirty_bytes() const {
  return std::min(owed_blocks_ * resolved_.granularity_bytes, resolved_.length_bytes);
}

std::uint64_t SnapshotJob::written_bytes() const {
  std::uint64_t bytes = written_count_ * resolved_.granularity_bytes;
  // The last block may be short.
  if (!written_.empty() && written_.back() != 0) {
    bytes -= resolved_.granularity_bytes - block_span(written_.size() - 1).length_bytes;
  }
  return bytes;
}

std::uint64_t SnapshotJob::store_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& [block, data] : store_) bytes += block_span(block).length_bytes;
  return bytes;
}

OpInfo SnapshotJob::copy_info(std::uint64_t id, std::uint64_t block) const {
  const ByteSpan span = block_span(block);
  return OpInfo{id,
                OpKind::kCopy,
                span.offset_bytes,
                span.length_bytes,
                copy_bytes_in_flight_,
                copies_in_flight_};
}

// Takes the next block of the running round and starts its copy; a block
// whose old data a guest write is reading aside is waited for.
void SnapshotJob::issue_next_copy() {
  while (scan_ < round_.size() &&
         (round_[scan_] == Block::kOut || round_[scan_] == Block::kReading ||
          round_[scan_] == Block::kWriting)) {
    ++scan_;
  }
  MIRRORSIM_ASSERT(scan_ < round_.size(), "blocks left in the round but none found");
  const std::uint64_t block = scan_;
  if (round_[block] == Block::kPreserving) {
    op_done_.wait_until([&] { return round_[block] != Block::kPreserving; });
    return;  // the loop looks again: preserved, or dropped after a failed read
  }
  ++metrics_.iterations;
  const ByteSpan span = block_span(block);
  // sync=top: round 0 copies what the source's top layer allocates; the
  // target shares the source's backing elsewhere. Later rounds copy every
  // block the guest wrote, allocated or not (a discard must reach it too).
  const bool top_check = params_.sync == SyncMode::kTop &&
                         (rounds_begun_ == 1 || params_.bugs.has(Bug::kSnapTopEveryRound));
  if (top_check) {
    const BlockStatus status = source_.block_status(span.offset_bytes, span.length_bytes);
    // A block preserved meanwhile was written since: copy it anyway.
    if (!status.allocated && status.length >= span.length_bytes &&
        round_[block] == Block::kPending) {
      set_block(block, Block::kOut);
      return;
    }
    if (round_[block] == Block::kPreserving) return;  // a guest write came while we asked
  }
  PayloadPtr preserved;
  if (round_[block] == Block::kPreserved) {
    auto it = store_.find(block);
    MIRRORSIM_ASSERT(it != store_.end(), "a preserved block is not in the store");
    preserved = std::move(it->second);
    store_.erase(it);
    set_block(block, Block::kWriting);
  } else {
    set_block(block, Block::kReading);
  }
  const std::uint64_t id = next_op_id_++;
  ++copies_in_flight_;
  copy_bytes_in_flight_ += span.length_bytes;
  MIRRORSIM_ASSERT(copies_in_flight_ <= resolved_.max_in_flight_ops,
                   "more copy ops in flight than max_copy_ops");
  metrics_.peak_in_flight = std::max(metrics_.peak_in_flight, copies_in_flight_);
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, copy_bytes_in_flight_);
  if (observer_ != nullptr) observer_->on_op_start(copy_info(id, block));
  // A task is a std::function, which must be copyable: the data rides in a
  // shared holder.
  auto data = std::make_shared<PayloadPtr>(std::move(preserved));
  runtime_.spawn("snapshot-copy",
                 [this, id, block, data] { run_copy(id, block, std::move(*data)); });
  throttle_after_dispatch(span.length_bytes);
}

void SnapshotJob::run_copy(std::uint64_t id, std::uint64_t block, PayloadPtr data) {
  const ByteSpan span = block_span(block);
  Side failed_side = Side::kTarget;
  IoStatus status;
  if (data == nullptr) {
    status = source_.read(span.offset_bytes, span.length_bytes, data);
    if (status.ok()) {
      metrics_.bytes_read += span.length_bytes;
      set_block(block, Block::kWriting);  // guest writes to it may go on now
    } else {
      failed_side = Side::kSource;
      data.reset();
    }
  }
  if (status.ok()) status = target_.write(span.offset_bytes, span.length_bytes, *data);
  if (status.ok()) {
    metrics_.bytes_written += span.length_bytes;
    ++metrics_.copy_ops;
    set_block(block, Block::kOut);
  } else if (data != nullptr) {
    // Copied again from the same frozen data.
    store_[block] = std::move(data);
    set_block(block, Block::kPreserved);
  } else {
    set_block(block, Block::kPending);  // the source still holds the frozen data
  }
  if (!status.ok()) handle_error(failed_side, status.error);
  const OpInfo info = copy_info(id, block);
  --copies_in_flight_;
  copy_bytes_in_flight_ -= span.length_bytes;
  if (observer_ != nullptr) observer_->on_op_end(info, status.error);
  op_done_.wake_all();
  kick();
}

}  // namespace mirrorsim::engine
