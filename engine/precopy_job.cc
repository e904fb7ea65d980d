// Pre-copy's own task: the passes, the decision after each, READY, the
// switch-over and the end. Copies and errors are precopy_copy.cc; the
// guest's side is precopy_guest.cc; parameters and commands are
// precopy_commands.cc.
//
// A pass is one sweep of the bitmap from block 0 to the end: at each dirty
// block at or after the sweep's cursor the job clears the bit and copies
// the block. Blocks dirtied behind the cursor wait for the next pass; blocks
// dirtied ahead of it are copied in this one. A pass ends when the sweep has
// reached the end and its copies have ended.
#include "engine/precopy_job.h"

#include <algorithm>
#include <string>
#include <utility>

#include "engine/guest_filter.h"
#include "engine/invariant.h"

namespace mirrorsim::engine {

PrecopyJob::PrecopyJob(Runtime& runtime, BlockDevice& source, BlockDevice& target,
                       MirrorParams params, JobObserver* observer, PivotHook pivot)
    : runtime_(runtime),
      source_(source),
      target_(target),
      params_(std::move(params)),
      observer_(observer),
      pivot_(std::move(pivot)),
      guest_(std::make_unique<GuestFilter<PrecopyJob>>(*this)),
      op_done_(runtime, "precopy copy completion"),
      kick_(runtime, "precopy job idle (work or a command)"),
      resumed_(runtime, "precopy job resume"),
      guest_drain_(runtime, "precopy guest pause (guest I/O held off)"),
      ended_(runtime, "precopy job end") {}

PrecopyJob::~PrecopyJob() = default;

std::uint64_t PrecopyJob::dirty_bytes() const {
  return dirty_ ? dirty_->dirty_bytes() : 0;
}

// ---- the passes ----------------------------------------------------------------

void PrecopyJob::run() {
  transition(JobState::kRunning);
  mark_first_pass();
  start_pass();
  bool drained = false;
  while (true) {
    if (failure_) break;
    if (!pause_point()) break;
    if (commands_.force_cancel) break;
    if (ready_ && (commands_.complete_requested || commands_.cancel_requested)) {
      drained = switch_over();
      break;
    }
    if (converged_ && !ready_) {
      // READY speaks of a flushed target: no copy may end after the flush.
      if (copies_in_flight_ > 0) {
        op_done_.wait();
        continue;
      }
      if (flush_target_or_handle_error()) announce_ready();
      continue;
    }
    const std::optional<std::uint64_t> next = dirty_->next_dirty_chunk(cursor_block_);
    if (next) {
      if (copies_in_flight_ >= resolved_.max_in_flight_ops) {
        op_done_.wait();
      } else if (issue_copy(*next, /*switching=*/false)) {
        cursor_block_ = *next + 1;
      }
      continue;
    }
    if (copies_in_flight_ > 0) {
      op_done_.wait();
      continue;
    }
    // The sweep is at the end with nothing in flight. In READY with nothing
    // dirty the job idles until a guest write or a command.
    if (ready_ && pass_copied_bytes_ == 0 && dirty_->count() == 0) {
      if (!commands_.any_pending() && !failure_) kick_.wait();
      continue;
    }
    end_pass();
  }
  finish(drained);
}

// Pass 1's blocks: every block (full), the blocks the source's top layer
// allocates (top), none (none: only what the guest writes from now on).
void PrecopyJob::mark_first_pass() {
  const std::uint64_t length = resolved_.length_bytes;
  switch (params_.sync) {
    case SyncMode::kFull:
      dirty_->set(0, length);
      break;
    case SyncMode::kTop:
      for (std::uint64_t offset = 0; offset < length;) {
        const BlockStatus status = source_.block_status(offset, length - offset);
        const std::uint64_t run = std::clamp<std::uint64_t>(status.length, 1, length - offset);
        if (status.allocated) dirty_->set(offset, run);
        offset += run;
      }
      break;
    case SyncMode::kNone:
      break;
  }
}

void PrecopyJob::start_pass() {
  ++pass_;
  cursor_block_ = 0;
  pass_start_ns_ = runtime_.now();
  pass_start_dirty_bytes_ = dirty_->dirty_bytes();
  pass_copied_bytes_ = 0;
}

void PrecopyJob::end_pass() {
  if (!ready_) {
    ++metrics_.bitmap_passes;
    switch (decide()) {
      case Decision::kAnotherPass:
        break;
      case Decision::kConverged:
        converged_ = true;
        break;
      case Decision::kAbort: {
        const std::optional<TimeNs> estimate = downtime_estimate_ns();
        failure_ = "precopy: the downtime limit: after " + std::to_string(pass_) + " passes " +
                   std::to_string(dirty_->dirty_bytes()) + " bytes are left, which would take " +
                   (estimate ? "about " + std::to_string(*estimate / 1000) + " us"
                             : std::string("an unknown time (no copy rate measured)")) +
                   " with the guest paused, above max_downtime " +
                   std::to_string(params_.max_downtime_ns / 1000) + " us";
        failure_errno_ = 0;
        return;
      }
    }
  } else if (pass_copied_bytes_ > 0) {
    ++metrics_.bitmap_passes;
  }
  start_pass();
}

// After a pass, before READY (docs/algorithms.md "precopy", rule 4).
PrecopyJob::Decision PrecopyJob::decide() const {
  const std::uint64_t left = dirty_->dirty_bytes();
  const std::optional<TimeNs> estimate = downtime_estimate_ns();
  const bool within_limit =
      params_.max_downtime_ns == 0 || (estimate && *estimate <= params_.max_downtime_ns);
  if (left <= switch_.switch_bytes && within_limit) return Decision::kConverged;
  // Pass 1 sets the pace; from pass 2 on a pass that did not shrink the
  // dirty set shows the guest dirties as fast as the job copies.
  const bool passes_over =
      pass_ >= switch_.max_passes || (pass_ >= 2 && left >= pass_start_dirty_bytes_);
  if (!passes_over) return Decision::kAnotherPass;
  if (within_limit || params_.on_downtime_limit == DowntimeAction::kForce) {
    return Decision::kConverged;
  }
  return Decision::kAbort;
}

// The bytes left over the copy rate of the pass that just ended; nothing
// when that pass copied nothing (no rate measured) and bytes are left.
std::optional<TimeNs> PrecopyJob::downtime_estimate_ns() const {
  const std::uint64_t left = dirty_->dirty_bytes();
  if (left == 0) return 0;
  const TimeNs took = runtime_.now() - pass_start_ns_;
  if (pass_copied_bytes_ == 0 || took <= 0) return std::nullopt;
  const unsigned __int128 ns =
      static_cast<unsigned __int128>(left) * static_cast<std::uint64_t>(took) / pass_copied_bytes_;
  const auto cap = static_cast<unsigned __int128>(INT64_MAX);
  return static_cast<TimeNs>(ns > cap ? cap : ns);
}

// complete or a soft cancel in READY: pause the guest (wait for its writes
// in flight), wait for the copies in flight, copy every dirty block, flush
// the target. Returns with the guest still paused; finish() pivots (or not)
// and resumes it. A failure, a forced cancel or a stop ends the loop early.
bool PrecopyJob::switch_over() {
  const bool wait_copies = !params_.bugs.has(Bug::kPrecopySwitchNoWait);
  // Not pre-copy's rule (docs/bugs.md) with the bug: new guest writes are
  // held off, but those already in flight may land after the rest has been
  // copied.
  guest_drain_.begin(params_.bugs.has(Bug::kPrecopyPauseNoDrain)
                         ? GuestDrain::InFlight::kLeaveRunning
                         : GuestDrain::InFlight::kWait);
  while (true) {
    if (failure_ || commands_.force_cancel) break;
    if (!pause_point()) break;  // a stop on error: the guest stays paused
    const std::optional<std::uint64_t> next = dirty_->next_dirty_chunk(0);
    if (next) {
      if (copies_in_flight_ >= resolved_.max_in_flight_ops) {
        op_done_.wait();
      } else {
        issue_copy(*next, /*switching=*/true);
      }
      continue;
    }
    // Not pre-copy's rule (docs/bugs.md) without wait_copies: nothing dirty
    // is taken for "all copied" while copies are still on their way.
    if (wait_copies && copies_in_flight_ > 0) {
      op_done_.wait();
      continue;
    }
    if (!flush_target_or_handle_error()) continue;
    if (dirty_->count() == 0) break;  // a copy that failed meanwhile marked its block
  }
  return true;
}

// ---- the end --------------------------------------------------------------------

void PrecopyJob::finish(bool drained) {
  // Guest I/O is held off while the job ends, as the QEMU job does.
  if (!drained) guest_drain_.begin();
  job_done_ = true;
  const bool pivot_waits = !params_.bugs.has(Bug::kPrecopySwitchNoWait);
  if (pivot_waits || failure_ || commands_.force_cancel) {
    op_done_.wait_until([this] { return copies_in_flight_ == 0; });
  }
  conclude();
}

}  // namespace mirrorsim::engine
