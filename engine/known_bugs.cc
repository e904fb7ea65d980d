#include "engine/known_bugs.h"

#include <array>
#include <stdexcept>

namespace mirrorsim::engine {
namespace {

constexpr std::array<BugInfo, static_cast<std::size_t>(Bug::kCount)> kBugs{{
    {Bug::kCowNoRound, "cow-no-round", "b812f671",
     "a copy into a larger target cluster is not widened while the backing is unattached"},
    {Bug::kTailNotClamped, "tail-not-clamped", "5a0f6fd5",
     "the last op of a disk whose length is not a multiple of the granularity is not clamped"},
    {Bug::kCowPastEnd, "cow-past-end", "4150ae60",
     "the cluster widening is not clamped to the disk length"},
    {Bug::kNoSizeCheck, "no-size-check", "e83dd680",
     "source and target lengths are not compared at start"},
    {Bug::kBufBelowCluster, "buf-below-cluster", "48ac0a4d",
     "buf-size is not raised to one target cluster when the COW rule applies"},
    {Bug::kConflictFirstChunk, "conflict-first-chunk", "9c83625b",
     "the wait for overlapping in-flight ops skips the first chunk of an iteration"},
    {Bug::kDiscardClearsDirty, "discard-clears-dirty", "50824995",
     "a guest discard on the source clears dirty bits instead of setting them"},
    {Bug::kPivotRace, "pivot-race", "176c3699, 9a0cec66",
     "the final clean check is made without holding guest writes off until the pivot"},
    {Bug::kTrustZeroInit, "trust-zero-init", "5279efeb",
     "sync=full skips unallocated source ranges assuming the target reads zeroes"},
    {Bug::kActiveClearOutward, "active-clear-outward", "9adc1cb4",
     "an unaligned write-blocking write clears every chunk it touches"},
    {Bug::kActiveStarvesBackground, "active-starves-background", "d69a879b",
     "background copying waits until no write-blocking write is in flight"},
    {Bug::kStopPausesPerOp, "stop-pauses-per-op", "8d9648cb",
     "with on-error=stop each failing in-flight op pauses the job again"},
    {Bug::kSoftCancelDropsInflight, "soft-cancel-drops-inflight", "9c785cd7",
     "a soft cancel after READY abandons in-flight ops"},
    {Bug::kZeroLengthNoReady, "zero-length-no-ready", "9e48b025",
     "a zero-length disk finishes without ever emitting READY"},
    {Bug::kCowWidenAfterInflightCheck, "cow-widen-after-inflight-check", "QEMU 7.2 literal",
     "the COW widening skips the wait for ops in flight on the widened part"},
    {Bug::kInflightLimitDrift, "inflight-limit-drift", "none (MIRROR.md: 16 ops)",
     "the engine's limit of background ops in flight drifts from 16 to 32"},
    {Bug::kFlushBeforeLastCopy, "flush-before-last-copy",
     "none (mirror_run flushes only when in_flight == 0)",
     "the flush before READY is sent once nothing is dirty, while the last copies are in flight"},
    {Bug::kFailedWriteChangedNothing, "failed-write-changed-nothing",
     "none (QEMU's bdrv_mirror_top_do_write as written)",
     "a guest write that fails on the source is taken to have changed nothing: not dirtied"},
    {Bug::kSwitchIgnoresGuestWrites, "switch-ignores-guest-writes",
     "none (QEMU's mirror_change as written)",
     "after a switch to write-blocking, a guest write does not wait for overlapping ones sent "
     "before it"},
    {Bug::kClearAfterRead, "clear-after-read", "none (QEMU clears before it reads)",
     "a copy clears its dirty bits when its read of the source returns, not before it is sent"},
    {Bug::kIoStraddleAhead, "io-straddle-ahead", "none (io-mirror, docs/algorithms.md)",
     "io-mirror: a guest write is mirrored only when it lies wholly behind the cursor, so one "
     "that straddles it goes to the source alone"},
    {Bug::kIoPassedAtRead, "io-passed-at-read", "none (io-mirror, docs/algorithms.md)",
     "io-mirror: a region counts as copied (and unlocked) when its read returns, before its "
     "write to the target lands"},
    {Bug::kIoLockUntilRead, "io-lock-until-read", "none (io-mirror, docs/algorithms.md)",
     "io-mirror: a guest write to a region being copied waits only for the copy's read, not "
     "for its write"},
    {Bug::kPrecopyClearAfterRead, "precopy-clear-after-read", "none (precopy, docs/algorithms.md)",
     "precopy: a copy clears its block's dirty bit when its read of the source returns, so a "
     "guest write that landed during the read is forgotten"},
    {Bug::kPrecopySwitchNoWait, "precopy-switch-no-wait", "none (precopy, docs/algorithms.md)",
     "precopy: the switch-over copies the dirty blocks and pivots without waiting for the copies "
     "already in flight"},
    {Bug::kPrecopyPauseNoDrain, "precopy-pause-no-drain", "none (precopy, docs/algorithms.md)",
     "precopy: the guest pause at the switch-over holds new guest writes off but does not wait "
     "for those in flight"},
    {Bug::kSnapSwitchMissesInflight, "snap-switch-misses-inflight",
     "none (snapshot, docs/algorithms.md)",
     "snapshot: a round switch does not hold guest writes off, so a write recorded in the old "
     "round's set can land after the new round copied its block"},
    {Bug::kSnapFinalSkipsRunning, "snap-final-skips-running", "none (snapshot, docs/algorithms.md)",
     "snapshot: the switch-over copies the last written set but abandons the blocks the running "
     "round had not copied yet"},
    {Bug::kSnapPendingNotRecorded, "snap-pending-not-recorded",
     "none (snapshot, docs/algorithms.md)",
     "snapshot: a guest write to a block the running round has still to copy is not recorded "
     "for the next round, though the round copies the block's frozen (old) data"},
    {Bug::kSnapTopEveryRound, "snap-top-every-round", "none (snapshot, docs/algorithms.md)",
     "snapshot: sync=top's skip of blocks the source's top layer does not allocate applies to "
     "every round, so a block the guest discarded keeps its old data on the target"},
}};

}  // namespace

std::span<const BugInfo> known_bugs() {
  return kBugs;
}

const BugInfo& bug_info(Bug bug) {
  return kBugs.at(static_cast<std::size_t>(bug));
}

Algorithm bug_algorithm(Bug bug) {
  switch (bug) {
    case Bug::kIoStraddleAhead:
    case Bug::kIoPassedAtRead:
    case Bug::kIoLockUntilRead:
      return Algorithm::kIoMirror;
    case Bug::kPrecopyClearAfterRead:
    case Bug::kPrecopySwitchNoWait:
    case Bug::kPrecopyPauseNoDrain:
      return Algorithm::kPrecopy;
    case Bug::kSnapSwitchMissesInflight:
    case Bug::kSnapFinalSkipsRunning:
    case Bug::kSnapPendingNotRecorded:
    case Bug::kSnapTopEveryRound:
      return Algorithm::kSnapshot;
    default:
      return Algorithm::kQemu;
  }
}

Bug parse_bug(std::string_view name) {
  for (const BugInfo& info : kBugs) {
    if (info.name == name) return info.bug;
  }
  std::string known;
  for (const BugInfo& info : kBugs) {
    if (!known.empty()) known += ", ";
    known += info.name;
  }
  throw std::invalid_argument("unknown bug '" + std::string(name) + "'; known bugs: " + known);
}

BugSet BugSet::parse(std::span<const std::string> names) {
  BugSet set;
  for (const std::string& name : names) set.add(parse_bug(name));
  return set;
}

std::vector<std::string> BugSet::names() const {
  std::vector<std::string> out;
  for (const BugInfo& info : kBugs) {
    if (has(info.bug)) out.emplace_back(info.name);
  }
  return out;
}

}  // namespace mirrorsim::engine
