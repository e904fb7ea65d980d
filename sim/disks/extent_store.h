// A sparse, snapshot-able map from byte ranges to content extents.
//
// The store covers [0, length()) and holds extents (see content.h); a range
// holding none is a hole. Adjacent extents that continue each other are one
// extent to every reader. Memory grows with the number of distinct extents,
// not with the length: an empty 1 TiB store is a table of 2,048 null pointers
// (about 34 KiB).
//
// Layout: the address space is cut into pages (kDefaultPageBytes), pages into
// groups of kPagesPerGroup. A page is a sorted array of extents in one block
// with its reference count; a group is an array of page references. Both are
// reference-counted and immutable while shared. Copying a store copies only
// the group table, and the first write after a copy clones just the group
// and page it touches (copy-on-write), so a copy is a cheap snapshot that
// later writes never disturb. A run written over many whole pages shares one
// page block among them, so even zeroing 1 TiB is cheap. Pages and groups
// come from extent_memory() (huge pages).
//
// Cost of a random small write into a large store: two cache misses (the
// group's page reference, then the page block), a binary search within the
// page and a move of the extents after the insertion point.
//
// A store is not thread-safe (nothing in a run is), and copying one writes to
// the source's bookkeeping too: copy a store only where it is not being read
// by another thread. A Cursor reads a store that must not change while the
// cursor is in use.
//
// REQUIRES for every offset and length: multiples of 512 inside [0, length()).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sim/disks/content.h"

namespace mirrorsim::sim {

class ExtentStore {
 public:
  // 1 MiB pages: a page holds up to 2,048 extents, a few dozen in a typical
  // random workload. A group spans 512 MiB; a 1 TiB store has 2,048 of them.
  static constexpr std::uint64_t kDefaultPageBytes = std::uint64_t{1} << 20;
  static constexpr std::uint64_t kMinPageBytes = kSectorSize;
  // At most 2,048 sectors per page, so a page-relative extent packs into 16 bytes.
  static constexpr std::uint64_t kMaxPageBytes = std::uint64_t{1} << 20;
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
  // of two in [kMinPageBytes, kMaxPageBytes]. Values stored are content values
  // up to kMaxContentValue, or kZeroClusterValue.
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

  // The assign and clear calls return how many bytes of the range held data
  // before: extents of any value but kZeroClusterValue (what a disk layer
  // counts as allocated), so callers need not scan the range first.

  // Makes [offset, offset + length) read `value` from index `base` on.
  std::uint64_t assign(std::uint64_t offset, std::uint64_t length, std::uint64_t value,
                       std::uint64_t base);
  // Writes `extents`, whose offsets are relative to `offset`, at `offset`.
  // REQUIRES: extents contiguous from their first offset, lengths positive.
  std::uint64_t assign(std::uint64_t offset, std::span<const Extent> extents);
  // The first assign() for a range inside one page that also appends to
  // `before` the runs the range held, as extents with absolute offsets (a
  // hole as one of value `hole_value`): read as the page is changed, one
  // visit of it instead of a read and then a write.
  // REQUIRES: [offset, offset + length) lies inside one page.
  std::uint64_t assign_in_page(std::uint64_t offset, std::uint64_t length, std::uint64_t value,
                               std::uint64_t base, std::vector<Extent>& before,
                               std::uint64_t hole_value);
  // Makes [offset, offset + length) a hole.
  std::uint64_t clear(std::uint64_t offset, std::uint64_t length);

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

  // Starts loading the extents of the page holding `offset` into the cache
  // (a hint; any offset is allowed). A random write misses the cache twice,
  // on the page entry and then on the page's extents; a caller that has
  // something else to do before the write (a simulated disk: the request's
  // latency) pays only the first miss here and none there.
  void prefetch(std::uint64_t offset) const {
    const std::uint64_t page = page_of(offset);
    if (page >= page_count_) return;
    const Group* group = groups_[page / kPagesPerGroup].get();
    if (group == nullptr) return;
    // The entry is loaded (that miss is paid here); the block is only
    // prefetched: the header and the first extents, unread.
    const auto* bytes = static_cast<const char*>(group->pages[page % kPagesPerGroup].block());
    if (bytes == nullptr) return;
    for (int line = 0; line < 4; ++line) __builtin_prefetch(bytes + 64 * line);
  }

  // Bytes from `offset`, at most `length`, that hold data without a break: no
  // hole and no zero cluster. Pages full of data are skipped unread, so a
  // long data run costs one step per page.
  std::uint64_t data_run(std::uint64_t offset, std::uint64_t length) const;

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
  // An extent inside one page, in 16 bytes: its first sector and length in
  // sectors from the page start, its value, and the index its content would
  // have at byte 0 of the disk (base = origin + offset / 512), so that cutting
  // or moving it between pages never changes it. Origins are kept modulo
  // 2^52, which loses nothing: real indices stay below 2^41 (1 PiB / 512).
  // Equal content is stored as equal bits, so pages compare with memcmp.
  class Stored {
   public:
    static constexpr int kValueBits = 48;
    static constexpr std::uint64_t kValueMask = (std::uint64_t{1} << kValueBits) - 1;
    static constexpr std::uint64_t kOriginMask = (std::uint64_t{1} << 52) - 1;
    // The value field of kZeroClusterValue; content values stay below it.
    static constexpr std::uint64_t kZeroClusterField = kValueMask;

    Stored() = default;
    // REQUIRES: sectors in [1, 4096], start < 65536, value <= kMaxContentValue
    // or kZeroClusterValue.
    Stored(std::uint32_t start, std::uint32_t sectors, std::uint64_t value, std::uint64_t origin)
        : word0_((value == kZeroClusterValue ? kZeroClusterField : value) |
                 (std::uint64_t{start} << kValueBits)),
          word1_((origin & kOriginMask) | (std::uint64_t{sectors - 1} << 52)) {}

    std::uint32_t start() const { return static_cast<std::uint32_t>(word0_ >> kValueBits); }
    std::uint32_t sectors() const { return static_cast<std::uint32_t>(word1_ >> 52) + 1; }
    std::uint32_t end() const { return start() + sectors(); }
    std::uint64_t value() const {
      const std::uint64_t field = word0_ & kValueMask;
      return field == kZeroClusterField ? kZeroClusterValue : field;
    }
    std::uint64_t origin() const { return word1_ & kOriginMask; }
    // Same value and origin: adjacent, the two would be one extent.
    bool same_content(const Stored& other) const {
      return ((word0_ ^ other.word0_) & kValueMask) == 0 &&
             ((word1_ ^ other.word1_) & kOriginMask) == 0;
    }
    void set_start(std::uint32_t start) {
      word0_ = (word0_ & kValueMask) | (std::uint64_t{start} << kValueBits);
    }
    void set_sectors(std::uint32_t sectors) {
      word1_ = (word1_ & kOriginMask) | (std::uint64_t{sectors - 1} << 52);
    }

   private:
    std::uint64_t word0_ = 0;  // value (48 bits) | start << 48
    std::uint64_t word1_ = 0;  // origin (52 bits) | (sectors - 1) << 52
  };
  static_assert(sizeof(Stored) == 16);
  // A page: a pointer to one block that holds a 16-byte header (reference
  // count and the counts below) and then the page's extents. At 8 bytes a
  // page entry, a group of 512 is 4 KiB and the page tables of a large store
  // stay in cache. Blocks come from extent_memory(); a shared block is never
  // changed (copy-on-write). The count is not atomic: a store is not
  // thread-safe, and neither are the snapshots that share its blocks.
  class Page {
   public:
    Page() = default;
    Page(const Page& other) : block_(other.block_) {
      if (block_ != nullptr) ++block_->refs;
    }
    Page(Page&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
    Page& operator=(Page other) noexcept {
      std::swap(block_, other.block_);
      return *this;
    }
    ~Page() { release(); }

    // An unshared page with room for `capacity` extents and none in use.
    static Page with_capacity(std::uint32_t capacity);

    std::uint32_t size() const { return block_ != nullptr ? block_->size : 0; }
    std::uint32_t capacity() const { return block_ != nullptr ? block_->capacity : 0; }
    // Sectors holding data (extents other than zero clusters): a page full
    // of data answers data_run() without reading its extents.
    std::uint32_t data_sectors() const { return block_ != nullptr ? block_->data_sectors : 0; }
    bool shared() const { return block_ != nullptr && block_->refs > 1; }
    // Same block, same content; also the address to prefetch.
    const void* block() const { return block_; }
    std::size_t block_bytes() const { return bytes_for(capacity()); }
    std::span<const Stored> extents() const {
      return block_ != nullptr ? std::span<const Stored>(data(), block_->size)
                               : std::span<const Stored>();
    }
    // REQUIRES: a block that is not shared. The extents past size() are raw
    // memory (write them with std::uninitialized_copy).
    Stored* mutable_data() { return data(); }
    void set_counts(std::uint32_t size, std::uint32_t data_sectors) {
      block_->size = static_cast<std::uint16_t>(size);
      block_->data_sectors = static_cast<std::uint16_t>(data_sectors);
    }

   private:
    struct Header {
      std::uint32_t refs;
      std::uint16_t size;  // extents in use: sorted, disjoint, merged
      std::uint16_t capacity;
      std::uint16_t data_sectors;
      std::uint16_t unused[3];
    };
    static_assert(sizeof(Header) == 16);
    static std::size_t bytes_for(std::uint32_t capacity) {
      return sizeof(Header) + std::size_t{capacity} * sizeof(Stored);
    }
    Stored* data() const { return reinterpret_cast<Stored*>(block_ + 1); }
    void release();

    Header* block_ = nullptr;  // null for a page without extents
  };
  struct Group {
    std::array<Page, kPagesPerGroup> pages;
    std::uint64_t stored_extents = 0;

    Group() = default;
    Group(const Group&) = default;
    Group& operator=(const Group&) = delete;
    // Releases the pages a few ahead of their reference counts' cache
    // misses: dropping a large store is otherwise one miss per page.
    ~Group() {
      constexpr std::size_t kAhead = 8;
      for (std::size_t k = 0; k < kPagesPerGroup; ++k) {
        if (k + kAhead < kPagesPerGroup) {
          __builtin_prefetch(pages[k + kAhead].block(), 1);  // its reference count
        }
        pages[k] = Page();
      }
    }
  };
  static_assert(sizeof(Page) == 8 && kMaxPageBytes / kSectorSize <= UINT16_MAX);

  static Stored to_stored(const Extent& extent, std::uint64_t page_start);
  Run to_run(const Stored& stored, std::uint64_t page_start) const;
  std::uint64_t group_bytes() const { return page_bytes_ * kPagesPerGroup; }
  std::uint64_t page_start(std::uint64_t page) const { return page << page_shift_; }
  std::uint64_t page_of(std::uint64_t offset) const { return offset >> page_shift_; }
  std::uint32_t page_sectors(std::uint64_t page) const;
  void check_range(std::uint64_t offset, std::uint64_t length) const;

  // The group, unshared first (cloned when a snapshot holds it).
  Group& mutable_group(std::uint64_t group);
  const Page* page_at(std::uint64_t page) const;
  // Replaces sectors [start, end) of a page with `items` (sorted, inside).
  // Returns the data bytes replaced (see assign).
  // With `before`, first appends the runs [start, end) held (see assign_in_page).
  struct Before {
    std::vector<Extent>* out;
    std::uint64_t hole_value;
  };
  std::uint64_t replace_in_page(std::uint64_t page, std::uint32_t start, std::uint32_t end,
                                std::span<const Stored> items, Before before = {nullptr, 0});
  // A page that a write left holding one extent over all of it takes the
  // block of the last such page when their extents are equal, as whole-page
  // writes share one block: the pieces of a long write that land one after
  // another then leave no block per page behind.
  void share_full_page(Page& slot, std::uint64_t page);
  // Points every page of [first_page, end_page) at `shared` (empty = hole):
  // whole groups at once where the range covers them. Returns data bytes replaced.
  std::uint64_t set_whole_pages(std::uint64_t first_page, std::uint64_t end_page,
                                const Page& shared);
  // Data bytes stored in a page or group.
  static std::uint64_t data_bytes(std::span<const Stored> extents);
  static std::uint64_t data_bytes(const Group& group);

  std::uint64_t length_ = 0;
  std::uint64_t page_bytes_ = kDefaultPageBytes;
  std::uint32_t page_shift_ = 20;  // log2(page_bytes_): no divisions on the hot path
  std::uint64_t page_count_ = 0;
  std::uint64_t stored_extents_ = 0;
  std::vector<std::shared_ptr<Group>> groups_;
  // owned_[g]: this store alone holds group g, known without reading its
  // reference count (which costs a cache miss per write otherwise).
  mutable std::vector<std::uint8_t> owned_;
  Page last_full_page_;  // see share_full_page (a cache: copies start without it)
};

}  // namespace mirrorsim::sim
