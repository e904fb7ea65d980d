// Snapshot-based migration (VMware ESX's first generation of live storage
// migration, Mashtizadeh et al., USENIX ATC 2011), behind the
// MirrorAlgorithm interface. The rules are docs/algorithms.md's; in short:
//
// The job copies in rounds. Round 0 copies a frozen image of the source
// (sync full: every block; top: blocks the source's top layer allocates;
// none: nothing). Each later round copies the blocks the guest wrote during
// the round before, frozen as they were when the round began. A round ends
// when its copy set is copied; the written set then becomes the next
// round's copy set. Once a round ends with a written set of at most
// switch_bytes, or after max_passes rounds, the job is READY; it keeps
// running rounds until `complete`, which pauses the guest, lets the running
// round end, copies the last written set, flushes the target and pivots.
//
// The frozen image is kept by copy-before-write (LVM snapshots, QEMU's
// copy-before-write filter), not by redirecting guest writes to a delta:
// the world's truth is the source's image, which must stay current. The
// first guest write to a block the round has still to copy reads the
// block's old data aside into the round's store (engine memory) before the
// write goes to the source; the round then copies that block from the
// store. A round switch holds guest I/O off for a moment, so every write
// recorded in one round has landed before the next round's image begins.
//
// Invariants (checked with MIRRORSIM_ASSERT, which throws):
//  1. Copy ops in flight <= max_copy_ops; buffer in use <= max_copy_ops x
//     block bytes.
//  2. The store holds only blocks of the running round's copy set that are
//     not copied yet: it is empty when a round ends.
//  3. No round switch while a copy or a block's preservation is in flight.
//  4. Only legal job state transitions happen (job_state.h).
//
// Errors: a failed copy goes back to the round's copy set (its preserved
// data, if it had any, stays in the store) and the side's error policy
// applies. A failed read aside drops the block from the round: the guest
// write that caused it recorded the block, so the next round copies it.
//
// Threading and ownership: as MirrorJob's (engine/mirror_job.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/block_device.h"
#include "engine/byte_span.h"
#include "engine/guest_drain.h"
#include "engine/job_commands.h"
#include "engine/job_control.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/mirror_algorithm.h"
#include "engine/mirror_params.h"
#include "engine/rate_limiter.h"
#include "engine/runtime.h"
#include "engine/wait_queue.h"

namespace mirrorsim::engine {

// When the rounds stop: a written set of at most `switch_bytes`, or
// `max_passes` rounds, whichever comes first.
struct SnapshotSwitch {
  std::uint64_t switch_bytes = 0;
  std::uint32_t max_passes = 0;
};

// snapshot's start-time rules (docs/algorithms.md): io-mirror's for the
// lengths, the block (region_bytes, the COW-raised granularity_bytes) and
// the copy ops. Throws MirrorConfigError.
ResolvedParams resolve_snapshot_params(const MirrorParams& params, const DeviceInfo& source,
                                       const DeviceInfo& target, bool same_device);
// And for the end of the rounds: switch_bytes a
// multiple of 512 (0: kSnapshotDefaultSwitchBlocks blocks); max_passes up to
// kMaxPassesLimit (0: kSnapshotDefaultMaxPasses). Throws MirrorConfigError.
SnapshotSwitch resolve_snapshot_switch(const MirrorParams& params, std::uint64_t block_bytes);

class SnapshotJob final : public JobControl<SnapshotJob> {
 public:
  SnapshotJob(Runtime& runtime, BlockDevice& source, BlockDevice& target, MirrorParams params,
              JobObserver* observer = nullptr, PivotHook pivot = {});
  ~SnapshotJob() override;
  SnapshotJob(const SnapshotJob&) = delete;
  SnapshotJob& operator=(const SnapshotJob&) = delete;

  Algorithm algorithm() const override { return Algorithm::kSnapshot; }
  AlgorithmPromises promises() const override;

  void start() override;
  BlockDevice& guest_device() override;
  void complete() override;
  // cancel, pause, resume, set_speed, the state and outcome getters and
  // wait_until_ended come from JobControl.
  // Refused: the algorithm has no mirrored writes to switch to.
  void switch_to_write_blocking() override;

  CopyMode copy_mode() const override { return CopyMode::kBackground; }
  // The blocks the running round has not issued, and those written since it
  // began (counted once), in bytes.
  std::uint64_t dirty_bytes() const override;

  const SnapshotSwitch& switch_rule() const { return switch_; }
  // Rounds begun so far (round 0 is the first).
  std::uint32_t rounds_begun() const { return rounds_begun_; }
  // Bytes the guest has written since the running round began.
  std::uint64_t written_bytes() const;
  // Bytes of old data held aside for the running round.
  std::uint64_t store_bytes() const;
  // The guest is paused for the switch-over (after complete, or a soft
  // cancel after READY), until the job ends.
  bool switching_over() const { return switching_; }

 private:
  friend class JobControl<SnapshotJob>;  // engine/job_control.h
  template <class>
  friend class GuestFilter;  // engine/guest_filter.h
  static constexpr std::string_view kFilterName = "snapshot-filter";
  // A block's place in the running round.
  enum class Block : std::uint8_t {
    kOut,         // not in the copy set, or copied
    kPending,     // to copy; unchanged on the source since the round began
    kPreserving,  // a guest write is reading its old data aside
    kPreserved,   // to copy, from the store
    kReading,     // its copy is reading the source
    kWriting,     // its copy has the data and writes the target
  };

  // The job's task (snapshot_job.cc).
  void run();
  bool round_over() const { return round_left_ == 0 && copies_in_flight_ == 0; }
  void round_ended();
  void begin_round(bool hold_guest);
  void begin_switch_over();
  void finish(bool drained);

  // The copies (snapshot_copy.cc).
  void issue_next_copy();
  void run_copy(std::uint64_t id, std::uint64_t block, PayloadPtr preserved);
  ByteSpan block_span(std::uint64_t block) const;
  bool owes(std::uint64_t block) const;
  void set_block(std::uint64_t block, Block to);
  void mark_written(std::uint64_t block);
  OpInfo copy_info(std::uint64_t id, std::uint64_t block) const;

  // The guest's side (snapshot_guest.cc).
  IoStatus guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data, OpKind kind,
                       bool may_unmap);
  void preserve(std::uint64_t block);
  BlockDevice& guest_backend();
  bool tracking_guest_writes() const { return intercepting_ && !job_done_ && !pivoted_; }

  Runtime& runtime_;
  BlockDevice& source_;
  BlockDevice& target_;
  MirrorParams params_;
  JobObserver* observer_;
  PivotHook pivot_;
  std::unique_ptr<BlockDevice> guest_;  // a GuestFilter<SnapshotJob>

  JobStateMachine machine_;
  ResolvedParams resolved_;
  SnapshotSwitch switch_;
  bool intercepting_ = false;
  bool pivoted_ = false;
  bool job_done_ = false;

  // The running round: each block's place, the next block to look at, and
  // the blocks not issued yet (pending, preserving or preserved).
  std::vector<Block> round_;
  std::uint64_t scan_ = 0;
  std::uint64_t round_left_ = 0;
  std::uint32_t rounds_begun_ = 0;
  bool round_open_ = false;  // begun and not yet counted as ended
  bool ready_due_ = false;   // a round ended small enough, or the last allowed one
  // The old data of blocks the guest wrote before the round copied them.
  std::map<std::uint64_t, PayloadPtr> store_;
  // The blocks the guest wrote since the running round began: the next
  // round's copy set.
  std::vector<std::uint8_t> written_;
  std::uint64_t written_count_ = 0;
  std::uint64_t owed_blocks_ = 0;  // blocks for which owes() holds
  // The switch-over: guest I/O is held off and the job copies what is left.
  bool switching_ = false;

  std::uint32_t copies_in_flight_ = 0;
  std::uint64_t copy_bytes_in_flight_ = 0;
  std::uint64_t next_op_id_ = 1;

  JobCommands commands_;
  RateLimiter rate_;
  bool ready_ = false;
  IoStatusKind io_status_ = IoStatusKind::kOk;
  std::optional<std::string> failure_;
  int failure_errno_ = 0;
  TimeNs start_time_ = 0;

  WaitQueue op_done_;       // a copy or a read aside ended
  WaitQueue kick_;          // the idle job waits here
  WaitQueue resumed_;       // a paused job waits here
  GuestDrain guest_drain_;  // holds guest I/O off (round switch, switch-over, end)
  WaitQueue ended_;

  JobMetrics metrics_;
  JobOutcome outcome_;
  TaskId task_ = kNoTask;
};

}  // namespace mirrorsim::engine
