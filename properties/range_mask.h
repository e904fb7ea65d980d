// Byte ranges an oracle leaves out of a comparison: writes still in flight,
// or made since the instant the comparison is about. Both views are read
// through one more top layer that reads zero over the ranges and falls
// through elsewhere, so the ranges compare equal and the rest as it is.
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
  explicit RangeMask(std::uint64_t length = 0) : mask_(length) {}

  std::uint64_t length() const { return mask_.length(); }
  bool empty() const { return mask_.empty(); }
  // Leaves out [offset, offset + length), clamped to the mask.
  void add(std::uint64_t offset, std::uint64_t length) {
    if (offset >= mask_.length() || length == 0) return;
    (void)mask_.assign(offset, std::min(length, mask_.length() - offset), sim::kZeroValue, 0);
  }
  void clear() { mask_ = sim::ExtentStore(mask_.length()); }
  // Bytes left out (the union of every range added).
  std::uint64_t bytes() const {
    return mask_.bytes_where(0, mask_.length(), [](std::uint64_t) { return true; });
  }

  // `view` read through the mask. REQUIRES: view.length() == length().
  sim::GuestView over(const sim::GuestView& view) const {
    std::vector<sim::ExtentStore> layers{mask_};
    for (std::size_t i = 0; i < view.depth(); ++i) layers.push_back(view.layer(i));
    return sim::GuestView(std::move(layers));
  }

  // Where a and b first differ outside the mask.
  std::optional<sim::Difference> difference(const sim::GuestView& a,
                                            const sim::GuestView& b) const {
    if (mask_.empty()) return sim::first_difference(a, b);
    return sim::first_difference(over(a), over(b));
  }

 private:
  sim::ExtentStore mask_;
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
