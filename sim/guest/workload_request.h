// What a simulated guest asks of its disk, and where such requests come from.
//
// A GuestRequest is one guest I/O at one virtual time. Every request that a
// RequestSource hands out satisfies:
//   - offset and length are multiples of engine::kSectorSize;
//   - length > 0 and offset + length <= the disk length the source was built
//     for, but for a flush, whose offset and length are 0;
//   - times never decrease from one request to the next.
// Generated workloads (workload.h) and replayed traces (trace.h) are both
// RequestSources, so whoever drives the guest does not care which it has.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/runtime.h"

namespace mirrorsim::sim {

// kFlush (last, so that the others keep their numbers in logs) asks the
// disk to make every write completed before it durable; it has no range
// (offset and length 0).
enum class GuestOp : std::uint8_t { kWrite, kWriteZeroes, kDiscard, kRead, kFlush };

// "write", "write_zeroes", "discard", "read", "flush": the names used in
// scenario files and CSV traces. parse_guest_op also takes "trim", fio's
// name for a discard (guest_op_name says "discard").
std::string_view guest_op_name(GuestOp op);
std::optional<GuestOp> parse_guest_op(std::string_view name);
// The accepted names, for error messages.
std::string_view guest_op_names();
// Write, zero write or discard: the ops that change what the guest reads.
constexpr bool changes_content(GuestOp op) {
  return op == GuestOp::kWrite || op == GuestOp::kWriteZeroes || op == GuestOp::kDiscard;
}

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
