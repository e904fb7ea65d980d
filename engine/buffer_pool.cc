#include "engine/buffer_pool.h"

#include <algorithm>

#include "engine/invariant.h"

namespace mirrorsim::engine {

BufferPool::BufferPool(std::uint64_t buf_size_bytes, std::uint64_t piece_bytes)
    : piece_bytes_(piece_bytes), total_(buf_size_bytes / piece_bytes) {
  MIRRORSIM_ASSERT(piece_bytes > 0 && buf_size_bytes % piece_bytes == 0,
                   "buffer size must be a multiple of the piece size");
  MIRRORSIM_ASSERT(total_ <= UINT32_MAX, "too many buffer pieces");
  free_.reserve(total_);
  // Highest index last, so pieces are handed out from 0 upwards.
  for (std::uint64_t i = total_; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

std::uint64_t BufferPool::pieces_for(std::uint64_t bytes) const {
  return (bytes + piece_bytes_ - 1) / piece_bytes_;
}

std::vector<std::uint32_t> BufferPool::take(std::uint64_t count) {
  MIRRORSIM_ASSERT(count <= free_.size(), "took more buffer pieces than are free");
  std::vector<std::uint32_t> pieces(free_.end() - static_cast<std::ptrdiff_t>(count), free_.end());
  free_.resize(free_.size() - count);
  peak_in_use_ = std::max(peak_in_use_, total_ - free_.size());
  return pieces;
}

void BufferPool::give_back(std::vector<std::uint32_t>& pieces) {
  free_.insert(free_.end(), pieces.rbegin(), pieces.rend());
  MIRRORSIM_ASSERT(free_.size() <= total_, "more buffer pieces returned than exist");
  pieces.clear();
}

}  // namespace mirrorsim::engine
