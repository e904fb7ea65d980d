// The reference model: DiskModel's semantics on a plain array of sectors.
//
// Written for obviousness, not speed: every operation walks sector by
// sector, and nothing relies on the invariants DiskImage relies on (such as
// every cluster being wholly data, zero or unallocated); check_invariants()
// verifies those instead. Used only by tests, to cross-check DiskImage on
// random operation sequences. Disks up to kMaxLength (64 MiB).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/disks/disk_model.h"

namespace mirrorsim::sim {

class DenseDisk final : public DiskModel {
 public:
  static constexpr std::uint64_t kMaxLength = std::uint64_t{64} << 20;

  // Throws std::invalid_argument when options.validate() does or the disk
  // is longer than kMaxLength.
  explicit DenseDisk(DiskOptions options);
  DenseDisk(const DenseDisk&) = delete;
  DenseDisk& operator=(const DenseDisk&) = delete;

  const DiskOptions& options() const override { return options_; }
  engine::IoStatus write(std::uint64_t offset, const ContentPayload& data) override;
  engine::IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length,
                                bool may_unmap) override;
  engine::IoStatus discard(std::uint64_t offset, std::uint64_t length) override;
  ContentPayload read(std::uint64_t offset, std::uint64_t length) const override;
  engine::BlockStatus block_status(std::uint64_t offset, std::uint64_t length) const override;
  void attach_backing(std::shared_ptr<DiskModel> backing) override;
  const DiskModel* backing() const override { return backing_.get(); }
  void fill_with_old_data(std::uint64_t value) override;
  std::uint64_t allocated_bytes() const override;
  GuestView guest_view() const override;

  // Throws InvariantViolation unless every cluster is wholly data, wholly a
  // zero cluster or wholly unallocated, and a raw disk has no zero clusters.
  void check_invariants() const;

 private:
  enum class State : std::uint8_t { kHole, kData, kZeroCluster };
  struct Sector {
    State state = State::kHole;
    std::uint64_t value = 0;
    std::uint64_t index = 0;
  };
  struct Resolved {
    std::size_t level;     // 0 = this disk; npos = read from nowhere
    const Sector* sector;  // null when level is npos
  };
  static constexpr std::size_t kNowhere = static_cast<std::size_t>(-1);

  Resolved resolve(std::uint64_t sector) const;
  SectorContent guest_sector(std::uint64_t sector) const;
  std::uint64_t cluster_sectors() const { return options_.cluster_bytes / kSectorSize; }
  // Sectors of cluster k: [first, end).
  std::uint64_t cluster_first(std::uint64_t k) const { return k * cluster_sectors(); }
  std::uint64_t cluster_end(std::uint64_t k) const;
  // Non-data sectors in the clusters touched by [first, end) (raw: in the range).
  std::uint64_t non_data_in_span(std::uint64_t first, std::uint64_t end) const;
  bool over_capacity(std::uint64_t grow_sectors) const;
  // A data write of sectors [first, end) whose content sector i gives, COW rule included.
  template <typename ContentAt>
  void write_sectors(std::uint64_t first, std::uint64_t end, ContentAt content_at);

  DiskOptions options_;
  std::vector<Sector> sectors_;
  std::shared_ptr<DenseDisk> backing_;
};

}  // namespace mirrorsim::sim
