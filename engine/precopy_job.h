// Iterative pre-copy with switch-over (VMware ESX's second generation of
// live storage migration, dirty block tracking; Mashtizadeh et al., USENIX
// ATC 2011), behind the MirrorAlgorithm interface. The rules are
// docs/algorithms.md's ("precopy"); in short:
//
// A dirty bitmap of its own, one bit per block. The guest filter writes the
// source and then marks the blocks the write touched. Pass 1 copies every
// block (sync=full), the blocks the source's top layer allocates (top), or
// nothing (none); each later pass sweeps the bitmap again from the start.
// A copy clears its block's bit before it reads the source, so a guest
// write that lands during the copy marks the block again. After each pass
// the job decides: converged (few bytes left, the last pass did not shrink
// the dirty set, or max_passes passes done) -> flush the target, READY; or
// another pass; or, when the downtime the rest would take exceeds
// max_downtime and the passes are over, READY anyway (force) or fail
// (abort). In READY it keeps copying. complete pauses the guest (waits for
// its writes in flight), waits for the copies in flight, copies every dirty
// block, flushes the target and pivots; then the guest resumes on the target.
//
// Invariants (checked with MIRRORSIM_ASSERT, which throws):
//  1. A block whose bit is clear has a copy in flight, or the target holds
//     what the source read after the block's last guest write landed.
//  2. Copy ops in flight <= max_copy_ops; buffer in use <= max_copy_ops x
//     block bytes; no two copies of the same block are in flight.
//  3. Only legal job state transitions happen (job_state.h).
//
// Errors: a failed copy marks its block dirty again (it is copied in a later
// pass), then the side's error policy applies as for the QEMU job.
//
// Threading and ownership: as MirrorJob's (engine/mirror_job.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/block_device.h"
#include "engine/byte_span.h"
#include "engine/dirty_bitmap.h"
#include "engine/guest_drain.h"
#include "engine/job_commands.h"
#include "engine/job_control.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/limits.h"
#include "engine/mirror_algorithm.h"
#include "engine/mirror_params.h"
#include "engine/rate_limiter.h"
#include "engine/runtime.h"
#include "engine/wait_queue.h"

namespace mirrorsim::engine {

// Pre-copy's defaults (docs/algorithms.md "precopy"); its block and copy
// ops are in the ranges of engine/limits.h, as every algorithm's are.
constexpr std::uint64_t kPrecopyDefaultBlockBytes = 64 * kKiB;
constexpr std::uint32_t kPrecopyDefaultCopyOps = 4;
// switch_bytes 0: this many blocks' worth.
constexpr std::uint64_t kPrecopyDefaultSwitchBlocks = 16;
constexpr std::uint32_t kPrecopyDefaultMaxPasses = 8;
static_assert(kCopyUnitMinBytes <= kPrecopyDefaultBlockBytes &&
              kPrecopyDefaultBlockBytes <= kCopyUnitMaxBytes);
static_assert(kPrecopyDefaultCopyOps >= 1 && kPrecopyDefaultCopyOps <= kMaxCopyOpsLimit);

// The values a pre-copy job runs with besides ResolvedParams.
struct PrecopyResolved {
  std::uint64_t switch_bytes = 0;
  std::uint32_t max_passes = 0;
};

// Pre-copy's start-time rules: lengths equal, not a disk into itself, the
// block a power of two in range (raised to a target cluster under the COW
// rule), copy ops in range. Throws MirrorConfigError. granularity_bytes is
// the (raised) block.
ResolvedParams resolve_precopy_params(const MirrorParams& params, const DeviceInfo& source,
                                      const DeviceInfo& target, bool same_device);
// switch_bytes and max_passes with their defaults (the block as resolved).
PrecopyResolved resolve_precopy_switch(const MirrorParams& params, std::uint64_t block_bytes);

class PrecopyJob final : public JobControl<PrecopyJob> {
 public:
  PrecopyJob(Runtime& runtime, BlockDevice& source, BlockDevice& target, MirrorParams params,
             JobObserver* observer = nullptr, PivotHook pivot = {});
  ~PrecopyJob() override;
  PrecopyJob(const PrecopyJob&) = delete;
  PrecopyJob& operator=(const PrecopyJob&) = delete;

  Algorithm algorithm() const override { return Algorithm::kPrecopy; }
  AlgorithmPromises promises() const override;

  void start() override;
  BlockDevice& guest_device() override;
  void complete() override;
  // cancel, pause, resume, set_speed, the state and outcome getters and
  // wait_until_ended come from JobControl.
  // Refused: pre-copy never writes the target on the guest's behalf.
  void switch_to_write_blocking() override;

  const PrecopyResolved& switch_params() const { return switch_; }
  CopyMode copy_mode() const override { return CopyMode::kBackground; }
  std::uint64_t dirty_bytes() const override;

 private:
  friend class JobControl<PrecopyJob>;  // engine/job_control.h
  template <class>
  friend class GuestFilter;  // engine/guest_filter.h
  static constexpr std::string_view kFilterName = "precopy-filter";
  enum class Decision : std::uint8_t { kAnotherPass, kConverged, kAbort };
  struct Copy {
    std::uint64_t id = 0;
    ByteSpan span;
  };

  // The passes (precopy_job.cc).
  void run();
  void mark_first_pass();
  void start_pass();
  void end_pass();
  Decision decide() const;
  std::optional<TimeNs> downtime_estimate_ns() const;
  bool switch_over();

  // Copies (precopy_copy.cc).
  bool issue_copy(std::uint64_t block, bool switching);
  void run_copy(std::uint64_t id);
  bool copy_in_flight_over(ByteSpan span) const;
  std::uint64_t copy_bytes_in_flight() const;
  OpInfo op_info(const Copy& copy) const;
  void finish(bool drained);

  // The guest's side (precopy_guest.cc).
  IoStatus guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data, OpKind kind,
                       bool may_unmap);
  BlockDevice& guest_backend();
  bool tracking_guest_writes() const { return intercepting_ && !job_done_ && !pivoted_; }

  Runtime& runtime_;
  BlockDevice& source_;
  BlockDevice& target_;
  MirrorParams params_;
  JobObserver* observer_;
  PivotHook pivot_;
  std::unique_ptr<BlockDevice> guest_;  // a GuestFilter<PrecopyJob>

  JobStateMachine machine_;
  ResolvedParams resolved_;
  PrecopyResolved switch_;
  std::optional<DirtyBitmap> dirty_;  // built at start(), one bit per block
  bool intercepting_ = false;
  bool pivoted_ = false;
  bool job_done_ = false;

  // The pass in progress: its number (1 = the first), where its sweep is,
  // when it started, what was dirty then and what it copied.
  std::uint32_t pass_ = 0;
  std::uint64_t cursor_block_ = 0;
  TimeNs pass_start_ns_ = 0;
  std::uint64_t pass_start_dirty_bytes_ = 0;
  std::uint64_t pass_copied_bytes_ = 0;
  bool converged_ = false;  // decided: flush and announce READY when idle

  std::vector<Copy> copies_;  // in flight, in id order
  std::uint64_t next_op_id_ = 1;
  std::uint32_t copies_in_flight_ = 0;

  JobCommands commands_;
  RateLimiter rate_;
  bool ready_ = false;
  IoStatusKind io_status_ = IoStatusKind::kOk;
  std::optional<std::string> failure_;
  int failure_errno_ = 0;
  TimeNs start_time_ = 0;

  WaitQueue op_done_;       // a copy ended
  WaitQueue kick_;          // the idle job waits here
  WaitQueue resumed_;       // a paused job waits here
  GuestDrain guest_drain_;  // holds guest I/O off while drained (the pause)
  WaitQueue ended_;

  JobMetrics metrics_;
  JobOutcome outcome_;
  TaskId task_ = kNoTask;
};

}  // namespace mirrorsim::engine
