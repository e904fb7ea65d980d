// A mirror of one big disk to another, wired by hand: two SimDisks, the
// real MirrorJob, a guest of random 4 KiB writes and, with the disk model's
// unkind switches on, periodic flushes. No World and no oracles: the
// scenario format cannot switch the unkind model on yet, and what is timed
// here is the simulator and the engine alone, so the switches' cost is not
// diluted by the checks.
//
// The disks are the mirror benchmark's: raw, 2 GB/s shared by the disk's
// requests, 100 us, queue depth 32; the source holds old data everywhere.
// The job: full sync, 64 KiB granularity, 16 MiB buffer; complete on READY.
#pragma once

#include <cstdint>

#include "engine/job_observer.h"
#include "engine/mirror_job.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::bench {

struct RigOptions {
  std::uint64_t length_bytes = 0;
  // Random 4 KiB writes with uniform gaps (mean 1 / rate), until the job
  // ends; 0 = no guest.
  double guest_iops = 0;
  // The unkind model on both disks, by part: io_model split; a completion
  // delay drawn in [0, 20 us] per request (reorder); a volatile write cache
  // that a flusher task empties every flush_period_ns (a guest flush through
  // the job, then a flush of the target, as a host's writeback would).
  bool split = false;
  bool delay = false;
  bool write_cache = false;
  engine::TimeNs flush_period_ns = 100 * engine::kNsPerMs;
};

// The model's switches from a benchmark argument: 0 = all off, 1 = all on,
// 2 = split only, 3 = completion delay only, 4 = write cache only.
RigOptions with_model(RigOptions options, std::int64_t model);

struct RigResult {
  sim::RunOutcome run;
  engine::JobOutcome job;
  engine::JobMetrics metrics;
  double run_s = 0;      // wall clock of the simulation's run, set-up excluded
  double run_cpu_s = 0;  // the same in process CPU time (less hurt by a busy machine)
  std::uint64_t guest_writes = 0;
  std::uint64_t flushes = 0;               // the flusher's, both disks
  std::uint64_t peak_volatile_pieces = 0;  // both disks, seen before each flush
  bool target_equals_source = false;       // checked after the run, not timed
};

RigResult run_rig(const RigOptions& options);

}  // namespace mirrorsim::bench
