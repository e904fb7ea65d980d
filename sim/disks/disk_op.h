// The kinds of request a simulated disk serves, as logged and as named in
// scenario files and fault plans.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mirrorsim::sim {

// Numbered from 1: the number goes into event-log records (b = length | op << 56).
enum class DiskOp : std::uint8_t { kRead = 1, kWrite, kWriteZeroes, kDiscard, kFlush };

inline constexpr int kDiskOpShift = 56;

// "read", "write", "write_zeroes", "discard", "flush".
std::string_view disk_op_name(DiskOp op);

// Whether the op changes content (write, write-zeroes, discard).
constexpr bool changes_content(DiskOp op) {
  return op == DiskOp::kWrite || op == DiskOp::kWriteZeroes || op == DiskOp::kDiscard;
}
std::optional<DiskOp> parse_disk_op(std::string_view name);

// The `b` field of a disk event-log record.
constexpr std::uint64_t pack_length_op(std::uint64_t length, DiskOp op) {
  return length | (static_cast<std::uint64_t>(op) << kDiskOpShift);
}

}  // namespace mirrorsim::sim
