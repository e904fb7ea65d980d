// One interface for every mirror algorithm: what the world needs to run
// one and judge it. The world builds the algorithm a scenario names through
// make_mirror_algorithm(), hands the guest its guest_device(), sends it the
// user's commands, and learns what it does through the JobObserver (events,
// ops, rate dispatches) and the accessors below. Every algorithm runs the
// same job states (engine/job_state.h) and emits the same events, so the
// same properties judge them all; what differs is stated in promises().
//
// Implementations: MirrorJob (QEMU's job, engine/mirror_job*.cc),
// IoMirrorJob (single-pass IO mirroring, engine/io_mirror_*.cc),
// SnapshotJob (snapshot-based migration, engine/snapshot_*.cc) and
// PrecopyJob (iterative pre-copy, engine/precopy_*.cc). Each
// depends only on Runtime and BlockDevice, like the job it sits beside.
//
// Threading and ownership: as MirrorJob's (engine/mirror_job.h): commands
// are called from tasks of the same Runtime, or from outside tasks when
// they need not block; source, target, runtime and observer outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/algorithm.h"
#include "engine/block_device.h"
#include "engine/job_commands.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/mirror_params.h"
#include "engine/runtime.h"

namespace mirrorsim::engine {

struct JobOutcome {
  bool ended = false;
  bool success = false;    // completed without error (COMPLETED without error string)
  bool pivoted = false;    // the guest now uses the target
  bool cancelled = false;  // ended by a forced cancel or a cancel before READY
  bool ever_ready = false;
  std::string error;  // empty unless the job failed
};

enum class IoStatusKind : std::uint8_t { kOk, kFailed, kNoSpace };

// What an algorithm promises, for the oracles and the reports. Read at any
// time: a QEMU job switched to write-blocking promises more from then on.
struct AlgorithmPromises {
  // The guest cannot outrun the copy: READY comes whatever the guest's write
  // rate (write-blocking, IO mirroring). False: a fast guest may keep the job
  // from converging, an outcome, not a violation.
  bool converges_under_any_write_rate = false;
  // The guest is paused for a while at the switch-over (snapshot and pre-copy
  // algorithms). QEMU's job and io-mirror do not: their pivot only drains.
  bool pauses_guest_at_switch = false;
  // A soft cancel after READY leaves the target a point-in-time copy.
  bool point_in_time_cancel = true;
};

class MirrorAlgorithm {
 public:
  // Called once, while guest I/O is held off, to switch the guest over to
  // the target (the simulated world attaches the target's backing here).
  using PivotHook = std::function<void()>;

  virtual ~MirrorAlgorithm() = default;

  virtual Algorithm algorithm() const = 0;
  virtual AlgorithmPromises promises() const = 0;

  // Checks the parameters (throws MirrorConfigError), starts tracking guest
  // writes and the job's task. REQUIRES: state() == created.
  virtual void start() = 0;
  // The device the guest reads and writes through: the source before the
  // job ends, the target after a pivot.
  virtual BlockDevice& guest_device() = 0;

  // Commands; each throws JobCommandError when the state does not allow it.
  virtual void complete() = 0;          // only in ready or standby
  virtual void cancel(bool force) = 0;  // before READY or forced: abort
  virtual void pause() = 0;             // running -> paused, ready -> standby
  virtual void resume() = 0;            // undoes pause() or a stop on error
  virtual void set_speed(std::int64_t bytes_per_s) = 0;
  virtual void switch_to_write_blocking() = 0;

  virtual JobState state() const = 0;
  virtual bool ready_seen() const = 0;
  virtual bool ended() const = 0;
  virtual const JobOutcome& outcome() const = 0;
  virtual IoStatusKind io_status() const = 0;
  // Blocks the calling task until the job has ended.
  virtual void wait_until_ended() = 0;

  virtual const MirrorParams& params() const = 0;
  // The values the job runs with; an algorithm without a dirty bitmap gives
  // its copy unit as granularity_bytes (docs/algorithms.md).
  virtual const ResolvedParams& resolved() const = 0;
  virtual const JobMetrics& metrics() const = 0;
  virtual CopyMode copy_mode() const = 0;
  // Bytes the job still owes the target and has not sent a copy for.
  virtual std::uint64_t dirty_bytes() const = 0;
  virtual std::uint32_t background_in_flight() const = 0;
  // Bytes of copies taken off the dirty set that have not started yet
  // (waiting for buffer space): still left to copy.
  virtual std::uint64_t bytes_awaiting_buffer() const { return 0; }
};

// Builds the algorithm params.algorithm names. Nothing runs until start().
std::unique_ptr<MirrorAlgorithm> make_mirror_algorithm(Runtime& runtime, BlockDevice& source,
                                                       BlockDevice& target, MirrorParams params,
                                                       JobObserver* observer,
                                                       MirrorAlgorithm::PivotHook pivot);

}  // namespace mirrorsim::engine
