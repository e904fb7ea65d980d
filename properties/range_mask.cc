#include "properties/range_mask.h"

#include <algorithm>
#include <bit>
#include <utility>
#include <vector>

namespace mirrorsim::properties {

void RangeMask::add(std::uint64_t offset, std::uint64_t length) {
  if (offset >= length_ || length == 0) return;
  added_.push_back({offset, offset + std::min(length, length_ - offset)});
  // Merging once added_ outgrows merged_ keeps the cost of all merges
  // within a constant factor of one sort of everything added.
  if (added_.size() >= std::max<std::size_t>(4096, merged_.size())) merge();
}

void RangeMask::clear() {
  merged_.clear();
  added_.clear();
}

namespace {

// Sorts by offset (ties in any order: merging does not care). Millions of
// ranges (a guest writing all over a big disk between target flushes) go
// by radix, 16 bits a pass: std::sort's mispredicted compares cost several
// times more there.
template <typename Range>
void sort_by_offset(std::vector<Range>& ranges, std::uint64_t length) {
  constexpr std::size_t kRadixFrom = std::size_t{1} << 16;
  if (ranges.size() < kRadixFrom) {
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& x, const Range& y) { return x.offset < y.offset; });
    return;
  }
  std::vector<Range> other(ranges.size());
  std::vector<std::size_t> start(std::size_t{1} << 16);  // not on a task's small stack
  const int bits = static_cast<int>(std::bit_width(length));
  for (int shift = 0; shift < bits; shift += 16) {
    std::fill(start.begin(), start.end(), 0);
    for (const Range& r : ranges) ++start[(r.offset >> shift) & 0xffff];
    std::size_t at = 0;
    for (std::size_t& s : start) at += std::exchange(s, at);
    for (const Range& r : ranges) other[start[(r.offset >> shift) & 0xffff]++] = r;
    ranges.swap(other);
  }
}

}  // namespace

void RangeMask::merge() const {
  if (added_.empty()) return;
  const auto by_offset = [](const Range& x, const Range& y) { return x.offset < y.offset; };
  sort_by_offset(added_, length_);
  // Merged from the back into merged_'s own room (no second copy of
  // millions of ranges), then touching ranges joined in one pass.
  std::size_t i = merged_.size();
  std::size_t j = added_.size();
  merged_.resize(i + j);
  for (std::size_t out = merged_.size(); j > 0;) {
    merged_[--out] = i > 0 && by_offset(added_[j - 1], merged_[i - 1]) ? merged_[--i] : added_[--j];
  }
  std::size_t kept = 0;
  for (const Range& r : merged_) {
    if (kept > 0 && r.offset <= merged_[kept - 1].end) {
      merged_[kept - 1].end = std::max(merged_[kept - 1].end, r.end);
    } else {
      merged_[kept++] = r;
    }
  }
  merged_.resize(kept);
  added_.clear();
}

std::uint64_t RangeMask::bytes() const {
  merge();
  std::uint64_t total = 0;
  for (const Range& r : merged_) total += r.end - r.offset;
  return total;
}

sim::ExtentStore RangeMask::top_layer() const {
  merge();
  sim::ExtentStore top(length_);
  for (const Range& r : merged_) (void)top.assign(r.offset, r.end - r.offset, sim::kZeroValue, 0);
  return top;
}

sim::GuestView RangeMask::under(const sim::ExtentStore& top, const sim::GuestView& view) {
  std::vector<sim::ExtentStore> layers{top};
  for (std::size_t i = 0; i < view.depth(); ++i) layers.push_back(view.layer(i));
  return sim::GuestView(std::move(layers));
}

sim::GuestView RangeMask::over(const sim::GuestView& view) const {
  return under(top_layer(), view);
}

std::optional<std::uint64_t> RangeMask::first_left_in(std::uint64_t offset,
                                                      std::uint64_t end) const {
  // The last range starting at or before offset is the only one that can cover it.
  auto it = std::upper_bound(merged_.begin(), merged_.end(), offset,
                             [](std::uint64_t at, const Range& r) { return at < r.offset; });
  if (it == merged_.begin() || std::prev(it)->end <= offset) return offset;
  const std::uint64_t covered_to = std::prev(it)->end;  // ranges never touch
  if (covered_to < end) return covered_to;
  return std::nullopt;
}

std::optional<sim::Difference> RangeMask::difference(const sim::GuestView& a,
                                                     const sim::GuestView& b) const {
  if (empty()) return sim::first_difference(a, b);
  if (!sim::compares_by_pages(a, b)) {
    const sim::ExtentStore top = top_layer();
    return sim::first_difference(under(top, a), under(top, b));
  }
  // Differences are few (a correct job leaves only masked ones): find each
  // by pages, and read through the mask only from the first byte of one
  // that the mask leaves in. Nothing before that byte differs outside the
  // mask, so the masked views' first difference starts there.
  merge();
  std::uint64_t pos = 0;
  while (std::optional<sim::Difference> d = sim::first_difference(a, b, pos)) {
    if (const std::optional<std::uint64_t> left = first_left_in(d->offset, d->offset + d->length)) {
      const sim::ExtentStore top = top_layer();
      return sim::first_difference(under(top, a), under(top, b), *left);
    }
    pos = d->offset + d->length;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::properties
