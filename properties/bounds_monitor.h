// Watches a running job for the bounds of property 6: buffer in use <=
// buf-size, background ops in flight <= 16, no two overlapping writes in
// flight to the target, and the rate limit. The limits are MIRROR.md's
// (properties/mirror_spec.h), never the engine's. Keeps the first violation of
// each kind, with the virtual time it happened.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/job_observer.h"
#include "engine/runtime.h"
#include "properties/mirror_spec.h"
#include "sim/disks/sim_disk.h"

namespace mirrorsim::properties {

class BoundsMonitor {
 public:
  // buf_size_bytes: the buffer MIRROR.md gives the job (spec::buf_size_bytes).
  // max_in_flight_ops: MIRROR.md's 16, unless a run asks for the engine's own
  // limit to show what such an oracle misses (RunOptions::oracle_limits).
  void set_limits(std::uint64_t buf_size_bytes, std::uint32_t max_in_flight_ops) {
    buf_size_bytes_ = buf_size_bytes;
    max_in_flight_ops_ = max_in_flight_ops;
  }

  void on_op_start(engine::TimeNs now, const engine::OpInfo& op);
  // Every request on a disk of `disk_length` bytes must be sector-aligned
  // and inside it (guest requests are by construction; the job's must be).
  void on_request_validity(std::string_view disk, std::uint64_t disk_length,
                           const sim::DiskRequest& request);
  // Only requests the job makes (before any pivot) should be passed here.
  void on_target_request_start(const sim::DiskRequest& request);
  void on_target_request_end(const sim::DiskRequest& request);
  void on_rate_dispatch(engine::TimeNs now, std::uint64_t bytes, std::uint64_t speed);

  const std::vector<std::string>& violations() const { return violations_; }

 private:
  void violate(const std::string& kind, const std::string& message);

  std::uint64_t buf_size_bytes_ = 0;
  std::uint32_t max_in_flight_ops_ = spec::kMaxInFlightOps;
  // Writes in flight to the target: a handful, so a vector beats a map.
  std::vector<sim::DiskRequest> target_writes_;
  // Rate accounting since the speed last changed.
  std::uint64_t rate_speed_ = 0;
  engine::TimeNs rate_since_ = 0;
  std::uint64_t rate_bytes_ = 0;
  std::vector<std::string> seen_kinds_;
  std::vector<std::string> violations_;
};

}  // namespace mirrorsim::properties
