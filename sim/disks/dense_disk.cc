#include "sim/disks/dense_disk.h"

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::sim {
namespace {

DiskOptions validated(DiskOptions options) {
  options.validate();
  if (options.length_bytes > DenseDisk::kMaxLength) {
    throw std::invalid_argument("disk '" + options.name +
                                "': a dense disk holds at most 64 MiB; got " +
                                std::to_string(options.length_bytes));
  }
  return options;
}

}  // namespace

DenseDisk::DenseDisk(DiskOptions options)
    : options_(validated(std::move(options))), sectors_(options_.length_bytes / kSectorSize) {}

std::uint64_t DenseDisk::cluster_end(std::uint64_t k) const {
  return std::min<std::uint64_t>(cluster_first(k) + cluster_sectors(), sectors_.size());
}

DenseDisk::Resolved DenseDisk::resolve(std::uint64_t s) const {
  const Sector& own = sectors_[s];
  if (own.state != State::kHole) return {0, &own};
  if (!backing_ || s >= backing_->sectors_.size()) return {kNowhere, nullptr};
  Resolved below = backing_->resolve(s);
  if (below.level == kNowhere) return below;
  return {below.level + 1, below.sector};
}

SectorContent DenseDisk::guest_sector(std::uint64_t s) const {
  Resolved r = resolve(s);
  if (r.level == kNowhere || r.sector->state == State::kZeroCluster) return {0, 0};
  return {r.sector->value, r.sector->index};
}

std::uint64_t DenseDisk::non_data_in_span(std::uint64_t first, std::uint64_t end) const {
  if (options_.clustered()) {
    first = first / cluster_sectors() * cluster_sectors();
    end = cluster_end((end - 1) / cluster_sectors());
  }
  std::uint64_t count = 0;
  for (std::uint64_t s = first; s < end; ++s) count += sectors_[s].state != State::kData;
  return count;
}

bool DenseDisk::over_capacity(std::uint64_t grow_sectors) const {
  const std::uint64_t grow = grow_sectors * kSectorSize;
  return options_.capacity_bytes != 0 && grow > 0 &&
         allocated_bytes() + grow > options_.capacity_bytes;
}

template <typename ContentAt>
void DenseDisk::write_sectors(std::uint64_t first, std::uint64_t end, ContentAt content_at) {
  if (options_.clustered()) {
    // The COW rule, sector by sector over the touched clusters.
    const std::uint64_t span_first = first / cluster_sectors() * cluster_sectors();
    const std::uint64_t span_end = cluster_end((end - 1) / cluster_sectors());
    for (std::uint64_t s = span_first; s < span_end; ++s) {
      if (s >= first && s < end) continue;
      Sector& sector = sectors_[s];
      if (sector.state == State::kData) continue;
      SectorContent fill{0, 0};
      if (sector.state == State::kHole && backing_ && s < backing_->sectors_.size()) {
        fill = backing_->guest_sector(s);
      }
      sector = {State::kData, fill.value, fill.index};
    }
  }
  for (std::uint64_t s = first; s < end; ++s) {
    SectorContent c = content_at(s);
    sectors_[s] = {State::kData, c.value, c.index};
  }
}

engine::IoStatus DenseDisk::write(std::uint64_t offset, const ContentPayload& data) {
  check_request(*this, "write", offset, data.length());
  const std::uint64_t first = offset / kSectorSize;
  const std::uint64_t end = first + data.length() / kSectorSize;
  if (over_capacity(non_data_in_span(first, end))) return {ENOSPC};
  write_sectors(first, end, [&](std::uint64_t s) { return data.at(s * kSectorSize - offset); });
  return {};
}

engine::IoStatus DenseDisk::write_zeroes(std::uint64_t offset, std::uint64_t length,
                                         bool may_unmap) {
  check_request(*this, "write_zeroes", offset, length);
  const std::uint64_t first = offset / kSectorSize;
  const std::uint64_t end = first + length / kSectorSize;
  auto zero = [](std::uint64_t) { return SectorContent{0, 0}; };
  if (!options_.clustered()) {
    if (may_unmap) {
      for (std::uint64_t s = first; s < end; ++s) sectors_[s] = {};
      return {};
    }
    if (over_capacity(non_data_in_span(first, end))) return {ENOSPC};
    write_sectors(first, end, zero);
    return {};
  }
  // Per touched cluster: wholly covered ones become zero clusters, the
  // others get zero data. Capacity counts what the partial ones allocate.
  const std::uint64_t first_cluster = first / cluster_sectors();
  const std::uint64_t last_cluster = (end - 1) / cluster_sectors();
  std::uint64_t grow = 0;
  for (std::uint64_t k = first_cluster; k <= last_cluster; ++k) {
    const bool whole = first <= cluster_first(k) && cluster_end(k) <= end;
    if (!whole) grow += non_data_in_span(cluster_first(k), cluster_end(k));
  }
  if (over_capacity(grow)) return {ENOSPC};
  for (std::uint64_t k = first_cluster; k <= last_cluster; ++k) {
    const std::uint64_t cf = cluster_first(k);
    const std::uint64_t ce = cluster_end(k);
    if (first <= cf && ce <= end) {
      for (std::uint64_t s = cf; s < ce; ++s) sectors_[s] = {State::kZeroCluster, 0, 0};
    } else {
      write_sectors(std::max(first, cf), std::min(end, ce), zero);
    }
  }
  return {};
}

engine::IoStatus DenseDisk::discard(std::uint64_t offset, std::uint64_t length) {
  check_request(*this, "discard", offset, length);
  if (options_.discard_reads_zero) return write_zeroes(offset, length, true);
  if (!options_.clustered()) return {};
  const std::uint64_t first = offset / kSectorSize;
  const std::uint64_t end = first + length / kSectorSize;
  for (std::uint64_t k = first / cluster_sectors(); k <= (end - 1) / cluster_sectors(); ++k) {
    if (first <= cluster_first(k) && cluster_end(k) <= end) {
      for (std::uint64_t s = cluster_first(k); s < cluster_end(k); ++s) sectors_[s] = {};
    }
  }
  return {};
}

ContentPayload DenseDisk::read(std::uint64_t offset, std::uint64_t length) const {
  check_request(*this, "read", offset, length);
  std::vector<Extent> extents;
  const std::uint64_t first = offset / kSectorSize;
  for (std::uint64_t s = first; s < first + length / kSectorSize; ++s) {
    SectorContent c = guest_sector(s);
    append_merged(extents, Extent{(s - first) * kSectorSize, kSectorSize, c.value, c.index});
  }
  return ContentPayload(std::move(extents));
}

engine::BlockStatus DenseDisk::block_status(std::uint64_t offset, std::uint64_t length) const {
  check_request(*this, "block_status", offset, length);
  auto status_of = [this](std::uint64_t s) {
    Resolved r = resolve(s);
    engine::BlockStatus st;
    st.allocated = r.level == 0;
    st.allocated_below = r.level != 0 && r.level != kNowhere;
    st.reads_zero = r.level == kNowhere || r.sector->state == State::kZeroCluster;
    st.length = kSectorSize;
    return st;
  };
  const std::uint64_t first = offset / kSectorSize;
  engine::BlockStatus result = status_of(first);
  for (std::uint64_t s = first + 1; s < first + length / kSectorSize; ++s) {
    engine::BlockStatus next = status_of(s);
    if (next.allocated != result.allocated || next.allocated_below != result.allocated_below ||
        next.reads_zero != result.reads_zero) {
      break;
    }
    result.length += kSectorSize;
  }
  return result;
}

void DenseDisk::attach_backing(std::shared_ptr<DiskModel> backing) {
  if (!backing) throw std::invalid_argument("disk '" + name() + "': attach of a null backing");
  check_attach(*this, *backing);
  auto dense = std::dynamic_pointer_cast<DenseDisk>(backing);
  if (!dense) {
    throw std::invalid_argument("disk '" + name() + "': backing '" + backing->name() +
                                "' is not a DenseDisk");
  }
  backing_ = std::move(dense);
}

void DenseDisk::fill_with_old_data(std::uint64_t value) {
  if (options_.zero_init) {
    throw std::invalid_argument("disk '" + name() +
                                "': old data on a zero_init disk (set zero_init = false)");
  }
  if (is_uniform(value) || value > kMaxContentValue) {
    throw std::invalid_argument("disk '" + name() + "': old data needs a fresh non-zero value");
  }
  for (std::uint64_t s = 0; s < sectors_.size(); ++s) sectors_[s] = {State::kData, value, s};
}

std::uint64_t DenseDisk::allocated_bytes() const {
  std::uint64_t count = 0;
  for (const Sector& s : sectors_) count += s.state == State::kData;
  return count * kSectorSize;
}

GuestView DenseDisk::guest_view() const {
  ExtentStore store(options_.length_bytes);
  if (options_.length_bytes > 0) store.assign(0, read(0, options_.length_bytes).extents());
  return GuestView({store});
}

void DenseDisk::check_invariants() const {
  if (!options_.clustered()) {
    for (const Sector& s : sectors_) {
      MIRRORSIM_ASSERT(s.state != State::kZeroCluster, "a raw disk holds a zero cluster");
    }
    return;
  }
  for (std::uint64_t k = 0; cluster_first(k) < sectors_.size(); ++k) {
    const State state = sectors_[cluster_first(k)].state;
    for (std::uint64_t s = cluster_first(k); s < cluster_end(k); ++s) {
      MIRRORSIM_ASSERT(sectors_[s].state == state, "cluster " + std::to_string(k) + " of disk '" +
                                                       name() + "' is partly allocated");
    }
  }
}

}  // namespace mirrorsim::sim
