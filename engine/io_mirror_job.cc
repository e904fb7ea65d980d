// io-mirror's own task: the pass (lock a region, wait for the guest writes
// in flight to it, copy it, mark it passed), pauses, errors, READY and the
// end. The guest's side is io_mirror_guest.cc; the commands and the
// parameters are io_mirror_commands.cc.
//
// The pass: the job task takes the next region at issued_end_ (or a range
// from the retry list), registers its copy op (from then on guest writes
// that touch it wait), waits for the guest writes already in flight there,
// and for sync=top skips a region the source's top layer does not allocate;
// otherwise it spawns the copy, which reads the source, writes the target
// and then marks the region passed. Copies may end out of order: the
// cursor (copied_end_) moves over a run of passed regions at once.
#include "engine/io_mirror_job.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "engine/error_action.h"
#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/limits.h"

namespace mirrorsim::engine {

IoMirrorJob::IoMirrorJob(Runtime& runtime, BlockDevice& source, BlockDevice& target,
                         MirrorParams params, JobObserver* observer, PivotHook pivot)
    : runtime_(runtime),
      source_(source),
      target_(target),
      params_(std::move(params)),
      observer_(observer),
      pivot_(std::move(pivot)),
      guest_(std::make_unique<GuestFilter<IoMirrorJob>>(*this)),
      op_done_(runtime, "io-mirror op completion"),
      kick_(runtime, "io-mirror job idle (work or a command)"),
      resumed_(runtime, "io-mirror job resume"),
      guest_drain_(runtime, "io-mirror drain (guest I/O held off)"),
      ended_(runtime, "io-mirror job end") {}

IoMirrorJob::~IoMirrorJob() = default;

std::uint64_t IoMirrorJob::dirty_bytes() const {
  std::uint64_t owed = resolved_.length_bytes - issued_end_;
  for (const ByteSpan& r : retry_) owed += r.length_bytes;
  return owed;
}

// ---- the job's task -----------------------------------------------------------

void IoMirrorJob::run() {
  transition(JobState::kRunning);
  bool drained = false;
  while (true) {
    if (failure_) break;
    if (!pause_point()) break;
    if (commands_.force_cancel) break;
    const bool work = issued_end_ < resolved_.length_bytes || !retry_.empty();
    if (copies_in_flight_ >= resolved_.max_in_flight_ops || (!work && copies_in_flight_ > 0)) {
      op_done_.wait();
      continue;
    }
    if (work) {
      issue_next_copy();
      continue;
    }
    // The pass is over and nothing is in flight.
    if (!ready_) {
      if (!flush_target_or_handle_error()) continue;
      if (failure_) break;
      announce_ready();
    }
    if (commands_.complete_requested || commands_.cancel_requested) {
      if (!in_sync_for_end(&drained)) continue;
      break;  // in sync: leave the loop, still drained
    }
    if (!retry_.empty() || commands_.any_pending() || failure_) continue;
    kick_.wait();
  }
  finish(drained);
}

bool IoMirrorJob::pass_over() const {
  return issued_end_ == resolved_.length_bytes && retry_.empty() && copies_in_flight_ == 0;
}

bool IoMirrorJob::in_sync_for_end(bool* drained) {
  guest_drain_.begin();
  const bool in_sync = pass_over() && flush_target_or_handle_error() && pass_over();
  if (!in_sync) {
    guest_drain_.end();
    return false;
  }
  *drained = true;
  return true;
}

// Locks the next region (or a range to retry), waits for the guest writes
// in flight to it, and copies it unless sync=top finds nothing to copy.
void IoMirrorJob::issue_next_copy() {
  const bool retry = !retry_.empty();
  const std::uint64_t region_bytes = resolved_.granularity_bytes;
  ByteSpan region;
  if (retry) {
    // At most the part in one region: a copy never holds more than a region.
    ByteSpan& first = retry_.front();
    const std::uint64_t region_end =
        first.offset_bytes / region_bytes * region_bytes + region_bytes;
    region.offset_bytes = first.offset_bytes;
    region.length_bytes = std::min(first.end_bytes(), region_end) - first.offset_bytes;
    first = ByteSpan{region.end_bytes(), first.end_bytes() - region.end_bytes()};
    if (first.length_bytes == 0) retry_.erase(retry_.begin());
  } else {
    region.offset_bytes = issued_end_;
    region.length_bytes = std::min(region_bytes, resolved_.length_bytes - issued_end_);
    issued_end_ = region.end_bytes();
  }
  ++metrics_.iterations;
  const std::uint64_t id = add_op(region, /*copy=*/true);
  // Region locking: guest writes admitted before the lock land first, and
  // so does an older copy of the same bytes (a retry may overlap one).
  op_done_.wait_until([&] {
    return std::none_of(ops_.begin(), ops_.end(),
                        [&](const Op& o) { return o.id != id && overlaps(o.span, region); });
  });
  if (!retry && params_.sync == SyncMode::kTop) {
    const BlockStatus status = source_.block_status(region.offset_bytes, region.length_bytes);
    const bool written = std::any_of(written_ahead_.begin(), written_ahead_.end(),
                                     [&](const ByteSpan& w) { return overlaps(w, region); });
    if (!status.allocated && status.length >= region.length_bytes && !written) {
      region_passed(region);  // the target shares the source's backing here
      retire_op(id, 0, /*report=*/false);
      return;
    }
  }
  const Op& copy = op(id);
  metrics_.peak_in_flight = std::max(metrics_.peak_in_flight, copies_in_flight_);
  metrics_.peak_buffer_bytes = std::max(metrics_.peak_buffer_bytes, copy_bytes_in_flight());
  if (observer_ != nullptr) observer_->on_op_start(op_info(copy));
  runtime_.spawn("io-mirror-copy", [this, id, retry] { run_copy(id, retry); });
  throttle_after_dispatch(region.length_bytes);
}

void IoMirrorJob::run_copy(std::uint64_t id, bool retry) {
  const ByteSpan region = op(id).span;
  PayloadPtr data;
  Side failed_side = Side::kSource;
  IoStatus status = source_.read(region.offset_bytes, region.length_bytes, data);
  if (status.ok()) {
    metrics_.bytes_read += region.length_bytes;
    op(id).read_done = true;
    // Not io-mirror's rule (docs/bugs.md): the region is taken as copied once
    // its data is in hand, so guest writes to it are mirrored, and no longer
    // wait, while the old data is still on its way to the target.
    if (params_.bugs.has(Bug::kIoPassedAtRead) && !retry) {
      region_passed(region);
      op(id).locks = false;
    }
    op_done_.wake_all();  // writes that wait only for the read (io-lock-until-read)
    failed_side = Side::kTarget;
    status = target_.write(region.offset_bytes, region.length_bytes, *data);
  }
  if (status.ok()) {
    metrics_.bytes_written += region.length_bytes;
    ++metrics_.copy_ops;
    if (!retry && !params_.bugs.has(Bug::kIoPassedAtRead)) region_passed(region);
  } else {
    // Copied again later; guest writes meanwhile are mirrored, which the
    // copy again then covers (it reads after them).
    if (!retry && !params_.bugs.has(Bug::kIoPassedAtRead)) region_passed(region);
    retry_.push_back(region);
    handle_error(failed_side, status.error);
  }
  retire_op(id, status.error, /*report=*/true);
  kick();
}

void IoMirrorJob::region_passed(ByteSpan region) {
  if (region.offset_bytes != copied_end_) {
    passed_beyond_.push_back(region);
    return;
  }
  copied_end_ = region.end_bytes();
  // Absorb the regions that ended before this one, now contiguous.
  bool moved = true;
  while (moved) {
    moved = false;
    for (auto it = passed_beyond_.begin(); it != passed_beyond_.end(); ++it) {
      if (it->offset_bytes == copied_end_) {
        copied_end_ = it->end_bytes();
        passed_beyond_.erase(it);
        moved = true;
        break;
      }
    }
  }
  MIRRORSIM_ASSERT(copied_end_ <= issued_end_, "the cursor passed a region never issued");
}

// ---- ops ------------------------------------------------------------------------

std::uint64_t IoMirrorJob::add_op(ByteSpan span, bool copy) {
  Op o;
  o.id = next_op_id_++;
  o.span = span;
  o.copy = copy;
  ops_.push_back(o);
  if (copy) {
    ++copies_in_flight_;
    MIRRORSIM_ASSERT(copies_in_flight_ <= resolved_.max_in_flight_ops,
                     "more copy ops in flight than max_copy_ops");
  }
  return o.id;
}

IoMirrorJob::Op& IoMirrorJob::op(std::uint64_t id) {
  const auto it = std::find_if(ops_.begin(), ops_.end(), [id](const Op& o) { return o.id == id; });
  MIRRORSIM_ASSERT(it != ops_.end(), "no op with this id in flight");
  return *it;
}

OpInfo IoMirrorJob::op_info(const Op& o) const {
  return OpInfo{o.id,
                o.copy ? OpKind::kCopy : OpKind::kActiveWrite,
                o.span.offset_bytes,
                o.span.length_bytes,
                copy_bytes_in_flight(),
                copies_in_flight_};
}

std::uint64_t IoMirrorJob::copy_bytes_in_flight() const {
  std::uint64_t bytes = 0;
  for (const Op& o : ops_) {
    if (o.copy) bytes += o.span.length_bytes;
  }
  return bytes;
}

void IoMirrorJob::retire_op(std::uint64_t id, int error, bool report) {
  const Op o = op(id);
  if (report && observer_ != nullptr) observer_->on_op_end(op_info(o), error);
  std::erase_if(ops_, [id](const Op& x) { return x.id == id; });
  if (o.copy) --copies_in_flight_;
  op_done_.wake_all();
}

// ---- the end ----------------------------------------------------------------------

void IoMirrorJob::finish(bool drained) {
  // As the QEMU job: guest I/O is held off while the job ends, so mirrored
  // writes in flight land (and report their errors) before the end.
  if (!drained) {
    guest_drain_.begin();
    drained = true;
  }
  job_done_ = true;
  op_done_.wait_until([this] { return copies_in_flight_ == 0; });
  conclude();
}

}  // namespace mirrorsim::engine
