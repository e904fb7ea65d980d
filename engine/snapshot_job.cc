// snapshot's own task: the rounds (copy the running round's set, then switch
// to the next with guest I/O held off), READY, the switch-over with the
// guest paused, pauses, errors and the end. The copies are
// snapshot_copy.cc, the guest's side snapshot_guest.cc, the parameters and
// commands snapshot_commands.cc.
#include <algorithm>
#include <cerrno>
#include <utility>

#include "engine/error_action.h"
#include "engine/guest_filter.h"
#include "engine/invariant.h"
#include "engine/limits.h"
#include "engine/snapshot_job.h"

namespace mirrorsim::engine {

SnapshotJob::SnapshotJob(Runtime& runtime, BlockDevice& source, BlockDevice& target,
                         MirrorParams params, JobObserver* observer, PivotHook pivot)
    : runtime_(runtime),
      source_(source),
      target_(target),
      params_(std::move(params)),
      observer_(observer),
      pivot_(std::move(pivot)),
      guest_(std::make_unique<GuestFilter<SnapshotJob>>(*this)),
      op_done_(runtime, "snapshot copy or read aside"),
      kick_(runtime, "snapshot job idle (guest writes or a command)"),
      resumed_(runtime, "snapshot job resume"),
      guest_drain_(runtime, "snapshot drain (guest I/O held off)"),
      ended_(runtime, "snapshot job end") {}

SnapshotJob::~SnapshotJob() = default;

// ---- the job's task -----------------------------------------------------------

void SnapshotJob::run() {
  transition(JobState::kRunning);
  bool drained = false;
  while (true) {
    if (failure_) break;
    if (!pause_point()) break;
    if (commands_.force_cancel) break;
    // Complete, or a soft cancel after READY: pause the guest now; the
    // running round still ends, then the last written set is copied.
    if (ready_ && !switching_ && (commands_.complete_requested || commands_.cancel_requested)) {
      begin_switch_over();
      drained = true;
      continue;
    }
    if (copies_in_flight_ >= resolved_.max_in_flight_ops ||
        (round_left_ == 0 && copies_in_flight_ > 0)) {
      op_done_.wait();
      continue;
    }
    if (round_left_ > 0) {
      issue_next_copy();
      continue;
    }
    // The running round is copied and nothing is in flight.
    if (round_open_) round_ended();
    if (switching_) {
      if (written_count_ > 0) {
        begin_round(/*hold_guest=*/false);  // the guest is paused already
        continue;
      }
      if (!flush_target_or_handle_error()) continue;
      if (failure_) break;
      break;  // in sync, still drained: finish pivots (or, cancelled, does not)
    }
    if (!ready_) {
      if (!ready_due_) {
        begin_round(/*hold_guest=*/true);
        continue;
      }
      if (!flush_target_or_handle_error()) continue;
      if (failure_) break;
      announce_ready();
      continue;
    }
    // READY: keep the target close behind with one round after another.
    if (written_count_ > 0) {
      begin_round(/*hold_guest=*/true);
      continue;
    }
    if (commands_.any_pending() || failure_) continue;
    kick_.wait();
  }
  finish(drained);
}

void SnapshotJob::round_ended() {
  round_open_ = false;
  MIRRORSIM_ASSERT(store_.empty(), "a round ended with old data still held aside");
  metrics_.bitmap_passes = rounds_begun_;
  if (!ready_due_) {
    ready_due_ = written_bytes() <= switch_.switch_bytes || rounds_begun_ >= switch_.max_passes;
  }
}

// The next round's frozen image begins: its copy set is what the guest
// wrote during the round that ended, and a fresh written set starts. Guest
// I/O is held off meanwhile, so every write recorded in the old set has
// landed before the new image begins and none straddles the moment.
void SnapshotJob::begin_round(bool hold_guest) {
  MIRRORSIM_ASSERT(round_over(), "a round switch with copies in flight");
  // Not snapshot's rule (docs/bugs.md): the switch does not wait for the
  // guest writes in flight, though their blocks are in the old set only.
  const bool hold = hold_guest && !params_.bugs.has(Bug::kSnapSwitchMissesInflight);
  if (hold) guest_drain_.begin();
  round_left_ = 0;
  for (std::uint64_t b = 0; b < round_.size(); ++b) {
    round_[b] = written_[b] != 0 ? Block::kPending : Block::kOut;
    if (written_[b] != 0) ++round_left_;
    written_[b] = 0;
  }
  written_count_ = 0;
  owed_blocks_ = round_left_;
  scan_ = 0;
  ++rounds_begun_;
  round_open_ = true;
  if (hold) guest_drain_.end();
}

// Pauses the guest for the switch-over; held until the job ends.
void SnapshotJob::begin_switch_over() {
  guest_drain_.begin();
  switching_ = true;
  // Not snapshot's rule (docs/bugs.md): the running round is abandoned; only
  // the last written set is copied.
  if (params_.bugs.has(Bug::kSnapFinalSkipsRunning)) {
    for (std::uint64_t b = 0; b < round_.size(); ++b) {
      if (round_[b] == Block::kPending || round_[b] == Block::kPreserved) set_block(b, Block::kOut);
    }
    store_.clear();
  }
}

// ---- the end ----------------------------------------------------------------------

void SnapshotJob::finish(bool drained) {
  // Guest I/O is held off while the job ends (after the switch-over it is
  // held already), so no guest write is half recorded at the end.
  if (!drained) guest_drain_.begin();
  job_done_ = true;
  op_done_.wait_until([this] { return copies_in_flight_ == 0; });
  store_.clear();
  conclude();
}

}  // namespace mirrorsim::engine
