#include "properties/range_mask.h"

#include <algorithm>

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

void RangeMask::merge() const {
  if (added_.empty()) return;
  std::sort(added_.begin(), added_.end(),
            [](const Range& x, const Range& y) { return x.offset < y.offset; });
  std::vector<Range> all;
  all.reserve(merged_.size() + added_.size());
  auto take = [&all](const Range& r) {
    if (!all.empty() && r.offset <= all.back().end) {
      all.back().end = std::max(all.back().end, r.end);
    } else {
      all.push_back(r);
    }
  };
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < merged_.size() || j < added_.size()) {
    const bool from_merged =
        j == added_.size() || (i < merged_.size() && merged_[i].offset <= added_[j].offset);
    take(from_merged ? merged_[i++] : added_[j++]);
  }
  merged_ = std::move(all);
  added_.clear();
}

std::uint64_t RangeMask::bytes() const {
  merge();
  std::uint64_t total = 0;
  for (const Range& r : merged_) total += r.end - r.offset;
  return total;
}

sim::GuestView RangeMask::over(const sim::GuestView& view) const {
  merge();
  sim::ExtentStore top(length_);
  for (const Range& r : merged_) (void)top.assign(r.offset, r.end - r.offset, sim::kZeroValue, 0);
  std::vector<sim::ExtentStore> layers{std::move(top)};
  for (std::size_t i = 0; i < view.depth(); ++i) layers.push_back(view.layer(i));
  return sim::GuestView(std::move(layers));
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
  if (!sim::compares_by_pages(a, b)) return sim::first_difference(over(a), over(b));
  // Differences are few (a correct job leaves only masked ones): find each
  // by pages, and read through the mask only from the first byte of one
  // that the mask leaves in. Nothing before that byte differs outside the
  // mask, so the masked views' first difference starts there.
  merge();
  std::uint64_t pos = 0;
  while (std::optional<sim::Difference> d = sim::first_difference(a, b, pos)) {
    if (const std::optional<std::uint64_t> left = first_left_in(d->offset, d->offset + d->length)) {
      return sim::first_difference(over(a), over(b), *left);
    }
    pos = d->offset + d->length;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::properties
