// The mirror job: copies a live source device to a target while the guest
// keeps writing, then pivots the guest to the target (MIRROR.md). QEMU's
// algorithm behind the MirrorAlgorithm interface (engine/mirror_algorithm.h).
//
// Invariants (checked with MIRRORSIM_ASSERT, which throws):
//  1. A chunk whose dirty bit is clear and that no op covers matched the
//     source when it was last copied (or the guest wrote both sides).
//  2. Background ops in flight <= kMaxInFlightOps (16).
//  3. Buffer pieces in use <= buf-size / granularity.
//  4. Only legal job state transitions happen (job_state.h).
//
// Where this engine differs from QEMU on purpose (each found by the
// property campaign; the shrunk cases are in scenarios/regressions/):
//  - In-flight tracking is by exact byte ranges, not a per-chunk bitmap: two
//    active writes may share a chunk, and the first to end must not mark it
//    free while the other still writes it.
//  - An iteration registers its stand-in op before it waits for the first
//    chunk, so a steady stream of write-blocking guest writes cannot starve
//    background copying.
//  - A write-blocking write that covers part of a target cluster, while the
//    target's backing is not attached, copies its whole clusters from the
//    source after the guest's data lands (the COW rule in active mode).
//  - A write-blocking discard is mirrored by copying what the source reads
//    after it, since devices disagree on whether discarded data reads zero.
//  - The job drains guest I/O before it ends, so active writes in flight
//    land (and report errors) before the final event.
//
// Threading: everything runs on the caller's Runtime as cooperative tasks.
// The job runs in its own task from start() on; each background op runs in
// a task of its own; guest requests run in the guest's tasks and enter the
// job through guest_device(). Commands (complete, cancel, ...) may be called
// from any task, or from outside tasks when they need not block.
//
// Ownership: the job refers to `source`, `target`, `runtime` and `observer`,
// which must outlive it. The guest must keep using guest_device() for as
// long as the job object exists; after a pivot it forwards to the target.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/block_device.h"
#include "engine/buffer_pool.h"
#include "engine/cow_span.h"
#include "engine/dirty_bitmap.h"
#include "engine/guest_drain.h"
#include "engine/inflight_ops.h"
#include "engine/job_commands.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/mirror_algorithm.h"
#include "engine/mirror_params.h"
#include "engine/rate_limiter.h"
#include "engine/runtime.h"
#include "engine/wait_queue.h"

namespace mirrorsim::engine {

class MirrorJob final : public MirrorAlgorithm {
 public:
  MirrorJob(Runtime& runtime, BlockDevice& source, BlockDevice& target, MirrorParams params,
            JobObserver* observer = nullptr, PivotHook pivot = {});
  ~MirrorJob() override;
  MirrorJob(const MirrorJob&) = delete;
  MirrorJob& operator=(const MirrorJob&) = delete;

  // Checks the parameters (throws MirrorConfigError), installs the write
  // interceptor once the bookkeeping exists, and starts the job's task.
  // REQUIRES: state() == created. Blocks only if guest requests are in flight.
  void start() override;

  // The device the guest reads and writes through. Before start() and after
  // an end without pivot it forwards to the source; after a pivot, to the
  // target.
  BlockDevice& guest_device() override;

  // Commands. Each throws JobCommandError when the state does not allow it.
  void complete() override;  // only in ready or standby
  void cancel(
      bool force) override;  // before READY or forced: abort; after READY: point-in-time copy
  void pause() override;     // running -> paused, ready -> standby (after in-flight I/O)
  void resume() override;    // undoes pause() or a stop on error
  void set_speed(std::int64_t bytes_per_s) override;
  void switch_to_write_blocking() override;

  Algorithm algorithm() const override { return Algorithm::kQemu; }
  // Converges whatever the guest does only in write-blocking mode.
  AlgorithmPromises promises() const override;

  JobState state() const override { return machine_.state(); }
  bool ready_seen() const override { return outcome_.ever_ready; }
  bool ended() const override { return outcome_.ended; }
  const JobOutcome& outcome() const override { return outcome_; }
  IoStatusKind io_status() const override { return io_status_; }
  // Blocks the calling task until the job has ended (concluded and dismissed).
  void wait_until_ended() override;

  const MirrorParams& params() const override { return params_; }
  const ResolvedParams& resolved() const override { return resolved_; }
  const JobMetrics& metrics() const override { return metrics_; }
  CopyMode copy_mode() const override { return commands_.copy_mode; }
  std::uint64_t dirty_bytes() const override { return dirty_ ? dirty_->dirty_bytes() : 0; }
  std::uint32_t background_in_flight() const override { return ops_.background_count(); }
  // Bytes of copies issued (their dirty bits cleared) that still wait for
  // buffer pieces, so are not started yet.
  std::uint64_t bytes_awaiting_buffer() const override;

 private:
  template <class>
  friend class GuestFilter;  // engine/guest_filter.h
  static constexpr std::string_view kFilterName = "mirror-filter";
  enum class Side : std::uint8_t { kSource, kTarget };

  // The job's task (mirror_job.cc; the commands are in mirror_job_commands.cc).
  void run();
  void populate_dirty_bitmap();
  bool pause_point();  // false when the job must stop instead
  void announce_ready();
  bool in_sync_for_end(bool* drained);
  void wait_for_any_op();
  // Waits for room: any op's end, or in the qemu-7.2 profile the end of
  // the first op in flight (mirror_job.cc).
  void wait_for_free_slot();
  std::uint64_t first_op_in_flight() const;
  void wait_for_all_ops();
  void wait_for_conflicts(ByteSpan span, std::uint64_t except_id);

  // The qemu-7.2 profile's in-flight chunk bitmap (mirror_job_qemu72.cc).
  bool literal_qemu72() const { return inflight_chunks_.has_value(); }
  void wait_on_inflight_bits(ByteSpan span, std::uint64_t self_id);
  void mark_chunks_in_flight(ByteSpan span);
  void clear_chunks_in_flight(ByteSpan span);
  bool chunk_in_flight(std::uint64_t chunk) const;
  bool flush_target_or_handle_error();
  void finish(bool drained);

  // One iteration (mirror_job_iteration.cc): plan a run of dirty chunks,
  // classify each piece of it (copy, zero or discard, widened for COW),
  // issue the ops, sleep off the rate limit.
  // An op planned but not yet registered: what it does to which bytes.
  struct PlannedOp {
    OpKind kind = OpKind::kCopy;
    ByteSpan span;
  };
  void iteration();
  std::uint64_t first_dirty_chunk();
  std::uint64_t claim_run(std::uint64_t first_chunk, std::uint64_t pseudo_id);
  std::uint64_t run_chunks(std::uint64_t first_chunk, std::uint64_t pseudo_id) const;
  PlannedOp classify(std::uint64_t pos_bytes, std::uint64_t run_end_bytes);
  BlockStatus source_status(std::uint64_t pos_bytes, std::uint64_t run_end_bytes);
  OpKind zero_kind(const BlockStatus& status, ByteSpan span) const;
  bool needs_cow_widening(ByteSpan span) const;
  PlannedOp widen_for_cow(PlannedOp op, std::uint64_t pseudo_id);
  void wait_for_slot();
  void throttle_after_dispatch(std::uint64_t bytes);
  void throttle(TimeNs delay);

  // Ops.
  std::uint64_t register_op(OpKind kind, ByteSpan span, bool background, bool pseudo);
  void retire_op(std::uint64_t id, int error);
  void issue_background_op(OpKind kind, ByteSpan span);
  void start_op_io(std::uint64_t id, std::uint64_t pieces);
  void run_background_op(std::uint64_t id);
  void handle_error(Side side, int error);

  // Guest path (mirror_job_guest.cc).
  IoStatus guest_write(std::uint64_t offset, std::uint64_t length, const Payload* data, OpKind kind,
                       bool may_unmap);
  IoStatus active_write(std::uint64_t offset, std::uint64_t length, const Payload* data,
                        OpKind kind, bool may_unmap);
  ByteSpan outward_chunks(ByteSpan span) const;
  // True when a chunk it cleared was dirty: the write then carries that
  // chunk's copy, work the background owed.
  bool clear_covered_chunks(ByteSpan op_span);
  BlockDevice& guest_backend();
  // Guest writes are tracked from start() until the job ends or pivots.
  bool tracking_guest_writes() const { return intercepting_ && !job_done_ && !pivoted_; }

  void transition(JobState to);
  void emit(JobEvent event);
  void kick();
  std::uint64_t chunk_floor(std::uint64_t offset) const;
  std::uint64_t chunk_ceil(std::uint64_t offset) const;
  // The COW rule as this job applies it: its target's clusters, its disk.
  CowSpanRule cow_rule() const;

  Runtime& runtime_;
  BlockDevice& source_;
  BlockDevice& target_;
  MirrorParams params_;
  JobObserver* observer_;
  PivotHook pivot_;
  std::unique_ptr<BlockDevice> guest_;  // a GuestFilter<MirrorJob>

  JobStateMachine machine_;
  ResolvedParams resolved_;
  bool intercepting_ = false;  // the write interceptor is installed
  bool pivoted_ = false;
  bool job_done_ = false;  // past the main loop: guest writes no longer tracked

  std::optional<DirtyBitmap> dirty_;
  std::optional<DirtyBitmap> cow_copied_;  // per chunk: copied as part of a whole cluster
  // Profile qemu-7.2 only: QEMU's in_flight_bitmap, one bit per chunk.
  std::optional<DirtyBitmap> inflight_chunks_;
  std::optional<BufferPool> buffer_;
  RateLimiter rate_;
  InflightOps ops_;
  std::uint64_t cursor_chunk_ = 0;

  JobCommands commands_;
  bool ready_ = false;
  // Bug::kFlushBeforeLastCopy: the early flush succeeded and nothing was dirtied since.
  bool flushed_before_last_copy_ = false;
  // Write-blocking writes in flight that took over dirty chunks (a COW-widened
  // write copies whole clusters from the source): READY's flush waits for
  // them like for background copies, or it would not cover their data.
  std::uint32_t active_takeovers_ = 0;
  IoStatusKind io_status_ = IoStatusKind::kOk;
  std::optional<std::string> failure_;
  int failure_errno_ = 0;
  TimeNs start_time_ = 0;

  // Guest writes sent to the source in background mode that have not
  // returned: each marks the dirty bitmap only when it returns. An active
  // write waits for those it overlaps (see active_write).
  std::vector<ByteSpan> background_writes_;

  WaitQueue op_done_;                // any op ended
  WaitQueue kick_;                   // the idle job waits here for work or a command
  WaitQueue resumed_;                // a paused job waits here
  GuestDrain guest_drain_;           // holds guest I/O off while drained
  WaitQueue background_write_done_;  // active writes wait here for background ones
  WaitQueue ended_;

  JobMetrics metrics_;
  JobOutcome outcome_;
  TaskId task_ = kNoTask;
};

}  // namespace mirrorsim::engine
