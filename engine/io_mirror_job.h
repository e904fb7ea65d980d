// Single-pass IO mirroring (VMware ESX's third generation of live storage
// migration, Mashtizadeh et al., USENIX ATC 2011), behind the
// MirrorAlgorithm interface. The rules are docs/algorithms.md's; in short:
//
// One ordered pass copies the disk region by region with a copy cursor. A
// region being copied is locked: the copy first waits for the guest writes
// already in flight to it, and guest writes that touch it wait until its
// copy is done. A guest write that touches a region the pass has already
// copied (behind the cursor) goes to the source and then to the target, and
// returns when both are done; a write wholly ahead of the cursor goes to the
// source only, since the pass will copy it. No dirty bitmap, no second
// pass: READY when the pass has reached the end with nothing in flight and
// the target flushed; complete then drains the guest and pivots.
//
// Invariants (checked with MIRRORSIM_ASSERT, which throws):
//  1. Every region below the cursor, and every passed region above it, has
//     been copied (or is on the retry list after an error) and every guest
//     write to it since went to both sides.
//  2. Copy ops in flight <= max_copy_ops; buffer in use <= max_copy_ops x
//     region bytes.
//  3. No two guest writes that overlap, and no guest write and a copy that
//     overlap, are in flight together (region locking).
//  4. Only legal job state transitions happen (job_state.h).
//
// Errors: a failed copy, or a failed target side of a mirrored write, puts
// its range on a retry list that the job copies again before READY (and
// after it, once the job is in sync); the side's error policy then applies
// as for the QEMU job. This list is the only state beyond the cursor.
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

// io-mirror's start-time rules (docs/algorithms.md): lengths equal, not a
// disk into itself, region a power of two in range, copy ops in range.
// Throws MirrorConfigError. granularity_bytes is the (COW-raised) region.
ResolvedParams resolve_io_mirror_params(const MirrorParams& params, const DeviceInfo& source,
                                        const DeviceInfo& target, bool same_device);

class IoMirrorJob final : public JobControl<IoMirrorJob> {
 public:
  IoMirrorJob(Runtime& runtime, BlockDevice& source, BlockDevice& target, MirrorParams params,
              JobObserver* observer = nullptr, PivotHook pivot = {});
  ~IoMirrorJob() override;
  IoMirrorJob(const IoMirrorJob&) = delete;
  IoMirrorJob& operator=(const IoMirrorJob&) = delete;

  Algorithm algorithm() const override { return Algorithm::kIoMirror; }
  AlgorithmPromises promises() const override;

  void start() override;
  BlockDevice& guest_device() override;
  void complete() override;
  // cancel, pause, resume, set_speed, the state and outcome getters and
  // wait_until_ended come from JobControl.
  // Refused: every write behind the cursor is mirrored already.
  void switch_to_write_blocking() override;

  // Writes behind the cursor block on the target: write-blocking in effect.
  CopyMode copy_mode() const override { return CopyMode::kWriteBlocking; }
  std::uint64_t dirty_bytes() const override;

  // Every region below this offset has been copied.
  std::uint64_t cursor_bytes() const { return copied_end_; }

 private:
  friend class JobControl<IoMirrorJob>;  // engine/job_control.h
  template <class>
  friend class GuestFilter;  // engine/guest_filter.h
  static constexpr std::string_view kFilterName = "io-mirror-filter";
  // A copy op (it locks its region) or a guest write in flight.
  struct Op {
    std::uint64_t id = 0;
    ByteSpan span;
    bool copy = false;
    bool locks = true;       // a copy holds its region's lock
    bool read_done = false;  // a copy has its data
  };

  // The job's task (io_mirror_job.cc).
  void run();
  bool pass_over() const;
  bool in_sync_for_end(bool* drained);
  void issue_next_copy();
  void run_copy(std::uint64_t id, bool retry);
  void region_passed(ByteSpan region);
  void finish(bool drained);

  // Ops.
  std::uint64_t add_op(ByteSpan span, bool copy);
  Op& op(std::uint64_t id);
  void retire_op(std::uint64_t id, int error, bool report);
  OpInfo op_info(const Op& op) const;
  std::uint64_t copy_bytes_in_flight() const;

  // The guest's side (io_mirror_guest.cc).
  IoStatus guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data, OpKind kind,
                       bool may_unmap);
  IoStatus mirror_to_target(ByteSpan span, ByteSpan locked, const Payload* data, OpKind kind,
                            bool may_unmap, bool source_ok);
  bool passed(ByteSpan span) const;
  ByteSpan lock_span(ByteSpan span) const;
  bool must_wait(ByteSpan locked) const;
  BlockDevice& guest_backend();
  bool tracking_guest_writes() const { return intercepting_ && !job_done_ && !pivoted_; }

  Runtime& runtime_;
  BlockDevice& source_;
  BlockDevice& target_;
  MirrorParams params_;
  JobObserver* observer_;
  PivotHook pivot_;
  std::unique_ptr<BlockDevice> guest_;  // a GuestFilter<IoMirrorJob>

  JobStateMachine machine_;
  ResolvedParams resolved_;
  bool intercepting_ = false;
  bool pivoted_ = false;
  bool job_done_ = false;

  // The pass: every region below copied_end_ is passed, and so is each of
  // passed_beyond_ (copies that ended before one below them); regions from
  // issued_end_ on are not yet copied.
  std::uint64_t copied_end_ = 0;
  std::uint64_t issued_end_ = 0;
  std::vector<ByteSpan> passed_beyond_;
  std::vector<ByteSpan> retry_;  // passed ranges to copy again after an error
  // Target writes of mirrored guest writes that reached regions the pass
  // had not issued yet (a write straddling the cursor): sync=top must copy
  // those regions even where the source's top layer allocates nothing,
  // since the target no longer reads its backing there.
  std::vector<ByteSpan> written_ahead_;

  std::vector<Op> ops_;  // in id order
  std::uint64_t next_op_id_ = 1;
  std::uint32_t copies_in_flight_ = 0;

  JobCommands commands_;
  RateLimiter rate_;
  bool ready_ = false;
  IoStatusKind io_status_ = IoStatusKind::kOk;
  std::optional<std::string> failure_;
  int failure_errno_ = 0;
  TimeNs start_time_ = 0;

  WaitQueue op_done_;       // a copy or a guest write ended
  WaitQueue kick_;          // the idle job waits here
  WaitQueue resumed_;       // a paused job waits here
  GuestDrain guest_drain_;  // holds guest I/O off while drained
  WaitQueue ended_;

  JobMetrics metrics_;
  JobOutcome outcome_;
  TaskId task_ = kNoTask;
};

}  // namespace mirrorsim::engine
