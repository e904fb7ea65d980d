#include "sim/disks/extent_store.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#include <boost/container/small_vector.hpp>

#include "engine/invariant.h"
#include "sim/disks/extent_memory.h"

namespace mirrorsim::sim {
namespace {

std::uint64_t div_ceil(std::uint64_t x, std::uint64_t y) {
  return x / y + (x % y != 0);
}

// Page block capacities, in extents of 16 bytes: with the 16-byte header,
// each fills one block size of libstdc++'s pool exactly (128, 192, 256, 320,
// ... bytes), so a page wastes at most a few dozen percent. Beyond the
// table, capacities double. Never more than the page has sectors.
constexpr std::uint32_t kPageCapacities[] = {7,  11, 15,  19,  23,  27,  31,   47,
                                             63, 95, 127, 191, 255, 511, 1023, 2047};
constexpr std::uint32_t kFirstPageCapacity = kPageCapacities[0];
std::uint32_t next_capacity(std::uint32_t capacity) {
  for (const std::uint32_t c : kPageCapacities) {
    if (c > capacity) return c;
  }
  return 2 * capacity + 3;
}

// Room for the reference counts next to a block.
constexpr std::size_t kBlockOverhead = 64;

template <typename T>
std::pmr::polymorphic_allocator<T> allocator() {
  return std::pmr::polymorphic_allocator<T>(&extent_memory());
}

// Whether `next` directly follows `prev` with the same content.
template <typename S>
bool joins(const S& prev, const S& next) {
  return prev.end() == next.start() && prev.same_content(next);
}

}  // namespace

ExtentStore::Page ExtentStore::Page::with_capacity(std::uint32_t capacity) {
  Page page;
  void* memory = extent_memory().allocate(bytes_for(capacity), alignof(Header));
  page.block_ = ::new (memory) Header{1, 0, static_cast<std::uint16_t>(capacity), 0, {}};
  return page;
}

void ExtentStore::Page::release() {
  if (block_ == nullptr || --block_->refs > 0) return;
  extent_memory().deallocate(block_, bytes_for(block_->capacity), alignof(Header));
  block_ = nullptr;
}

ExtentStore::ExtentStore(std::uint64_t length, std::uint64_t page_bytes)
    : length_(length),
      page_bytes_(page_bytes),
      page_shift_(static_cast<std::uint32_t>(std::countr_zero(page_bytes))) {
  MIRRORSIM_ASSERT(length % kSectorSize == 0, "store length must be a multiple of 512");
  MIRRORSIM_ASSERT(length <= kMaxLength, "store length above kMaxLength");
  MIRRORSIM_ASSERT(
      std::has_single_bit(page_bytes) && page_bytes >= kMinPageBytes && page_bytes <= kMaxPageBytes,
      "page size must be a power of two from 512 B to 1 MiB");
  // Every block must come from the pool proper (see extent_memory.h).
  static_assert(sizeof(Group) + kBlockOverhead <= kLargestPooledBlock);
  static_assert(kMaxPageBytes / kSectorSize * sizeof(Stored) + kBlockOverhead <=
                kLargestPooledBlock);
  page_count_ = div_ceil(length_, page_bytes_);
  groups_.resize(div_ceil(page_count_, kPagesPerGroup));
  owned_.resize(groups_.size());
}

ExtentStore::ExtentStore(const ExtentStore& other)
    : length_(other.length_),
      page_bytes_(other.page_bytes_),
      page_shift_(other.page_shift_),
      page_count_(other.page_count_),
      stored_extents_(other.stored_extents_),
      groups_(other.groups_),
      owned_(other.owned_.size()) {
  std::fill(other.owned_.begin(), other.owned_.end(), 0);  // shared now
}

ExtentStore& ExtentStore::operator=(const ExtentStore& other) {
  if (this == &other) return *this;
  length_ = other.length_;
  page_bytes_ = other.page_bytes_;
  page_shift_ = other.page_shift_;
  page_count_ = other.page_count_;
  stored_extents_ = other.stored_extents_;
  groups_ = other.groups_;
  owned_.assign(other.owned_.size(), 0);
  std::fill(other.owned_.begin(), other.owned_.end(), 0);
  return *this;
}

std::uint32_t ExtentStore::page_sectors(std::uint64_t page) const {
  return static_cast<std::uint32_t>(
      (std::min(page_start(page) + page_bytes_, length_) - page_start(page)) / kSectorSize);
}

void ExtentStore::check_range(std::uint64_t offset, std::uint64_t length) const {
  MIRRORSIM_ASSERT(offset % kSectorSize == 0 && length % kSectorSize == 0,
                   "extent store range not sector-aligned");
  MIRRORSIM_ASSERT(offset <= length_ && length <= length_ - offset,
                   "extent store range past the end");
}

ExtentStore::Stored ExtentStore::to_stored(const Extent& extent, std::uint64_t page_start) {
  MIRRORSIM_ASSERT(extent.value <= kMaxContentValue || extent.value == kZeroClusterValue,
                   "content value " + std::to_string(extent.value) + " above kMaxContentValue");
  return Stored(static_cast<std::uint32_t>((extent.offset - page_start) / kSectorSize),
                static_cast<std::uint32_t>(extent.length / kSectorSize), extent.value,
                is_uniform(extent.value) ? 0 : extent.base - extent.offset / kSectorSize);
}

ExtentStore::Run ExtentStore::to_run(const Stored& stored, std::uint64_t page_start) const {
  Run run;
  run.offset = page_start + std::uint64_t{stored.start()} * kSectorSize;
  run.length = std::uint64_t{stored.sectors()} * kSectorSize;
  run.hole = false;
  run.value = stored.value();
  run.base = is_uniform(run.value)
                 ? 0
                 : (stored.origin() + run.offset / kSectorSize) & Stored::kOriginMask;
  return run;
}

ExtentStore::Group& ExtentStore::mutable_group(std::uint64_t group) {
  std::shared_ptr<Group>& slot = groups_[group];
  if (owned_[group] != 0) return *slot;
  if (!slot) {
    slot = std::allocate_shared<Group>(allocator<Group>());
  } else if (slot.use_count() > 1) {
    slot = std::allocate_shared<Group>(allocator<Group>(), *slot);  // a snapshot holds it
  }
  owned_[group] = 1;
  return *slot;
}

const ExtentStore::Page* ExtentStore::page_at(std::uint64_t page) const {
  const Group* group = groups_[page / kPagesPerGroup].get();
  if (group == nullptr) return nullptr;
  const Page& p = group->pages[page % kPagesPerGroup];
  return p.size() == 0 ? nullptr : &p;
}

std::uint64_t ExtentStore::data_bytes(std::span<const Stored> extents) {
  std::uint64_t sectors = 0;
  for (const Stored& s : extents) {
    if (s.value() != kZeroClusterValue) sectors += s.sectors();
  }
  return sectors * kSectorSize;
}

std::uint64_t ExtentStore::data_bytes(const Group& group) {
  std::uint64_t sectors = 0;
  for (const Page& page : group.pages) sectors += page.data_sectors();
  return sectors * kSectorSize;
}

std::uint64_t ExtentStore::replace_in_page(std::uint64_t page, std::uint32_t start,
                                           std::uint32_t end, std::span<const Stored> items,
                                           Before before) {
  if (items.empty() && page_at(page) == nullptr) return 0;  // clearing a hole
  Group& group = mutable_group(page / kPagesPerGroup);
  Page& slot = group.pages[page % kPagesPerGroup];
  const std::span<const Stored> v = slot.extents();
  const std::size_t old_size = v.size();

  // [i, j): the stored extents that overlap [start, end).
  std::size_t i = static_cast<std::size_t>(
      std::lower_bound(v.begin(), v.end(), start,
                       [](const Stored& s, std::uint32_t x) { return s.end() <= x; }) -
      v.begin());
  std::size_t j = i;
  while (j < old_size && v[j].start() < end) ++j;
  if (before.out != nullptr) {
    const std::uint64_t origin = page_start(page);
    auto hole = [&](std::uint32_t from, std::uint32_t to) {
      if (from < to) {
        before.out->push_back({origin + std::uint64_t{from} * kSectorSize,
                               std::uint64_t{to - from} * kSectorSize, before.hole_value, 0});
      }
    };
    std::uint32_t at = start;
    for (std::size_t k = i; k < j; ++k) {
      hole(at, std::max(at, v[k].start()));
      const Extent whole = to_run(v[k], origin).extent();
      const std::uint32_t to = std::min(end, v[k].end());
      before.out->push_back(
          whole.slice(origin + std::uint64_t{std::max(start, v[k].start())} * kSectorSize,
                      origin + std::uint64_t{to} * kSectorSize));
      at = to;
    }
    hole(at, end);
  }
  std::uint64_t replaced = 0;  // data sectors of [start, end) before
  for (std::size_t k = i; k < j; ++k) {
    if (v[k].value() != kZeroClusterValue) {
      replaced += std::min(v[k].end(), end) - std::max(v[k].start(), start);
    }
  }
  const auto data_sectors =
      static_cast<std::uint32_t>(slot.data_sectors() - replaced + data_bytes(items) / kSectorSize);

  boost::container::small_vector<Stored, 8> mid;
  auto push = [&mid](const Stored& s) {
    if (!mid.empty() && joins(mid.back(), s)) {
      mid.back().set_sectors(mid.back().sectors() + s.sectors());
    } else {
      mid.push_back(s);
    }
  };
  if (i < j && v[i].start() < start) {
    Stored left = v[i];
    left.set_sectors(start - v[i].start());
    push(left);
  }
  for (const Stored& s : items) push(s);
  if (i < j && v[j - 1].end() > end) {
    Stored right = v[j - 1];
    right.set_sectors(v[j - 1].end() - end);
    right.set_start(end);
    push(right);
  }
  if (i > 0 && !mid.empty() && joins(v[i - 1], mid.front())) {
    const std::uint32_t sectors = mid.front().sectors() + v[i - 1].sectors();
    mid.front().set_start(v[i - 1].start());
    mid.front().set_sectors(sectors);
    --i;
  }
  if (j < old_size && !mid.empty() && joins(mid.back(), v[j])) {
    mid.back().set_sectors(mid.back().sectors() + v[j].sectors());
    ++j;
  }

  // The page becomes v[0, i) + mid + v[j, old_size).
  const std::size_t new_size = old_size - (j - i) + mid.size();
  if (new_size == 0) {
    slot = Page();
  } else if (new_size > slot.capacity() || slot.shared()) {
    // A new block: the page grows, or a snapshot shares the old one.
    std::uint32_t capacity = std::max(slot.capacity(), kFirstPageCapacity);
    while (capacity < new_size) capacity = next_capacity(capacity);
    capacity = std::min(capacity, page_sectors(page));
    Page grown = Page::with_capacity(capacity);
    Stored* out = std::uninitialized_copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i),
                                          grown.mutable_data());
    out = std::uninitialized_copy(mid.begin(), mid.end(), out);
    std::uninitialized_copy(v.begin() + static_cast<std::ptrdiff_t>(j), v.end(), out);
    slot = std::move(grown);  // v is not used past here
  } else {
    Stored* data = slot.mutable_data();
    const auto tail_from = static_cast<std::ptrdiff_t>(j);
    const auto tail_to = static_cast<std::ptrdiff_t>(i + mid.size());
    if (tail_to < tail_from) {
      std::copy(data + tail_from, data + old_size, data + tail_to);
    } else if (tail_to > tail_from) {
      // Past the old end is raw memory: the last extents move there first.
      const auto grow = static_cast<std::ptrdiff_t>(new_size - old_size);
      const auto old_end = static_cast<std::ptrdiff_t>(old_size);
      const std::ptrdiff_t raw_from = std::max(tail_from, old_end - grow);
      std::uninitialized_copy(data + raw_from, data + old_end, data + raw_from + grow);
      std::copy_backward(data + tail_from, data + raw_from, data + raw_from + grow);
    }
    std::copy(mid.begin(), mid.end(), data + i);
  }
  if (new_size != 0) slot.set_counts(static_cast<std::uint32_t>(new_size), data_sectors);
  if (new_size == 1) share_full_page(slot, page);
  group.stored_extents = group.stored_extents - old_size + new_size;
  stored_extents_ = stored_extents_ - old_size + new_size;
  return replaced * kSectorSize;
}

void ExtentStore::share_full_page(Page& slot, std::uint64_t page) {
  const Stored only = slot.extents().front();
  if (only.start() != 0 || only.sectors() != page_sectors(page)) return;
  const std::span<const Stored> last = last_full_page_.extents();
  if (last.size() == 1 && last.front().start() == 0 && last.front().sectors() == only.sectors() &&
      last.front().same_content(only)) {
    slot = last_full_page_;  // equal bits, equal counts: one block
  } else {
    last_full_page_ = slot;
  }
}

std::uint64_t ExtentStore::set_whole_pages(std::uint64_t first_page, std::uint64_t end_page,
                                           const Page& shared) {
  std::shared_ptr<Group> shared_group;  // made on first use
  std::uint64_t replaced = 0;
  std::uint64_t p = first_page;
  while (p < end_page) {
    const std::uint64_t g = p / kPagesPerGroup;
    const std::uint64_t group_first = g * kPagesPerGroup;
    const std::uint64_t group_end = std::min(group_first + kPagesPerGroup, end_page);
    std::shared_ptr<Group>& slot = groups_[g];
    const std::uint64_t old_count = slot ? slot->stored_extents : 0;
    if (p == group_first && group_end == group_first + kPagesPerGroup) {
      // The whole group: point its slot at one shared group.
      if (shared.size() != 0 && !shared_group) {
        shared_group = std::allocate_shared<Group>(allocator<Group>());
        shared_group->pages.fill(shared);
        shared_group->stored_extents = std::uint64_t{shared.size()} * kPagesPerGroup;
      }
      if (slot) replaced += data_bytes(*slot);
      slot = shared_group;
      owned_[g] = 0;
      stored_extents_ = stored_extents_ - old_count + (slot ? slot->stored_extents : 0);
      p = group_end;
      continue;
    }
    if (shared.size() == 0 && !slot) {
      p = group_end;  // already holes
      continue;
    }
    Group& group = mutable_group(g);
    for (; p < group_end; ++p) {
      Page& page = group.pages[p - group_first];
      replaced += std::uint64_t{page.data_sectors()} * kSectorSize;
      group.stored_extents = group.stored_extents - page.size() + shared.size();
      stored_extents_ = stored_extents_ - page.size() + shared.size();
      page = shared;
    }
  }
  return replaced;
}

std::uint64_t ExtentStore::assign(std::uint64_t offset, std::uint64_t length, std::uint64_t value,
                                  std::uint64_t base) {
  check_range(offset, length);
  if (length == 0) return 0;
  const std::uint64_t end = offset + length;
  const Extent extent{offset, length, value, is_uniform(value) ? 0 : base};
  const std::uint64_t whole_first = page_of(offset + page_bytes_ - 1);
  const std::uint64_t whole_end = page_of(end);
  std::uint64_t replaced = 0;
  if (whole_first >= whole_end) {
    // Inside one page or across one page boundary.
    for (std::uint64_t p = page_of(offset); p <= page_of(end - 1); ++p) {
      const std::uint64_t from = std::max(offset, page_start(p));
      const std::uint64_t to = std::min(end, page_start(p) + page_bytes_);
      const Stored item = to_stored(extent.slice(from, to), page_start(p));
      replaced += replace_in_page(p, item.start(), item.end(), std::span<const Stored>(&item, 1));
    }
    return replaced;
  }
  if (offset < page_start(whole_first)) {
    const std::uint64_t p = whole_first - 1;
    const Stored item = to_stored(extent.slice(offset, page_start(whole_first)), page_start(p));
    replaced += replace_in_page(p, item.start(), item.end(), std::span<const Stored>(&item, 1));
  }
  // Every whole page holds the same single extent (origins do not depend on
  // the page), so they share one block.
  Page shared = Page::with_capacity(1);
  const Stored whole =
      to_stored(extent.slice(page_start(whole_first), page_start(whole_first) + page_bytes_),
                page_start(whole_first));
  std::uninitialized_copy(&whole, &whole + 1, shared.mutable_data());
  shared.set_counts(1, value == kZeroClusterValue ? 0 : page_sectors(whole_first));
  replaced += set_whole_pages(whole_first, whole_end, shared);
  if (end > page_start(whole_end)) {
    const Stored item = to_stored(extent.slice(page_start(whole_end), end), page_start(whole_end));
    replaced +=
        replace_in_page(whole_end, item.start(), item.end(), std::span<const Stored>(&item, 1));
  }
  return replaced;
}

std::uint64_t ExtentStore::assign_in_page(std::uint64_t offset, std::uint64_t length,
                                          std::uint64_t value, std::uint64_t base,
                                          std::vector<Extent>& before, std::uint64_t hole_value) {
  check_range(offset, length);
  MIRRORSIM_ASSERT(length > 0 && page_of(offset) == page_of(offset + length - 1),
                   "assign_in_page of a range that is not inside one page");
  const std::uint64_t p = page_of(offset);
  const Extent extent{offset, length, value, is_uniform(value) ? 0 : base};
  const Stored item = to_stored(extent, page_start(p));
  return replace_in_page(p, item.start(), item.end(), std::span<const Stored>(&item, 1),
                         Before{&before, hole_value});
}

std::uint64_t ExtentStore::assign(std::uint64_t offset, std::span<const Extent> extents) {
  if (extents.empty()) return 0;
  if (extents.size() == 1) {
    const Extent& e = extents.front();
    return assign(offset + e.offset, e.length, e.value, e.base);
  }
  for (std::size_t k = 0; k < extents.size(); ++k) {
    MIRRORSIM_ASSERT(extents[k].length > 0, "assign of an empty extent");
    MIRRORSIM_ASSERT(k == 0 || extents[k].offset == extents[k - 1].end(),
                     "assign needs contiguous extents");
  }
  const std::uint64_t begin = offset + extents.front().offset;
  const std::uint64_t end = offset + extents.back().end();
  check_range(begin, end - begin);
  boost::container::small_vector<Stored, 16> items;
  std::uint64_t replaced = 0;
  std::size_t k = 0;  // first extent not wholly before the current page
  for (std::uint64_t p = page_of(begin); p <= page_of(end - 1); ++p) {
    const std::uint64_t from = std::max(begin, page_start(p));
    const std::uint64_t to = std::min(end, page_start(p) + page_bytes_);
    items.clear();
    while (k < extents.size() && offset + extents[k].end() <= from) ++k;
    for (std::size_t m = k; m < extents.size() && offset + extents[m].offset < to; ++m) {
      const Extent absolute = extents[m].moved_to(offset + extents[m].offset);
      items.push_back(
          to_stored(absolute.slice(std::max(from, absolute.offset), std::min(to, absolute.end())),
                    page_start(p)));
    }
    replaced += replace_in_page(p, static_cast<std::uint32_t>((from - page_start(p)) / kSectorSize),
                                static_cast<std::uint32_t>((to - page_start(p)) / kSectorSize),
                                std::span<const Stored>(items.data(), items.size()));
  }
  return replaced;
}

std::uint64_t ExtentStore::clear(std::uint64_t offset, std::uint64_t length) {
  check_range(offset, length);
  if (length == 0) return 0;
  const std::uint64_t end = offset + length;
  const std::uint64_t whole_first = page_of(offset + page_bytes_ - 1);
  // The last page of the store counts as whole when the range reaches the end.
  const std::uint64_t whole_end = end == length_ ? page_count_ : page_of(end);
  auto clear_part = [this](std::uint64_t p, std::uint64_t from, std::uint64_t to) {
    return replace_in_page(p, static_cast<std::uint32_t>((from - page_start(p)) / kSectorSize),
                           static_cast<std::uint32_t>((to - page_start(p)) / kSectorSize), {});
  };
  std::uint64_t replaced = 0;
  if (whole_first >= whole_end) {
    for (std::uint64_t p = page_of(offset); p <= page_of(end - 1); ++p) {
      replaced += clear_part(p, std::max(offset, page_start(p)),
                             std::min(end, page_start(p) + page_bytes_));
    }
    return replaced;
  }
  if (offset < page_start(whole_first)) {
    replaced += clear_part(whole_first - 1, offset, page_start(whole_first));
  }
  replaced += set_whole_pages(whole_first, whole_end, Page());
  if (whole_end < page_count_ && end > page_start(whole_end)) {
    replaced += clear_part(whole_end, page_start(whole_end), end);
  }
  return replaced;
}

std::vector<Extent> ExtentStore::extents(std::uint64_t offset, std::uint64_t length) const {
  std::vector<Extent> out;
  Cursor cursor(*this, offset, length);
  Run run;
  while (cursor.next(run)) {
    if (!run.hole) out.push_back(run.extent());
  }
  return out;
}

std::uint64_t ExtentStore::memory_bytes() const {
  std::set<const void*> seen;
  std::uint64_t total = sizeof(*this) + groups_.capacity() * sizeof(groups_[0]) + owned_.capacity();
  // A shared block holds the object after its counters (with a vtable).
  constexpr std::uint64_t kControl = 48;
  for (const auto& group : groups_) {
    if (!group || !seen.insert(group.get()).second) continue;
    total += sizeof(Group) + kControl;
    for (const Page& page : group->pages) {
      if (page.block() == nullptr || !seen.insert(page.block()).second) continue;
      total += page.block_bytes();
    }
  }
  return total;
}

std::uint64_t ExtentStore::data_run(std::uint64_t offset, std::uint64_t length) const {
  check_range(offset, length);
  const std::uint64_t end = offset + length;
  std::uint64_t pos = offset;
  while (pos < end) {
    const std::uint64_t page = page_of(pos);
    const Page* p = page_at(page);
    if (p == nullptr) break;  // a hole
    const std::uint64_t start = page_start(page);
    const std::uint32_t sectors = page_sectors(page);
    if (p->data_sectors() == sectors) {
      pos = std::min(end, start + std::uint64_t{sectors} * kSectorSize);
      continue;
    }
    // Part data: follow the extents from pos while they continue.
    const std::span<const Stored> v = p->extents();
    auto rel = static_cast<std::uint32_t>((pos - start) / kSectorSize);
    auto it = std::lower_bound(v.begin(), v.end(), rel,
                               [](const Stored& s, std::uint32_t x) { return s.end() <= x; });
    for (; it != v.end() && it->start() <= rel && it->value() != kZeroClusterValue; ++it) {
      rel = it->end();
    }
    pos = std::min(end, start + std::uint64_t{rel} * kSectorSize);
    if (rel < sectors) break;
  }
  return pos - offset;
}

bool ExtentStore::shares_storage(const ExtentStore& other, std::uint64_t offset,
                                 std::uint64_t length) const {
  if (page_bytes_ != other.page_bytes_ || length_ != other.length_) return false;
  check_range(offset, length);
  if (length == 0) return true;
  const std::uint64_t first = page_of(offset);
  const std::uint64_t last = page_of(offset + length - 1);
  for (std::uint64_t p = first; p <= last;) {
    const std::uint64_t g = p / kPagesPerGroup;
    const std::uint64_t group_last = std::min(last, g * kPagesPerGroup + kPagesPerGroup - 1);
    const Group* mine = groups_[g].get();
    const Group* theirs = other.groups_[g].get();
    if (mine != theirs) {
      if (mine == nullptr || theirs == nullptr) return false;
      for (std::uint64_t q = p; q <= group_last; ++q) {
        const Page& a = mine->pages[q % kPagesPerGroup];
        const Page& b = theirs->pages[q % kPagesPerGroup];
        if (a.block() != b.block()) return false;
      }
    }
    p = group_last + 1;
  }
  return true;
}

std::uint64_t ExtentStore::identical_prefix(const ExtentStore& other, std::uint64_t offset) const {
  MIRRORSIM_ASSERT(page_bytes_ == other.page_bytes_ && length_ == other.length_,
                   "identical_prefix of stores with different shapes");
  MIRRORSIM_ASSERT((offset & (page_bytes_ - 1)) == 0 || offset == length_,
                   "identical_prefix from an unaligned offset");
  // Pages read ahead of the comparison, to overlap their cache misses.
  constexpr std::uint64_t kPrefetchPages = 8;
  static const Group kEmptyGroup;
  std::uint64_t p = page_of(offset);
  while (p < page_count_) {
    const std::uint64_t g = p / kPagesPerGroup;
    const Group* mine = groups_[g].get();
    const Group* theirs = other.groups_[g].get();
    const std::uint64_t group_end = std::min(page_count_, (g + 1) * kPagesPerGroup);
    if (mine == theirs) {
      p = group_end;
      continue;
    }
    const Group& a = mine != nullptr ? *mine : kEmptyGroup;
    const Group& b = theirs != nullptr ? *theirs : kEmptyGroup;
    for (; p < group_end; ++p) {
      const std::size_t k = p % kPagesPerGroup;
      if (k + kPrefetchPages < kPagesPerGroup) {
        __builtin_prefetch(a.pages[k + kPrefetchPages].block());
        __builtin_prefetch(b.pages[k + kPrefetchPages].block());
      }
      const Page& x = a.pages[k];
      const Page& y = b.pages[k];
      if (x.block() == y.block()) continue;
      if (x.size() != y.size()) return std::min(length_, p * page_bytes_) - offset;
      if (std::memcmp(x.extents().data(), y.extents().data(), x.size() * sizeof(Stored)) != 0) {
        return p * page_bytes_ - offset;
      }
    }
  }
  return length_ - offset;
}

std::optional<std::uint64_t> ExtentStore::first_difference(const ExtentStore& a,
                                                           const ExtentStore& b) {
  const std::uint64_t length = std::min(a.length_, b.length_);
  Cursor ca(a, 0, length);
  Cursor cb(b, 0, length);
  Run ra;
  Run rb;
  bool more = ca.next(ra) && cb.next(rb);
  std::uint64_t pos = 0;
  while (more && pos < length) {
    bool same;
    if (ra.hole || rb.hole) {
      same = ra.hole && rb.hole;
    } else {
      same = ra.value == rb.value && ra.extent().at(pos) == rb.extent().at(pos);
    }
    if (!same) return pos;
    pos = std::min(ra.end(), rb.end());
    if (ra.end() == pos && !ca.next(ra)) break;
    if (rb.end() == pos && !cb.next(rb)) break;
  }
  if (a.length_ != b.length_) return length;
  return std::nullopt;
}

// --- Cursor ---

ExtentStore::Cursor::Cursor(const ExtentStore& store, std::uint64_t offset, std::uint64_t length)
    : store_(&store), pos_(offset), end_(offset + length) {
  store.check_range(offset, length);
}

bool ExtentStore::Cursor::next_piece(Run& piece) {
  if (pos_ >= end_) return false;
  const ExtentStore& s = *store_;
  piece = Run{};
  piece.offset = pos_;
  const std::uint64_t page = s.page_of(pos_);
  const std::uint64_t g = page / kPagesPerGroup;
  const Group* group = s.groups_[g].get();
  if (group == nullptr) {
    piece.length = std::min(end_, (g + 1) * s.group_bytes()) - pos_;
    pos_ += piece.length;
    return true;
  }
  const std::uint64_t start = s.page_start(page);
  const std::uint64_t limit = std::min(end_, start + s.page_bytes_);
  const std::span<const Stored> v = group->pages[page % kPagesPerGroup].extents();
  if (v.empty()) {
    piece.length = limit - pos_;
    pos_ = limit;
    return true;
  }
  const auto rel = static_cast<std::uint32_t>((pos_ - start) / kSectorSize);
  if (page_ != page) {
    page_ = page;
    index_ = static_cast<std::size_t>(
        std::lower_bound(v.begin(), v.end(), rel,
                         [](const Stored& x, std::uint32_t r) { return x.end() <= r; }) -
        v.begin());
  }
  while (index_ < v.size() && v[index_].end() <= rel) ++index_;
  if (index_ < v.size() && v[index_].start() <= rel) {
    const Run whole = s.to_run(v[index_], start);
    const std::uint64_t to = std::min(limit, whole.end());
    piece.hole = false;
    piece.value = whole.value;
    piece.base = is_uniform(whole.value) ? 0 : whole.base + (pos_ - whole.offset) / kSectorSize;
    piece.length = to - pos_;
  } else {
    std::uint64_t to = limit;
    if (index_ < v.size()) {
      to = std::min(to, start + std::uint64_t{v[index_].start()} * kSectorSize);
    }
    piece.length = to - pos_;
  }
  pos_ += piece.length;
  return true;
}

bool ExtentStore::Cursor::next(Run& run) {
  Run piece;
  while (next_piece(piece)) {
    if (!has_pending_) {
      pending_ = piece;
      has_pending_ = true;
      continue;
    }
    const bool merge =
        pending_.hole ? piece.hole : !piece.hole && continues(pending_.extent(), piece.extent());
    if (merge) {
      pending_.length += piece.length;
      continue;
    }
    run = pending_;
    pending_ = piece;
    return true;
  }
  if (!has_pending_) return false;
  run = pending_;
  has_pending_ = false;
  return true;
}

}  // namespace mirrorsim::sim
