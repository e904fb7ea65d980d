// What a mirror job tells the outside world: its events (QEMU's QMP events),
// its ops, and its metrics. The simulation records these in the event log;
// the properties check them; reports summarise them.
#pragma once

#include <cstdint>
#include <string>

#include "engine/job_state.h"
#include "engine/runtime.h"

namespace mirrorsim::engine {

enum class JobEventKind : std::uint8_t { kStateChange, kReady, kError, kCompleted, kCancelled };
std::string_view job_event_name(JobEventKind kind);

struct JobEvent {
  JobEventKind kind = JobEventKind::kStateChange;
  TimeNs time = 0;
  JobState state = JobState::kCreated;  // the state after the event
  std::string operation;                // kError: "read" or "write"
  std::string action;                   // kError: "report", "ignore" or "stop"
  int error = 0;                        // kError: errno; kCompleted: errno of a failure
  std::string message;                  // kCompleted on failure: the error string
  bool pivoted = false;                 // kCompleted: the guest now uses the target
};

enum class OpKind : std::uint8_t { kCopy, kZero, kDiscard, kActiveWrite };
std::string_view op_kind_name(OpKind kind);

struct OpInfo {
  std::uint64_t id = 0;
  OpKind kind = OpKind::kCopy;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  // At the op's start, including this op:
  std::uint64_t buffer_bytes_in_use = 0;
  std::uint32_t background_in_flight = 0;
};

class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void on_event(const JobEvent& /*event*/) {}
  virtual void on_op_start(const OpInfo& /*op*/) {}
  virtual void on_op_end(const OpInfo& /*op*/, int /*error*/) {}
  // Bytes the rate limiter let through at this instant (copy/zero/discard).
  virtual void on_rate_dispatch(TimeNs /*now*/, std::uint64_t /*bytes*/, std::uint64_t /*speed*/) {}
};

struct JobMetrics {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_zeroed = 0;
  std::uint64_t bytes_discarded = 0;
  std::uint64_t cow_extra_bytes = 0;  // bytes copied only because of COW widening
  std::uint64_t copy_ops = 0;
  std::uint64_t zero_ops = 0;
  std::uint64_t discard_ops = 0;
  std::uint64_t active_writes = 0;
  std::uint64_t errors = 0;
  std::uint64_t iterations = 0;     // mirror iterations (one coalesced run each)
  std::uint64_t bitmap_passes = 0;  // times the dirty scan wrapped to the start
  TimeNs time_to_ready_ns = -1;
  TimeNs time_to_end_ns = -1;
  // Time the guest's I/O was held off for the switch-over: from the hold to
  // the pivot; 0 without a pivot. The QEMU job and io-mirror only drain
  // there; snapshot and pre-copy pause the guest and copy the rest.
  TimeNs downtime_ns = 0;
  std::uint64_t peak_buffer_bytes = 0;
  std::uint32_t peak_in_flight = 0;
};

}  // namespace mirrorsim::engine
