// The mirror job's dirty bitmap: one bit per chunk of a disk, where a set bit
// means "this chunk may differ from the target and must be copied again".
//
// What it guarantees:
//  1. A chunk is `granularity()` bytes, granularity-aligned; the disk has
//     chunks() = ceil(length / granularity) of them, and the last one is short
//     when the length is not a multiple of the granularity. A byte range marks
//     every chunk it touches, even by one byte.
//  2. count() is the exact number of dirty chunks at all times (kept
//     incrementally; reading it is O(1)). dirty_bytes() counts the short last
//     chunk as its real length, so dirty_bytes() <= length().
//  3. Searches hold no state between calls. next_dirty_chunk(from) answers
//     about the bits as they are at the moment of the call, so a scan that
//     calls it again with `*c + 1` after bits changed never returns a clean
//     chunk and never skips a chunk that was dirty throughout.
//  4. Costs, with L = levels() (at most 6 for 2^31 chunks): setting or
//     resetting a range of k chunks is O(k/64 + L); next_dirty_chunk and
//     next_clean_chunk are O(L); any_in is O(L). Memory is about
//     chunks()/8 bytes plus 2/63 of that for the summary levels.
//  5. A range that reaches past length(), or a chunk index past chunks(), is a
//     caller bug: it throws mirrorsim::InvariantViolation and changes nothing.
//
// Layout: level 0 holds one bit per chunk in 64-bit words. Two summary
// hierarchies sit above it. In the "dirty" one, bit i of level l+1 is set iff
// word i of level l is non-zero; in the "clean" one, bit i of level l+1 is set
// iff word i of level l has a clear bit (at level 0: a clean chunk). Each
// level is 64 times smaller than the one below, up to a single word, so a
// search climbs until a summary word shows a candidate and descends to it.
//
// Not thread-safe: the engine calls it from its own task only. Copying is
// switched off (a copy of 256 MiB should be explicit); moving is allowed and
// leaves the source as an empty bitmap (length 0) of the same granularity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/limits.h"

namespace mirrorsim::engine {

class DirtyBitmap {
 public:
  // Smallest and largest granularity accepted, in bytes (both powers of
  // two): the job's limits (engine/limits.h), stated there once.
  static constexpr std::uint64_t kGranularityMinBytes = engine::kGranularityMinBytes;
  static constexpr std::uint64_t kGranularityMaxBytes = engine::kGranularityMaxBytes;

  // A bitmap for a disk of `length_bytes`, all chunks clean.
  // REQUIRES: `granularity_bytes` is a power of two in
  // [kGranularityMinBytes, kGranularityMaxBytes]; otherwise throws
  // std::invalid_argument naming the value and the range.
  // `length_bytes` may be 0 and need not be a multiple of the granularity.
  DirtyBitmap(std::uint64_t length_bytes, std::uint64_t granularity_bytes);

  DirtyBitmap(const DirtyBitmap&) = delete;
  DirtyBitmap& operator=(const DirtyBitmap&) = delete;
  DirtyBitmap(DirtyBitmap&& other) noexcept;
  DirtyBitmap& operator=(DirtyBitmap&& other) noexcept;
  ~DirtyBitmap() = default;

  // --- Byte-range operations ------------------------------------------------
  // Each marks every chunk that [offset, offset + bytes) touches. bytes == 0
  // touches nothing.
  // REQUIRES: offset + bytes <= length() (checked without overflow).
  void set(std::uint64_t offset, std::uint64_t bytes);
  void reset(std::uint64_t offset, std::uint64_t bytes);
  // Whether any chunk touched by the range is dirty; false when bytes == 0.
  bool any_in(std::uint64_t offset, std::uint64_t bytes) const;
  // A hint that set() or reset() at `offset` is coming: starts loading the
  // word that holds it, whose cache miss a caller can overlap with a wait
  // (a guest write marks its range after the write). Any offset is allowed.
  void prefetch(std::uint64_t offset) const {
    const std::uint64_t word = (offset >> granularity_shift_) >> 6;
    if (word < words_.size()) __builtin_prefetch(&words_[word], 1);
  }

  // --- Chunk-index operations -----------------------------------------------
  // REQUIRES: first + count <= chunks() (checked without overflow).
  void set_chunks(std::uint64_t first, std::uint64_t count);
  void reset_chunks(std::uint64_t first, std::uint64_t count);
  // REQUIRES: chunk < chunks().
  bool test_chunk(std::uint64_t chunk) const;

  // First dirty chunk with index >= from_chunk, or nullopt if there is none.
  // Any from_chunk is accepted; from_chunk >= chunks() gives nullopt.
  std::optional<std::uint64_t> next_dirty_chunk(std::uint64_t from_chunk) const;
  // First clean chunk with index >= from_chunk, or nullopt when every chunk
  // from there to the end is dirty (the end of a dirty run is then chunks()).
  std::optional<std::uint64_t> next_clean_chunk(std::uint64_t from_chunk) const;

  // --- Counters ---------------------------------------------------------------
  // Number of dirty chunks. O(1).
  std::uint64_t count() const { return count_; }
  // Bytes covered by dirty chunks, the short last chunk at its real length. O(1).
  std::uint64_t dirty_bytes() const;

  // --- Geometry ---------------------------------------------------------------
  std::uint64_t length() const { return length_bytes_; }
  std::uint64_t granularity() const { return granularity_bytes_; }
  std::uint64_t chunks() const { return chunks_; }
  // Levels of the hierarchy including level 0 (0 when chunks() == 0).
  std::size_t levels() const { return level_sizes_.size(); }
  // Bytes held by the bit arrays of all levels (excluding vector headers).
  std::uint64_t memory_bytes() const;
  // REQUIRES: chunk < chunks().
  std::uint64_t chunk_offset(std::uint64_t chunk) const;
  // Bytes in `chunk`: granularity(), except possibly the last chunk.
  // REQUIRES: chunk < chunks().
  std::uint64_t chunk_bytes(std::uint64_t chunk) const;
  // The chunk holding byte `offset`. REQUIRES: offset < length().
  std::uint64_t chunk_of(std::uint64_t offset) const;

  // Recomputes every summary word and the count from level 0 and throws
  // InvariantViolation on the first difference. O(chunks()/64); for tests and
  // for campaigns that want a deep check at the end of a run.
  void check_consistency() const;

 private:
  // Which summary hierarchy: the one that finds dirty chunks or clean ones.
  enum class Kind { kDirty, kClean };
  using Summary = std::vector<std::vector<std::uint64_t>>;

  // Word `index` of `level` as seen by hierarchy `kind`: at level 0 the
  // dirty words, or for kClean their complement limited to real chunks.
  std::uint64_t word(Kind kind, std::size_t level, std::uint64_t index) const;
  Summary& summary(Kind kind) { return kind == Kind::kDirty ? dirty_summary_ : clean_summary_; }
  // Marks chunks [first, last] (inclusive) dirty (`dirty`) or clean.
  void apply(std::uint64_t first, std::uint64_t last, bool dirty);
  // Recomputes the summary bits of `kind` above level-0 words [first, last],
  // and above any summary word that changed as a result.
  void refresh(Kind kind, std::uint64_t first_word, std::uint64_t last_word);
  std::optional<std::uint64_t> find_next(Kind kind, std::uint64_t from_chunk) const;
  void check_range(std::uint64_t first, std::uint64_t count, std::uint64_t limit,
                   const char* what) const;

  std::uint64_t length_bytes_ = 0;
  std::uint64_t granularity_bytes_ = 0;
  unsigned granularity_shift_ = 0;  // granularity_bytes_ == 1 << granularity_shift_
  std::uint64_t chunks_ = 0;
  std::uint64_t count_ = 0;
  // level_sizes_[l] = number of bits at level l; level_sizes_[0] = chunks_.
  // The top level fits in one word.
  std::vector<std::uint64_t> level_sizes_;
  std::vector<std::uint64_t> words_;  // level 0: bit set = chunk dirty
  // [l - 1] holds level l (l >= 1) of each hierarchy. Bits past
  // level_sizes_[l] are always zero.
  Summary dirty_summary_;
  Summary clean_summary_;
};

}  // namespace mirrorsim::engine
