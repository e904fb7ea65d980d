// Byte ranges an oracle leaves out of a comparison: writes still in flight,
// or made since the instant the comparison is about. The ranges compare
// equal and the rest as it is, as if both views were read through one more
// top layer that reads zero over the ranges.
//
// Adding a range is appending it (a guest writing all over a 1 TiB disk adds
// millions, and a store would take a cache miss for each); the ranges are
// sorted and merged in batches, and when asked about.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/disks/content.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::properties {

class RangeMask {
 public:
  // A mask for views `length` bytes long (a multiple of 512).
  explicit RangeMask(std::uint64_t length = 0) : length_(length) {}

  std::uint64_t length() const { return length_; }
  bool empty() const { return merged_.empty() && added_.empty(); }
  // Leaves out [offset, offset + length), clamped to the mask.
  void add(std::uint64_t offset, std::uint64_t length);
  void clear();
  // Bytes left out (the union of every range added).
  std::uint64_t bytes() const;

  // `view` read through the mask. REQUIRES: view.length() == length().
  sim::GuestView over(const sim::GuestView& view) const;

  // Where a and b first differ outside the mask: the difference
  // first_difference(over(a), over(b)) gives, found without reading
  // through the mask where the two views compare by pages.
  std::optional<sim::Difference> difference(const sim::GuestView& a, const sim::GuestView& b) const;

 private:
  struct Range {
    std::uint64_t offset;
    std::uint64_t end;
  };
  // Sorts added_ into merged_ (disjoint, not touching, in order).
  void merge() const;
  // The top layer: zero over every range. Both views of a comparison get
  // the same one (copies share storage, so equal windows are skipped).
  sim::ExtentStore top_layer() const;
  static sim::GuestView under(const sim::ExtentStore& top, const sim::GuestView& view);
  // The first byte of [offset, end) the mask leaves in, if any.
  std::optional<std::uint64_t> first_left_in(std::uint64_t offset, std::uint64_t end) const;

  std::uint64_t length_ = 0;
  mutable std::vector<Range> merged_;
  mutable std::vector<Range> added_;  // since the last merge, in any order
};

// A view whose layers are `top`'s and then `below`'s: a layer that is not
// attached yet (a target whose backing is attached at the pivot) read as it
// will be once it is.
inline sim::GuestView stacked(const sim::GuestView& top, const sim::GuestView& below) {
  std::vector<sim::ExtentStore> layers;
  for (std::size_t i = 0; i < top.depth(); ++i) layers.push_back(top.layer(i));
  for (std::size_t i = 0; i < below.depth(); ++i) layers.push_back(below.layer(i));
  return sim::GuestView(std::move(layers));
}

}  // namespace mirrorsim::properties
