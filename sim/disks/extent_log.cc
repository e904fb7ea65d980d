#include "sim/disks/extent_log.h"

#include <algorithm>

#include "engine/invariant.h"

namespace mirrorsim::sim {

ExtentLog::Position ExtentLog::append(std::span<const Extent> extents) {
  const std::size_t count = extents.size();
  MIRRORSIM_ASSERT(count <= UINT32_MAX, "extent log: an append past a 32-bit index");
  if (chunks_.empty() || chunks_.back().size() + count > chunks_.back().capacity()) {
    // The last chunk's room, if any, stays unused: an append is one span.
    // A spare chunk's memory, touched already, is used again if it fits.
    std::vector<Extent> chunk;
    if (spare_.capacity() >= count) chunk.swap(spare_);
    chunk.clear();
    chunk.reserve(std::max(kChunkExtents, count));
    chunks_.push_back(std::move(chunk));
  }
  const Position at = end();
  std::vector<Extent>& chunk = chunks_.back();
  chunk.insert(chunk.end(), extents.begin(), extents.end());
  return at;
}

std::span<const Extent> ExtentLog::at(Position at, std::size_t count) const {
  if (count == 0) return {};
  const std::uint64_t number = at >> 32;
  const std::size_t index = at & 0xffffffffu;
  MIRRORSIM_ASSERT(number >= first_chunk_ && number - first_chunk_ < chunks_.size(),
                   "extent log: a position in a dropped chunk");
  const std::vector<Extent>& chunk = chunks_[number - first_chunk_];
  MIRRORSIM_ASSERT(index + count <= chunk.size(), "extent log: a span past its chunk");
  return {chunk.data() + index, count};
}

ExtentLog::Position ExtentLog::end() const {
  if (chunks_.empty()) return position(first_chunk_, 0);
  return position(first_chunk_ + chunks_.size() - 1, chunks_.back().size());
}

void ExtentLog::drop_before(Position at) {
  const std::uint64_t number = at >> 32;
  while (!chunks_.empty() && first_chunk_ < number) {
    keep_as_spare(chunks_.front());
    chunks_.pop_front();
    ++first_chunk_;
  }
}

void ExtentLog::clear() {
  first_chunk_ += chunks_.size();
  for (std::vector<Extent>& chunk : chunks_) keep_as_spare(chunk);
  chunks_.clear();
}

void ExtentLog::keep_as_spare(std::vector<Extent>& chunk) {
  if (chunk.capacity() > spare_.capacity()) spare_.swap(chunk);
}

}  // namespace mirrorsim::sim
