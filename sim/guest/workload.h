// A generated guest workload: a deterministic stream of guest requests.
//
// WorkloadGenerator turns WorkloadParams (workload_params.h), a disk length
// and a RandomStream (normally the run's "workload" stream) into requests.
// Guarantees, for every request it returns:
//   - offset is a multiple of align_bytes (hence of 512), offset < disk length,
//     and length is the drawn size cut at the disk end: a multiple of 512, > 0;
//   - times start at start_us, never decrease, and stay below stop_us (if set)
//     and within the phases (if any); at most max_requests are returned;
//   - the same parameters, disk length and stream give the same sequence, on
//     any platform with the same C math library: every draw goes through
//     RandomStream's own mappings (below, unit, chance), in a fixed order per
//     request: operation, offset, size, then the gap to the next request;
//   - with flush_every, a flush (offset and length 0) follows every
//     flush_every-th content change at its instant, drawing nothing, so the
//     other requests are those drawn without it.
// A generator with no end (no stop_us, no max_requests, no phases) stops at
// kMaxWorkloadTimeUs; the simulation's own limits normally end a run first.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/guest/workload_params.h"
#include "sim/guest/workload_request.h"
#include "sim/guest/workload_zipf.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {

class WorkloadGenerator final : public RequestSource {
 public:
  // Throws std::invalid_argument when check_workload_params(params) finds a
  // problem or disk_length is not a multiple of 512. A disk of length 0
  // gets no requests.
  WorkloadGenerator(WorkloadParams params, std::uint64_t disk_length, RandomStream random);

  std::optional<GuestRequest> next() override;

  // Requests returned so far.
  std::uint64_t issued() const { return issued_; }
  const WorkloadParams& params() const { return params_; }

 private:
  // Moves cursor_ns_ to the next instant at which a request may be issued,
  // with the rate in force there; false when the workload has ended.
  bool advance_to_active(double& rate);
  GuestOp draw_op();
  std::uint64_t draw_offset();
  std::uint64_t draw_size();
  engine::TimeNs draw_gap(double rate);

  WorkloadParams params_;
  std::uint64_t disk_length_;
  RandomStream random_;
  std::uint64_t blocks_;  // align-sized blocks, the last one possibly partial
  std::optional<ZipfSampler> zipf_;
  std::uint64_t hot_first_block_ = 0;
  std::uint64_t hot_blocks_ = 0;
  std::vector<engine::TimeNs> phase_end_ns_;
  std::size_t phase_ = 0;
  engine::TimeNs cursor_ns_;
  std::uint64_t sequential_next_ = 0;
  std::uint64_t issued_ = 0;
  std::uint64_t changes_since_flush_ = 0;
  std::optional<GuestRequest> pending_flush_;
  bool done_ = false;
};

}  // namespace mirrorsim::sim
