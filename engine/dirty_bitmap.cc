#include "engine/dirty_bitmap.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::engine {
namespace {

// Bits per word at every level, and the shift that divides by it.
constexpr std::uint64_t kWordBits = 64;
constexpr unsigned kWordShift = 6;
static_assert(std::uint64_t{1} << kWordShift == kWordBits);
static_assert(std::has_single_bit(DirtyBitmap::kGranularityMinBytes));
static_assert(std::has_single_bit(DirtyBitmap::kGranularityMaxBytes));
static_assert(DirtyBitmap::kGranularityMinBytes < DirtyBitmap::kGranularityMaxBytes);

constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};

// Words needed to hold `bits` bits.
constexpr std::uint64_t words_for(std::uint64_t bits) {
  return (bits >> kWordShift) + ((bits & (kWordBits - 1)) != 0 ? 1 : 0);
}

// Bits lo..hi (inclusive) of a word set. REQUIRES: lo <= hi < 64.
constexpr std::uint64_t bit_range(std::uint64_t lo, std::uint64_t hi) {
  return (kAllOnes >> (kWordBits - 1 - hi)) & (kAllOnes << lo);
}
static_assert(bit_range(0, 63) == kAllOnes);
static_assert(bit_range(3, 3) == 8);
static_assert(bit_range(62, 63) == std::uint64_t{3} << 62);

// A vector of `bits` ones, the padding past `bits` in the last word zero.
std::vector<std::uint64_t> all_ones(std::uint64_t bits) {
  std::vector<std::uint64_t> words(words_for(bits), kAllOnes);
  if (const std::uint64_t tail = bits & (kWordBits - 1); tail != 0) {
    words.back() = bit_range(0, tail - 1);
  }
  return words;
}

}  // namespace

DirtyBitmap::DirtyBitmap(std::uint64_t length_bytes, std::uint64_t granularity_bytes)
    : length_bytes_(length_bytes), granularity_bytes_(granularity_bytes) {
  if (!std::has_single_bit(granularity_bytes) || granularity_bytes < kGranularityMinBytes ||
      granularity_bytes > kGranularityMaxBytes) {
    throw std::invalid_argument("dirty bitmap: granularity " + std::to_string(granularity_bytes) +
                                " bytes is invalid: it must be a power of two from " +
                                std::to_string(kGranularityMinBytes) + " bytes (512 B) to " +
                                std::to_string(kGranularityMaxBytes) + " bytes (64 MiB)");
  }
  granularity_shift_ = static_cast<unsigned>(std::countr_zero(granularity_bytes));
  // ceil(length / granularity) without forming length + granularity - 1.
  chunks_ = (length_bytes >> granularity_shift_) +
            ((length_bytes & (granularity_bytes - 1)) != 0 ? 1 : 0);
  if (chunks_ == 0) return;

  level_sizes_.push_back(chunks_);
  while (level_sizes_.back() > kWordBits) level_sizes_.push_back(words_for(level_sizes_.back()));
  words_.assign(words_for(chunks_), 0);
  // All clean: no dirty summary bit is set, and every word at every level has
  // a clean chunk below it.
  for (std::size_t level = 1; level < level_sizes_.size(); ++level) {
    dirty_summary_.emplace_back(words_for(level_sizes_[level]), 0);
    clean_summary_.push_back(all_ones(level_sizes_[level]));
  }
  MIRRORSIM_ASSERT(words_for(level_sizes_.back()) == 1, "the top level must be one word");
}

DirtyBitmap::DirtyBitmap(DirtyBitmap&& other) noexcept
    : length_bytes_(std::exchange(other.length_bytes_, 0)),
      granularity_bytes_(other.granularity_bytes_),
      granularity_shift_(other.granularity_shift_),
      chunks_(std::exchange(other.chunks_, 0)),
      count_(std::exchange(other.count_, 0)),
      level_sizes_(std::exchange(other.level_sizes_, {})),
      words_(std::exchange(other.words_, {})),
      dirty_summary_(std::exchange(other.dirty_summary_, {})),
      clean_summary_(std::exchange(other.clean_summary_, {})) {}

DirtyBitmap& DirtyBitmap::operator=(DirtyBitmap&& other) noexcept {
  if (this != &other) {
    length_bytes_ = std::exchange(other.length_bytes_, 0);
    granularity_bytes_ = other.granularity_bytes_;
    granularity_shift_ = other.granularity_shift_;
    chunks_ = std::exchange(other.chunks_, 0);
    count_ = std::exchange(other.count_, 0);
    level_sizes_ = std::exchange(other.level_sizes_, {});
    words_ = std::exchange(other.words_, {});
    dirty_summary_ = std::exchange(other.dirty_summary_, {});
    clean_summary_ = std::exchange(other.clean_summary_, {});
  }
  return *this;
}

void DirtyBitmap::check_range(std::uint64_t first, std::uint64_t count, std::uint64_t limit,
                              const char* what) const {
  MIRRORSIM_ASSERT(first <= limit && count <= limit - first,
                   std::string("dirty bitmap: ") + what + " [" + std::to_string(first) + ", +" +
                       std::to_string(count) + ") reaches past the end " + std::to_string(limit));
}

void DirtyBitmap::set(std::uint64_t offset, std::uint64_t bytes) {
  check_range(offset, bytes, length_bytes_, "byte range");
  if (bytes == 0) return;
  apply(offset >> granularity_shift_, (offset + bytes - 1) >> granularity_shift_, true);
}

void DirtyBitmap::reset(std::uint64_t offset, std::uint64_t bytes) {
  check_range(offset, bytes, length_bytes_, "byte range");
  if (bytes == 0) return;
  apply(offset >> granularity_shift_, (offset + bytes - 1) >> granularity_shift_, false);
}

bool DirtyBitmap::any_in(std::uint64_t offset, std::uint64_t bytes) const {
  check_range(offset, bytes, length_bytes_, "byte range");
  if (bytes == 0) return false;
  const std::optional<std::uint64_t> dirty = find_next(Kind::kDirty, offset >> granularity_shift_);
  return dirty.has_value() && *dirty <= (offset + bytes - 1) >> granularity_shift_;
}

void DirtyBitmap::set_chunks(std::uint64_t first, std::uint64_t count) {
  check_range(first, count, chunks_, "chunk range");
  if (count == 0) return;
  apply(first, first + count - 1, true);
}

void DirtyBitmap::reset_chunks(std::uint64_t first, std::uint64_t count) {
  check_range(first, count, chunks_, "chunk range");
  if (count == 0) return;
  apply(first, first + count - 1, false);
}

bool DirtyBitmap::test_chunk(std::uint64_t chunk) const {
  MIRRORSIM_ASSERT(chunk < chunks_, "dirty bitmap: chunk " + std::to_string(chunk) +
                                        " out of range; chunks: " + std::to_string(chunks_));
  return (words_[chunk >> kWordShift] >> (chunk & (kWordBits - 1))) & 1;
}

std::optional<std::uint64_t> DirtyBitmap::next_dirty_chunk(std::uint64_t from_chunk) const {
  return find_next(Kind::kDirty, from_chunk);
}

std::optional<std::uint64_t> DirtyBitmap::next_clean_chunk(std::uint64_t from_chunk) const {
  return find_next(Kind::kClean, from_chunk);
}

std::uint64_t DirtyBitmap::dirty_bytes() const {
  if (count_ == 0) return 0;
  const std::uint64_t tail = length_bytes_ & (granularity_bytes_ - 1);
  if (tail != 0 && test_chunk(chunks_ - 1)) {
    // (count_ - 1) full chunks lie before the last one, so this cannot overflow.
    return ((count_ - 1) << granularity_shift_) + tail;
  }
  return count_ << granularity_shift_;
}

std::uint64_t DirtyBitmap::chunk_offset(std::uint64_t chunk) const {
  MIRRORSIM_ASSERT(chunk < chunks_, "dirty bitmap: chunk " + std::to_string(chunk) +
                                        " out of range; chunks: " + std::to_string(chunks_));
  return chunk << granularity_shift_;
}

std::uint64_t DirtyBitmap::chunk_bytes(std::uint64_t chunk) const {
  const std::uint64_t offset = chunk_offset(chunk);
  return std::min(granularity_bytes_, length_bytes_ - offset);
}

std::uint64_t DirtyBitmap::chunk_of(std::uint64_t offset) const {
  MIRRORSIM_ASSERT(offset < length_bytes_,
                   "dirty bitmap: byte offset " + std::to_string(offset) +
                       " out of range; length: " + std::to_string(length_bytes_));
  return offset >> granularity_shift_;
}

std::uint64_t DirtyBitmap::memory_bytes() const {
  std::uint64_t words = words_.size();
  for (const Summary* levels : {&dirty_summary_, &clean_summary_}) {
    for (const std::vector<std::uint64_t>& level : *levels) words += level.size();
  }
  return words * sizeof(std::uint64_t);
}

std::uint64_t DirtyBitmap::word(Kind kind, std::size_t level, std::uint64_t index) const {
  if (level > 0) {
    const Summary& levels = kind == Kind::kDirty ? dirty_summary_ : clean_summary_;
    return levels[level - 1][index];
  }
  if (kind == Kind::kDirty) return words_[index];
  // Clean chunks are the zero bits, except the padding past the last chunk.
  const std::uint64_t tail = chunks_ & (kWordBits - 1);
  const bool last = index == words_.size() - 1;
  return ~words_[index] & (last && tail != 0 ? bit_range(0, tail - 1) : kAllOnes);
}

void DirtyBitmap::apply(std::uint64_t first, std::uint64_t last, bool dirty) {
  MIRRORSIM_ASSERT(first <= last && last < chunks_, "dirty bitmap: bad internal chunk range");
  const std::uint64_t first_word = first >> kWordShift;
  const std::uint64_t last_word = last >> kWordShift;
  std::uint64_t changed_first = last_word + 1;  // none changed yet
  std::uint64_t changed_last = 0;
  for (std::uint64_t w = first_word; w <= last_word; ++w) {
    const std::uint64_t lo = w == first_word ? first & (kWordBits - 1) : 0;
    const std::uint64_t hi = w == last_word ? last & (kWordBits - 1) : kWordBits - 1;
    const std::uint64_t mask = bit_range(lo, hi);
    const std::uint64_t before = words_[w];
    const std::uint64_t after = dirty ? before | mask : before & ~mask;
    if (after == before) continue;
    words_[w] = after;
    // Setting only adds bits and resetting only removes them.
    const auto delta = static_cast<std::uint64_t>(std::popcount(before ^ after));
    count_ = dirty ? count_ + delta : count_ - delta;
    changed_first = std::min(changed_first, w);
    changed_last = w;
  }
  if (changed_first > changed_last) return;
  refresh(Kind::kDirty, changed_first, changed_last);
  refresh(Kind::kClean, changed_first, changed_last);
  MIRRORSIM_ASSERT(count_ <= chunks_, "dirty bitmap: count exceeds chunks");
}

void DirtyBitmap::refresh(Kind kind, std::uint64_t first_word, std::uint64_t last_word) {
  Summary& levels = summary(kind);
  std::uint64_t first = first_word;
  std::uint64_t last = last_word;
  // At each level, words [first, last] may have changed; recompute their bits
  // in the level above. Stop as soon as no word above changes.
  for (std::size_t level = 0; level + 1 < level_sizes_.size(); ++level) {
    std::vector<std::uint64_t>& above = levels[level];
    bool changed = false;
    for (std::uint64_t a = first >> kWordShift; a <= last >> kWordShift; ++a) {
      const std::uint64_t lo = std::max(first, a << kWordShift);
      const std::uint64_t hi = std::min(last, (a << kWordShift) | (kWordBits - 1));
      std::uint64_t bits = 0;
      for (std::uint64_t i = lo; i <= hi; ++i) {
        bits |= std::uint64_t{word(kind, level, i) != 0} << (i & (kWordBits - 1));
      }
      const std::uint64_t mask = bit_range(lo & (kWordBits - 1), hi & (kWordBits - 1));
      const std::uint64_t updated = (above[a] & ~mask) | bits;
      if (updated != above[a]) {
        above[a] = updated;
        changed = true;
      }
    }
    if (!changed) return;
    first >>= kWordShift;
    last >>= kWordShift;
  }
}

std::optional<std::uint64_t> DirtyBitmap::find_next(Kind kind, std::uint64_t from_chunk) const {
  if (from_chunk >= chunks_) return std::nullopt;
  const std::size_t top = level_sizes_.size() - 1;
  std::size_t level = 0;
  std::uint64_t pos = from_chunk;  // a bit index at `level`
  // Climb: look in the word holding `pos` for a bit at or after it. If there
  // is none, the next candidate is the following word, which the level above
  // knows about.
  for (;;) {
    const std::uint64_t index = pos >> kWordShift;
    const std::uint64_t candidates =
        word(kind, level, index) & (kAllOnes << (pos & (kWordBits - 1)));
    if (candidates != 0) {
      pos = (index << kWordShift) | static_cast<std::uint64_t>(std::countr_zero(candidates));
      break;
    }
    if (level == top) return std::nullopt;
    ++level;
    pos = index + 1;
    if (pos >= level_sizes_[level]) return std::nullopt;
  }
  // Descend: a set summary bit promises a non-zero word below; its lowest set
  // bit is the first candidate, since everything before it was ruled out.
  while (level > 0) {
    --level;
    const std::uint64_t below = word(kind, level, pos);
    MIRRORSIM_ASSERT(below != 0, "dirty bitmap: summary bit set above an empty word");
    pos = (pos << kWordShift) | static_cast<std::uint64_t>(std::countr_zero(below));
  }
  MIRRORSIM_ASSERT(pos >= from_chunk && pos < chunks_, "dirty bitmap: search left its range");
  return pos;
}

void DirtyBitmap::check_consistency() const {
  MIRRORSIM_ASSERT(words_.size() == words_for(chunks_), "dirty bitmap: level 0 has the wrong size");
  std::uint64_t population = 0;
  for (const std::uint64_t w : words_) population += static_cast<std::uint64_t>(std::popcount(w));
  MIRRORSIM_ASSERT(population == count_, "dirty bitmap: count " + std::to_string(count_) + " but " +
                                             std::to_string(population) + " bits are set");
  if (chunks_ == 0) {
    MIRRORSIM_ASSERT(level_sizes_.empty() && dirty_summary_.empty() && clean_summary_.empty(),
                     "dirty bitmap: an empty bitmap has summary levels");
    return;
  }
  if (const std::uint64_t tail = chunks_ & (kWordBits - 1); tail != 0) {
    MIRRORSIM_ASSERT((words_.back() & ~bit_range(0, tail - 1)) == 0,
                     "dirty bitmap: a padding bit past the last chunk is set");
  }
  MIRRORSIM_ASSERT(dirty_summary_.size() + 1 == level_sizes_.size() &&
                       clean_summary_.size() + 1 == level_sizes_.size(),
                   "dirty bitmap: wrong number of summary levels");
  for (const Kind kind : {Kind::kDirty, Kind::kClean}) {
    const Summary& levels = kind == Kind::kDirty ? dirty_summary_ : clean_summary_;
    for (std::size_t level = 0; level + 1 < level_sizes_.size(); ++level) {
      const std::vector<std::uint64_t>& above = levels[level];
      MIRRORSIM_ASSERT(above.size() == words_for(level_sizes_[level + 1]),
                       "dirty bitmap: a summary level has the wrong size");
      std::vector<std::uint64_t> expected(above.size(), 0);
      for (std::uint64_t i = 0; i < words_for(level_sizes_[level]); ++i) {
        if (word(kind, level, i) != 0) {
          expected[i >> kWordShift] |= std::uint64_t{1} << (i & (kWordBits - 1));
        }
      }
      MIRRORSIM_ASSERT(expected == above, std::string("dirty bitmap: ") +
                                              (kind == Kind::kDirty ? "dirty" : "clean") +
                                              " summary level " + std::to_string(level + 1) +
                                              " does not match the level below");
    }
  }
}

}  // namespace mirrorsim::engine
