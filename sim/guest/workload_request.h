// What a simulated guest asks of its disk, and where such requests come from.
//
// A GuestRequest is one guest I/O at one virtual time. Every request that a
// RequestSource hands out satisfies:
//   - offset and length are multiples of engine::kSectorSize;
//   - length > 0 and offset + length <= the disk length the source was built for;
//   - times never decrease from one request to the next.
// Generated workloads (workload.h) and replayed traces (trace.h) are both
// RequestSources, so whoever drives the guest does not care which it has.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/runtime.h"

namespace mirrorsim::sim {

enum class GuestOp : std::uint8_t { kWrite, kWriteZeroes, kDiscard, kRead };

// "write", "write_zeroes", "discard", "read": the names used in scenario
// files and CSV traces.
std::string_view guest_op_name(GuestOp op);
std::optional<GuestOp> parse_guest_op(std::string_view name);
// The accepted names, for error messages: "write, write_zeroes, discard, read".
std::string_view guest_op_names();

struct GuestRequest {
  engine::TimeNs time = 0;  // virtual time at which the guest issues it
  GuestOp op = GuestOp::kWrite;
  std::uint64_t offset = 0;  // bytes
  std::uint64_t length = 0;  // bytes
  // write_zeroes only: the device may deallocate the range (traces and
  // generated workloads always allow it; a test may not).
  bool may_unmap = true;

  bool operator==(const GuestRequest&) const = default;
};

class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // The next request, or nullopt once the source has ended (then forever).
  virtual std::optional<GuestRequest> next() = 0;
};

}  // namespace mirrorsim::sim
