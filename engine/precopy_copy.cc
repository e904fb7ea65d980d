// Pre-copy's copies: one block each, its dirty bit cleared before the read
// (a guest write that lands while the copy reads marks the block again and
// a later pass copies it); errors and their policies; the rate limit.
#include <algorithm>
#include <cerrno>

#include "engine/error_action.h"
#include "engine/invariant.h"
#include "engine/precopy_job.h"

namespace mirrorsim::engine {

// Starts the copy of `block`, unless an older copy of it is still in flight:
// then waits for a copy to end and returns false (the caller looks again).
bool PrecopyJob::issue_copy(std::uint64_t block, bool switching) {
  const ByteSpan span{dirty_->chunk_offset(block), dirty_->chunk_bytes(block)};
  // Two copies of one block in flight could land in either order, the older
  // data last. Not pre-copy's rule (docs/bugs.md): the switch-over, with
  // the guest paused, takes the copies in flight for harmless.
  const bool wait_older = !(switching && params_.bugs.has(Bug::kPrecopySwitchNoWait));
  if (wait_older && copy_in_flight_over(span)) {
    op_done_.wait();
    return false;
  }
  // Cleared before the read. Not pre-copy's rule (docs/bugs.md): cleared
  // when the read returns, forgetting a guest write that landed meanwhile.
  if (!params_.bugs.has(Bug::kPrecopyClearAfterRead)) dirty_->reset_chunks(block, 1);
  Copy copy{next_op_id_++, span};
  copies_.push_back(copy);
  ++copies_in_flight_;
  MIRRORSIM_ASSERT(copies_in_flight_ <= resolved_.max_in_flight_ops,
                   "more copy ops in flight than max_copy_ops");
  ++metrics_.iterations;
  metrics_.peak_in_flight = std::max(metrics_.peak_in_flight, copies_in_flight_);
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, copy_bytes_in_flight());
  if (observer_ != nullptr) observer_->on_op_start(op_info(copy));
  const std::uint64_t id = copy.id;
  runtime_.spawn("precopy-copy", [this, id] { run_copy(id); });
  throttle_after_dispatch(span.length_bytes);
  return true;
}

void PrecopyJob::run_copy(std::uint64_t id) {
  const auto find = [this, id] {
    const auto it =
        std::find_if(copies_.begin(), copies_.end(), [id](const Copy& c) { return c.id == id; });
    MIRRORSIM_ASSERT(it != copies_.end(), "no copy with this id in flight");
    return it;
  };
  const ByteSpan span = find()->span;
  PayloadPtr data;
  Side failed_side = Side::kSource;
  IoStatus status = source_.read(span.offset_bytes, span.length_bytes, data);
  if (status.ok()) {
    metrics_.bytes_read += span.length_bytes;
    if (params_.bugs.has(Bug::kPrecopyClearAfterRead)) {
      dirty_->reset(span.offset_bytes, span.length_bytes);
    }
    failed_side = Side::kTarget;
    status = target_.write(span.offset_bytes, span.length_bytes, *data);
  }
  if (status.ok()) {
    metrics_.bytes_written += span.length_bytes;
    ++metrics_.copy_ops;
    pass_copied_bytes_ += span.length_bytes;
  } else {
    dirty_->set(span.offset_bytes, span.length_bytes);  // copied again in a later pass
    handle_error(failed_side, status.error);
  }
  const Copy copy = *find();
  if (observer_ != nullptr) observer_->on_op_end(op_info(copy), status.error);
  copies_.erase(find());
  --copies_in_flight_;
  op_done_.wake_all();
  kick();
}

bool PrecopyJob::copy_in_flight_over(ByteSpan span) const {
  return std::any_of(copies_.begin(), copies_.end(),
                     [span](const Copy& c) { return overlaps(c.span, span); });
}

std::uint64_t PrecopyJob::copy_bytes_in_flight() const {
  std::uint64_t bytes = 0;
  for (const Copy& c : copies_) bytes += c.span.length_bytes;
  return bytes;
}

OpInfo PrecopyJob::op_info(const Copy& copy) const {
  return OpInfo{copy.id,
                OpKind::kCopy,
                copy.span.offset_bytes,
                copy.span.length_bytes,
                copy_bytes_in_flight(),
                copies_in_flight_};
}

}  // namespace mirrorsim::engine
