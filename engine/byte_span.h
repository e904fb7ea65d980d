// A range of bytes on a disk, as the engine's parts pass it between them.
//
// A value: [offset_bytes, offset_bytes + length_bytes). A span of length 0
// overlaps nothing that starts at or after its offset. The end never
// overflows: disk lengths are far below 2^63.
#pragma once

#include <cstdint>

namespace mirrorsim::engine {

struct ByteSpan {
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;

  std::uint64_t end_bytes() const { return offset_bytes + length_bytes; }
  friend bool operator==(const ByteSpan&, const ByteSpan&) = default;
};

// True when the spans share at least one byte.
inline bool overlaps(ByteSpan a, ByteSpan b) {
  return a.offset_bytes < b.end_bytes() && b.offset_bytes < a.end_bytes();
}

}  // namespace mirrorsim::engine
