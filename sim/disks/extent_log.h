// An append-only log of extents, for a write cache's volatile landings.
//
// A landing keeps its undo record here until it is durable or dropped: a
// cache flushed only at the job's READY holds those of every copy of the
// run (millions, though a copy to a fresh target's hole keeps none). A vector doubling to that size
// touches about twice that memory, and fresh memory is what costs most (each first touch is a page
// fault); this log grows by fixed chunks instead, never moves an extent,
// and frees whole chunks from the front as landings leave (keeping one).
//
// Each append is contiguous (a span), within one chunk: an append that does
// not fit in the last chunk's room starts a new chunk. A position names a
// chunk and an index in it; positions increase along the log.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "sim/disks/content.h"

namespace mirrorsim::sim {

class ExtentLog {
 public:
  // 16 Ki extents (512 KiB): one chunk holds the undo records of thousands
  // of landings, and the tail an append leaves unused stays small.
  static constexpr std::size_t kChunkExtents = std::size_t{1} << 14;

  using Position = std::uint64_t;  // chunk number << 32 | index in the chunk

  // Stores `extents` contiguously; returns where they start.
  Position append(std::span<const Extent> extents);
  // The `count` extents stored at `at` by one append.
  std::span<const Extent> at(Position at, std::size_t count) const;
  // Where the next append would start if it fit (never before any stored).
  Position end() const;
  // Frees the chunks wholly before `at` (nothing at or after it is touched).
  void drop_before(Position at);
  // Frees everything; positions keep increasing.
  void clear();

 private:
  static Position position(std::uint64_t chunk, std::size_t index) { return chunk << 32 | index; }
  // Keeps the larger of `chunk` and spare_ as spare_.
  void keep_as_spare(std::vector<Extent>& chunk);

  std::deque<std::vector<Extent>> chunks_;
  // One freed chunk kept for the next: a cache flushed often would
  // otherwise free a chunk and first-touch a new one at every flush.
  std::vector<Extent> spare_;
  std::uint64_t first_chunk_ = 0;  // the number of chunks_.front()
};

}  // namespace mirrorsim::sim
