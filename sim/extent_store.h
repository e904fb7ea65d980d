// A sparse, snapshot-able map from byte ranges to content extents.
//
// The store covers [0, length()) and holds extents (see content.h); a range
// holding none is a hole. Adjacent extents that continue each other are one
// extent to every reader. Memory grows with the number of distinct extents,
// not with the length: an empty 1 TiB store is a table of 2,048 null pointers
// (32 KiB).
//
// Layout: the address space is cut into pages (kDefaultPageBytes), pages into
// groups of kPagesPerGroup. A page is a sorted vector of extents, a group an
// array of page pointers; both are reference-counted and immutable while
// shared. Copying a store copies only the group table, and the first write
// after a copy clones just the group and page it touches (copy-on-write), so a
// copy is a cheap snapshot that later writes never disturb. A run written over
// many whole pages shares one page object among them, so even zeroing 1 TiB
// is cheap.
//
// Not thread-safe (nothing in a run is). A Cursor reads a store that must not
// change while the cursor is in use.
//
// REQUIRES for every offset and length: multiples of 512 inside [0, length()).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sim/content.h"

namespace mirrorsim::sim {

class ExtentStore {
 public:
  // 1 MiB pages: a page holds up to 2,048 extents, a few dozen in a typical
  // random workload. A group spans 512 MiB; a 1 TiB store has 2,048 of them.
  static constexpr std::uint64_t kDefaultPageBytes = std::uint64_t{1} << 20;
  static constexpr std::uint64_t kMinPageBytes = kSectorSize;
  static constexpr std::uint64_t kMaxPageBytes = std::uint64_t{1} << 30;
  static constexpr std::uint64_t kPagesPerGroup = 512;
  // 1 PiB: the group table stays under 32 MiB with the default pages.
  static constexpr std::uint64_t kMaxLength = std::uint64_t{1} << 50;

  // A maximal stretch of the store: one extent, or a hole.
  struct Run {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    bool hole = true;
    std::uint64_t value = 0;  // when !hole
    std::uint64_t base = 0;   // when !hole

    std::uint64_t end() const { return offset + length; }
    Extent extent() const { return {offset, length, value, base}; }
    bool operator==(const Run&) const = default;
  };

  // Walks the runs of a range in order. Runs are maximal: two holes or two
  // continuing extents never come one after the other.
  class Cursor {
   public:
    // REQUIRES: `store` outlives the cursor and does not change meanwhile.
    Cursor(const ExtentStore& store, std::uint64_t offset, std::uint64_t length);
    // The next run, clipped to the range; false at the end of the range.
    bool next(Run& run);

   private:
    bool next_piece(Run& piece);

    const ExtentStore* store_;
    std::uint64_t pos_;
    std::uint64_t end_;
    std::uint64_t page_ = UINT64_MAX;  // page that index_ refers to
    std::size_t index_ = 0;
    Run pending_;
    bool has_pending_ = false;
  };

  // REQUIRES: length a multiple of 512 and <= kMaxLength; page_bytes a power
  // of two in [kMinPageBytes, kMaxPageBytes].
  explicit ExtentStore(std::uint64_t length = 0, std::uint64_t page_bytes = kDefaultPageBytes);
  // Copies are snapshots (see the header comment). Copying marks every group
  // shared in both stores, so the next write to either clones what it touches.
  ExtentStore(const ExtentStore& other);
  ExtentStore& operator=(const ExtentStore& other);
  ExtentStore(ExtentStore&&) noexcept = default;
  ExtentStore& operator=(ExtentStore&&) noexcept = default;

  std::uint64_t length() const { return length_; }
  std::uint64_t page_bytes() const { return page_bytes_; }
  // Stored extents, counting an extent cut by page boundaries once per page.
  std::uint64_t stored_extents() const { return stored_extents_; }
  bool empty() const { return stored_extents_ == 0; }
  // Bytes of heap this store references (shared structure counted as owned).
  std::uint64_t memory_bytes() const;

  // Makes [offset, offset + length) read `value` from index `base` on.
  void assign(std::uint64_t offset, std::uint64_t length, std::uint64_t value, std::uint64_t base);
  // Writes `extents`, whose offsets are relative to `offset`, at `offset`.
  // REQUIRES: extents contiguous from their first offset, lengths positive.
  void assign(std::uint64_t offset, std::span<const Extent> extents);
  // Makes [offset, offset + length) a hole.
  void clear(std::uint64_t offset, std::uint64_t length);

  // The stored extents of a range, merged and clipped to it (holes left out).
  std::vector<Extent> extents(std::uint64_t offset, std::uint64_t length) const;
  std::vector<Extent> extents() const { return extents(0, length_); }
  // Bytes of [offset, offset + length) that hold an extent whose value
  // satisfies `counts(value)`.
  template <typename Predicate>
  std::uint64_t bytes_where(std::uint64_t offset, std::uint64_t length, Predicate counts) const {
    std::uint64_t total = 0;
    Cursor cursor(*this, offset, length);
    Run run;
    while (cursor.next(run)) {
      if (!run.hole && counts(run.value)) total += run.length;
    }
    return total;
  }

  // True when both stores reference the very same pages for the range, which
  // proves equal content without reading it (false says nothing).
  bool shares_storage(const ExtentStore& other, std::uint64_t offset, std::uint64_t length) const;

  // Bytes from `offset` (page-aligned) over which both stores hold the same
  // stored extents, page by page, stopping at the first page that differs.
  // Same representation proves same content, so comparisons skip that much
  // unread; the reverse does not hold (a zero cluster and zero data differ
  // here yet read alike). REQUIRES: same length and page size.
  std::uint64_t identical_prefix(const ExtentStore& other, std::uint64_t offset) const;

  // First byte from which the two stores differ (holes count: a hole differs
  // from any extent), or nullopt when equal. A length difference is a
  // difference at the shorter length.
  static std::optional<std::uint64_t> first_difference(const ExtentStore& a, const ExtentStore& b);
  friend bool operator==(const ExtentStore& a, const ExtentStore& b) {
    return !first_difference(a, b).has_value();
  }

 private:
  // An extent inside one page: sectors from the page start, and the index the
  // content would have at byte 0 of the disk (base = origin + offset / 512,
  // modulo 2^64), so that cutting or moving it between pages never changes it.
  struct Stored {
    std::uint32_t start = 0;
    std::uint32_t sectors = 0;
    std::uint64_t value = 0;
    std::uint64_t origin = 0;
    std::uint32_t end() const { return start + sectors; }
  };
  // A page's extents live in one block with their reference count, so that
  // reaching them from the group costs one memory access; the group entry
  // keeps their number. A shared block is never changed (copy-on-write).
  struct Page {
    std::shared_ptr<Stored[]> block;  // null for a page without extents
    std::uint32_t size = 0;           // extents in use: sorted, disjoint, merged
    std::uint32_t capacity = 0;
    std::span<const Stored> extents() const { return {block.get(), size}; }
  };
  struct Group {
    std::array<Page, kPagesPerGroup> pages;
    std::uint64_t stored_extents = 0;
  };

  static Stored to_stored(const Extent& extent, std::uint64_t page_start);
  Run to_run(const Stored& stored, std::uint64_t page_start) const;
  std::uint64_t group_bytes() const { return page_bytes_ * kPagesPerGroup; }
  std::uint64_t page_start(std::uint64_t page) const { return page * page_bytes_; }
  std::uint32_t page_sectors(std::uint64_t page) const;
  void check_range(std::uint64_t offset, std::uint64_t length) const;

  // The group, unshared first (cloned when a snapshot holds it).
  Group& mutable_group(std::uint64_t group);
  const Page* page_at(std::uint64_t page) const;
  // Replaces sectors [start, end) of a page with `items` (sorted, inside).
  void replace_in_page(std::uint64_t page, std::uint32_t start, std::uint32_t end,
                       std::span<const Stored> items);
  // Points every page of [first_page, end_page) at `shared` (null = hole):
  // whole groups at once where the range covers them.
  void set_whole_pages(std::uint64_t first_page, std::uint64_t end_page, const Page& shared);

  std::uint64_t length_ = 0;
  std::uint64_t page_bytes_ = kDefaultPageBytes;
  std::uint64_t page_count_ = 0;
  std::uint64_t stored_extents_ = 0;
  std::vector<std::shared_ptr<Group>> groups_;
  // owned_[g]: this store alone holds group g, known without reading its
  // reference count (which costs a cache miss per write otherwise).
  mutable std::vector<std::uint8_t> owned_;
};

}  // namespace mirrorsim::sim
