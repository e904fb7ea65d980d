// The figures researchers compare between runs, gathered while a run goes
// (MetricsRecorder, fed by the World) and reported once at its end
// (RunMetrics, in RunReport). Observations only: recording writes nothing to
// the event log and draws nothing, so no run changes by being measured.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "engine/mirror_params.h"
#include "engine/runtime.h"
#include "properties/range_mask.h"
#include "sim/disks/disk_view.h"

namespace mirrorsim::properties {

struct LatencyPercentiles {
  engine::TimeNs p50_ns = 0;
  engine::TimeNs p99_ns = 0;
  engine::TimeNs p999_ns = 0;
};

struct RunMetrics {
  // The guest's achieved rate: requests (and bytes of reads, writes, zero
  // writes and discards) completed over the time it was issuing, from its
  // first request's start to its last one's end. Null with no such time.
  std::optional<double> guest_iops;
  std::optional<double> guest_bytes_per_s;
  // The guest's arrivals (an open loop, properties/world_io.cc): the rate
  // its generator asks for (null for a trace or phases), its cap on
  // outstanding requests, how many arrivals found the cap reached, and how
  // long they waited for a request to complete, in all.
  std::optional<double> guest_requested_iops;
  std::uint64_t guest_max_outstanding = 0;
  std::uint64_t guest_cap_hits = 0;
  engine::TimeNs guest_cap_delay_ns = 0;
  // Guest write latency of writes started while the job ran, and of writes
  // started before the job started (null when there were none).
  std::optional<LatencyPercentiles> guest_write_latency_during_job;
  std::optional<LatencyPercentiles> guest_write_latency_before_job;
  // Bytes that needed copying: the union of the source's data at the job's
  // start (every layer for sync=full, the top layer for sync=top, none for
  // sync=none) and the ranges the guest changed while the job ran, before
  // the pivot. Byte-exact: granularity and COW widening are not "needed".
  std::uint64_t needed_copy_bytes = 0;
  // Bytes the job wrote to the target (copies, active writes, zero writes)
  // over needed_copy_bytes; null when nothing needed copying.
  std::optional<double> write_amplification;
  // Copy ops started, by size: the key is the power of two at or below the
  // op's length (4096 counts ops of 4096..8191 bytes).
  std::map<std::uint64_t, std::uint64_t> copy_op_sizes;
  // The pause at the pivot: from the accepted complete command to the pivot.
  std::optional<engine::TimeNs> pivot_drain_ns;
  // Target write requests (writes, zero writes, discards) while the job ran,
  // over the time it ran (to its end, or to the end of the run).
  std::optional<double> target_writes_per_s;
  std::uint64_t dirty_bytes_at_end = 0;
};

// The power of two at or below `length` (1 for 0 and 1).
std::uint64_t power_of_two_bucket(std::uint64_t length);
// The latency percentiles of `values` (reordered), null when it is empty.
std::optional<LatencyPercentiles> latency_percentiles(std::vector<engine::TimeNs>& values);

class MetricsRecorder {
 public:
  explicit MetricsRecorder(std::uint64_t source_length) : needed_(source_length) {}

  // The job started: what the source held then needs copying (by `sync`).
  void job_started(engine::TimeNs now, engine::SyncMode sync, const sim::GuestView& source);
  void job_running_until(engine::TimeNs end) { job_end_ = end; }
  // A guest request started and ended; `changes` it changed content.
  void guest_started(engine::TimeNs now);
  void guest_ended(engine::TimeNs now, std::uint64_t bytes);
  void guest_write_latency(engine::TimeNs started, engine::TimeNs latency);
  // A guest request that changes [offset, offset + length) before the pivot.
  void guest_changed(std::uint64_t offset, std::uint64_t length);
  void copy_op_started(std::uint64_t length) { ++copy_op_sizes_[power_of_two_bucket(length)]; }
  void target_write() { ++target_writes_; }
  void complete_accepted(engine::TimeNs now);
  void pivoted(engine::TimeNs now);
  bool job_has_started() const { return job_start_.has_value(); }
  std::optional<engine::TimeNs> job_start() const { return job_start_; }

  // The figures at the end of a run that ended at `end` (the job's own end
  // when it ended first); `job_bytes_written` is what the job wrote to the
  // target.
  RunMetrics finish(engine::TimeNs end, std::uint64_t job_bytes_written,
                    std::uint64_t dirty_bytes_at_end);

 private:
  RangeMask needed_;
  std::optional<engine::TimeNs> job_start_;
  std::optional<engine::TimeNs> job_end_;
  std::optional<engine::TimeNs> first_guest_start_;
  engine::TimeNs last_guest_end_ = 0;
  std::uint64_t guest_done_ = 0;
  std::uint64_t guest_bytes_ = 0;
  std::vector<engine::TimeNs> write_latency_during_;
  std::vector<engine::TimeNs> write_latency_before_;
  std::map<std::uint64_t, std::uint64_t> copy_op_sizes_;
  std::uint64_t target_writes_ = 0;
  std::optional<engine::TimeNs> complete_time_;
  std::optional<engine::TimeNs> pivot_time_;
};

}  // namespace mirrorsim::properties
