// The content model of simulated disks: content values instead of bytes.
//
// Every 512-byte sector holds a 64-bit content value and an index. A write
// request gets a fresh value V from the run's ContentSource, and its sector i
// (counted from the request start) reads as (V, i); copying that sector
// elsewhere copies (V, i) unchanged, so after a mirror the target reads the
// same pairs as the source did. Value 0 is "zero": every zero sector reads
// (0, 0). Two sectors are equal exactly when their pairs are equal.
//
// Content moves in extents: [offset, offset + length) in bytes whose sector at
// byte o reads (value, base + (o - offset) / 512). A uniform value (zero, and
// the layer-internal zero-cluster marker) always has base 0. A ContentPayload
// is what a simulated read returns and a simulated write consumes: extents
// relative to the request start that cover it exactly, in order.
//
// Guarantees: ContentSource hands out 1, 2, 3, ... and nothing else, so one
// run seed gives one sequence of values; it never hands out a reserved value.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "engine/block_device.h"

namespace mirrorsim::sim {

using engine::kSectorSize;

// The value every zero sector holds.
inline constexpr std::uint64_t kZeroValue = 0;
// Reserved for disk layers: an allocated zero cluster (reads as zero, holds
// no data). Never appears in a payload; ContentSource never hands it out.
inline constexpr std::uint64_t kZeroClusterValue = UINT64_MAX;
// Content values and sector indices fit in 48 and 52 bits, so that a stored
// extent packs into 16 bytes (extent_store.h). ContentSource would need 2^48
// writes to run out; indices of a 1 PiB disk stay below 2^41.
inline constexpr std::uint64_t kMaxContentValue = (std::uint64_t{1} << 48) - 2;
inline constexpr std::uint64_t kMaxContentIndex = (std::uint64_t{1} << 52) - 1;

// Values whose sectors carry no index: their base is always 0.
constexpr bool is_uniform(std::uint64_t value) {
  return value == kZeroValue || value == kZeroClusterValue;
}

// What one sector reads as.
struct SectorContent {
  std::uint64_t value = 0;
  std::uint64_t index = 0;
  bool operator==(const SectorContent&) const = default;
};

// A run of sectors; see the header comment. Offsets and lengths in bytes.
struct Extent {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t value = 0;
  std::uint64_t base = 0;

  std::uint64_t end() const { return offset + length; }
  // REQUIRES: offset <= byte < end(), byte sector-aligned.
  SectorContent at(std::uint64_t byte) const {
    if (is_uniform(value)) return {value, 0};
    return {value, base + (byte - offset) / kSectorSize};
  }
  // The part [from, to) of this extent. REQUIRES: offset <= from < to <= end().
  Extent slice(std::uint64_t from, std::uint64_t to) const {
    if (is_uniform(value)) return {from, to - from, value, 0};
    return {from, to - from, value, base + (from - offset) / kSectorSize};
  }
  // The same content at another offset.
  Extent moved_to(std::uint64_t new_offset) const { return {new_offset, length, value, base}; }
  bool operator==(const Extent&) const = default;
};

// Whether `next` starts where `prev` ends and continues its content, so the
// two are one extent.
constexpr bool continues(const Extent& prev, const Extent& next) {
  return prev.offset + prev.length == next.offset && prev.value == next.value &&
         (is_uniform(prev.value) || next.base == prev.base + prev.length / kSectorSize);
}

// Appends `extent` to `out`, merging it into the last extent when it continues it.
// REQUIRES: out is empty or extent.offset == out.back().end().
void append_merged(std::vector<Extent>& out, const Extent& extent);

// "(7, 3)" or "(0, 0)": for failure messages.
std::string describe(const SectorContent& content);
// "[0, 4096) v7 i0; [4096, 8192) zero": for failure messages.
std::string describe(std::span<const Extent> extents);

// Content carried from a read to a write. A value type: copy freely.
class ContentPayload final : public engine::Payload {
 public:
  ContentPayload() = default;
  // REQUIRES: `extents` form a valid payload (see check()); else InvariantViolation.
  explicit ContentPayload(std::span<const Extent> extents);
  explicit ContentPayload(const std::vector<Extent>& extents)
      : ContentPayload(std::span<const Extent>(extents)) {}
  // Takes the vector's storage instead of copying it (reads build one).
  explicit ContentPayload(std::vector<Extent>&& extents);
  ContentPayload(std::initializer_list<Extent> extents)
      : ContentPayload(std::span<const Extent>(extents.begin(), extents.size())) {}

  // A guest write of `length` bytes with content `value`: sector i reads (value, i).
  // REQUIRES: value is not reserved, length > 0 and sector-aligned.
  static ContentPayload fresh(std::uint64_t value, std::uint64_t length);
  // `length` bytes of zeroes.
  static ContentPayload zeroes(std::uint64_t length);

  // Why `extents` are not a valid payload, or "" when they are: they must
  // start at 0, follow each other without gaps, have sector-aligned positive
  // lengths, values up to kMaxContentValue, indices up to kMaxContentIndex,
  // and base 0 for zero.
  static std::string check(std::span<const Extent> extents);

  std::span<const Extent> extents() const {
    return many_.empty() ? std::span<const Extent>(&single_, count_)
                         : std::span<const Extent>(many_);
  }
  std::uint64_t length() const { return count_ == 0 ? 0 : extents().back().end(); }
  // What the sector at `byte` (relative to the payload start) reads.
  // REQUIRES: byte < length(), sector-aligned.
  SectorContent at(std::uint64_t byte) const;

  // Sectors [offset, offset + length) of this payload, as a payload of its
  // own. REQUIRES: sector-aligned, length > 0, inside the payload.
  ContentPayload slice(std::uint64_t offset, std::uint64_t length) const;
  // The payloads one after another: `parts[0]` first. Extents that continue
  // each other across a seam merge, so the pieces of a split read assemble
  // into exactly what one read of the whole range gives.
  // REQUIRES: parts non-empty, each non-empty.
  static ContentPayload concat(std::span<const ContentPayload> parts);

  bool operator==(const ContentPayload& other) const {
    const std::span<const Extent> mine = extents();
    const std::span<const Extent> theirs = other.extents();
    return std::equal(mine.begin(), mine.end(), theirs.begin(), theirs.end());
  }

 private:
  // Guest writes carry one extent: it stays inline, with no allocation.
  Extent single_;             // the extent when there is exactly one
  std::vector<Extent> many_;  // the extents when there are two or more
  std::size_t count_ = 0;
};

// Hands out fresh content values 1, 2, 3, ...: one per simulation, passed by
// reference to whoever writes new content. Not copyable, so two components
// cannot hand out the same value by accident.
class ContentSource {
 public:
  ContentSource() = default;
  ContentSource(const ContentSource&) = delete;
  ContentSource& operator=(const ContentSource&) = delete;

  std::uint64_t next();
  // How many values were handed out so far.
  std::uint64_t issued() const { return next_ - 1; }

 private:
  std::uint64_t next_ = 1;
};

}  // namespace mirrorsim::sim
