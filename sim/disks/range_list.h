// Items in flight with the byte range each covers, kept sorted by offset,
// for the question "which of them touch [lo, hi)?" asked far more often
// than items come and go (a lazy disk's deferred requests: each landing
// asks, and a few dozen are in flight). The answer costs a binary search
// and the items near the range, not a scan of them all.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mirrorsim::sim {

template <typename T>
class RangeList {
 public:
  struct Entry {
    std::uint64_t offset = 0;
    std::uint64_t end = 0;
    T* item = nullptr;
  };

  void insert(std::uint64_t offset, std::uint64_t end, T* item) {
    // A sequential copy's requests come in offset order: they go last.
    const bool last = entries_.empty() || entries_.back().offset <= offset;
    const auto at = last ? entries_.end()
                         : entries_.begin() + static_cast<std::ptrdiff_t>(first_past(offset, true));
    entries_.insert(at, Entry{offset, end, item});
    longest_ = std::max(longest_, end - offset);
  }
  // Erases `item`, inserted at `offset` (if it is there).
  void erase(std::uint64_t offset, const T* item) {
    auto it = entries_.begin() + static_cast<std::ptrdiff_t>(first_past(offset, false));
    while (it != entries_.end() && it->offset == offset && it->item != item) ++it;
    if (it == entries_.end() || it->offset != offset) return;
    entries_.erase(it);
    if (entries_.empty()) longest_ = 0;  // otherwise an upper bound still
  }

  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }

  // Calls fn(item) for each item whose range meets [lo, hi), by offset.
  // fn may change the items, not add or remove any.
  template <typename Fn>
  void for_each_touching(std::uint64_t lo, std::uint64_t hi, Fn fn) const {
    // No entry longer than longest_ starts before lo - longest_ and reaches lo.
    const std::uint64_t from = lo > longest_ ? lo - longest_ : 0;
    auto it = entries_.cbegin() + static_cast<std::ptrdiff_t>(first_past(from, false));
    for (; it != entries_.cend() && it->offset < hi; ++it) {
      if (lo < it->end) fn(it->item);
    }
  }

 private:
  // The index of the first entry whose offset is past `offset` (or equal
  // to it, unless `equal_too`): std::lower_bound, or std::upper_bound with
  // equal_too. Halving without a branch on the comparison: with a few dozen
  // entries whose offsets are random, a mispredicted branch per halving
  // cost more than the search.
  std::size_t first_past(std::uint64_t offset, bool equal_too) const {
    std::size_t n = entries_.size();
    if (n == 0) return 0;
    const Entry* base = entries_.data();
    const auto before = [offset, equal_too](const Entry& e) {
      return e.offset < offset || (equal_too && e.offset == offset);
    };
    while (n > 1) {
      const std::size_t half = n / 2;
      base += before(base[half]) ? half : 0;
      n -= half;
    }
    return static_cast<std::size_t>(base - entries_.data()) + (before(*base) ? 1 : 0);
  }

  std::vector<Entry> entries_;
  std::uint64_t longest_ = 0;  // no entry is longer
};

}  // namespace mirrorsim::sim
