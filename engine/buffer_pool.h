// The job's copy buffer: buf-size bytes split into granularity-sized
// pieces kept on a free list. An op takes the pieces it needs before it
// reads and gives them back when it ends. The engine never stores data in
// them (payloads belong to the devices); the pool bounds and accounts the
// memory a real job would hold.
//
// Invariant: pieces in use + pieces free == total pieces.
#pragma once

#include <cstdint>
#include <vector>

namespace mirrorsim::engine {

class BufferPool {
 public:
  BufferPool(std::uint64_t buf_size_bytes, std::uint64_t piece_bytes);

  std::uint64_t piece_bytes() const { return piece_bytes_; }
  std::uint64_t total_pieces() const { return total_; }
  std::uint64_t free_pieces() const { return free_.size(); }
  std::uint64_t bytes_in_use() const { return (total_ - free_.size()) * piece_bytes_; }
  std::uint64_t peak_bytes_in_use() const { return peak_in_use_ * piece_bytes_; }

  // Pieces needed to hold `bytes`.
  std::uint64_t pieces_for(std::uint64_t bytes) const;

  // REQUIRES: free_pieces() >= count.
  std::vector<std::uint32_t> take(std::uint64_t count);
  void give_back(std::vector<std::uint32_t>& pieces);

 private:
  std::uint64_t piece_bytes_;
  std::uint64_t total_;
  std::uint64_t peak_in_use_ = 0;
  std::vector<std::uint32_t> free_;
};

}  // namespace mirrorsim::engine
