// Catalogued historical mirror bugs that the engine can re-create on demand.
//
// Each bug is a switch tested at the one place where the correct code lives
// (grep for `bugs_.has(Bug::k...)`), with a comment naming the upstream fix.
// The harness must catch every one of them with its general properties; none
// may be caught by a test aimed at it. The list is ../shared/design/BUGS.md.
#pragma once

#include <bitset>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/algorithm.h"

namespace mirrorsim::engine {

enum class Bug : unsigned {
  kCowNoRound,
  kTailNotClamped,
  kCowPastEnd,
  kNoSizeCheck,
  kBufBelowCluster,
  kConflictFirstChunk,
  kDiscardClearsDirty,
  kPivotRace,
  kTrustZeroInit,
  kActiveClearOutward,
  kActiveStarvesBackground,
  kStopPausesPerOp,
  kSoftCancelDropsInflight,
  kZeroLengthNoReady,
  // Not a fixed bug but QEMU 7.2's literal behaviour (MIRROR.md, last section).
  kCowWidenAfterInflightCheck,
  // Not from QEMU: a constant that drifts from MIRROR.md (docs/bugs.md).
  kInflightLimitDrift,
  // Not from QEMU: the flush before READY overtakes the last copies (docs/bugs.md).
  kFlushBeforeLastCopy,
  // Not from QEMU's history: slips only an unkind world exposes (docs/bugs.md).
  kFailedWriteChangedNothing,  // torn faults
  kSwitchIgnoresGuestWrites,   // split I/O
  kClearAfterRead,             // split I/O or reordered completions
  // io-mirror's own slips (docs/bugs.md): not QEMU's, caught on io-mirror runs.
  kIoStraddleAhead,
  kIoPassedAtRead,
  kIoLockUntilRead,
  // pre-copy's own slips (docs/bugs.md): caught on precopy runs.
  kPrecopyClearAfterRead,
  kPrecopySwitchNoWait,
  kPrecopyPauseNoDrain,
  // snapshot's own slips (docs/bugs.md): caught on snapshot runs.
  kSnapSwitchMissesInflight,
  kSnapFinalSkipsRunning,
  kSnapPendingNotRecorded,
  kSnapTopEveryRound,
  kCount,
};

struct BugInfo {
  Bug bug;
  std::string_view name;     // as written in scenarios and on the command line
  std::string_view fix;      // upstream commit(s) of the fix
  std::string_view summary;  // what goes wrong
};

// Every known bug, in BUGS.md order.
std::span<const BugInfo> known_bugs();
const BugInfo& bug_info(Bug bug);

class BugSet {
 public:
  BugSet() = default;

  // Parses names; an unknown one throws std::invalid_argument whose message
  // lists the known names.
  static BugSet parse(std::span<const std::string> names);

  void add(Bug bug) { bits_.set(static_cast<unsigned>(bug)); }
  void add_all(const BugSet& other) { bits_ |= other.bits_; }
  bool has(Bug bug) const { return bits_.test(static_cast<unsigned>(bug)); }
  bool empty() const { return bits_.none(); }
  std::vector<std::string> names() const;

  friend bool operator==(const BugSet&, const BugSet&) = default;

 private:
  std::bitset<static_cast<unsigned>(Bug::kCount)> bits_;
};

// The algorithm whose code holds the bug's switch: a campaign hunting it
// must run that algorithm (`mirrorsim mutants` forces it).
Algorithm bug_algorithm(Bug bug);

// Throws std::invalid_argument naming the known bugs when `name` is unknown.
Bug parse_bug(std::string_view name);

}  // namespace mirrorsim::engine
