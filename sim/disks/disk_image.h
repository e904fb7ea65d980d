// The extent-based disk image: DiskModel's semantics (see disk_model.h) on
// an ExtentStore, for disks of any size up to 1 PiB.
//
// Memory and time grow with the number of distinct extents written, never
// with the disk length. Zero clusters are stored as kZeroClusterValue
// extents; holes are unallocated. Every cluster is entirely one of data, zero
// cluster or hole (the COW rule keeps it so). guest_view() is a cheap
// copy-on-write snapshot of the whole backing chain.
//
// Ownership: the image shares ownership of its attached backing image.
// Not copyable (a copy would be a second disk with the same name); take a
// guest_view() to keep a content snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "sim/disks/disk_model.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::sim {

// A hole among the runs of an undo record (no content value is this large;
// kZeroClusterValue is the one above it).
inline constexpr std::uint64_t kHoleRunValue = kZeroClusterValue - 1;

class DiskImage final : public DiskModel {
 public:
  // Throws std::invalid_argument when options.validate() does. `page_bytes`
  // tunes the extent store; tests use small pages to stress page boundaries.
  explicit DiskImage(DiskOptions options,
                     std::uint64_t page_bytes = ExtentStore::kDefaultPageBytes);
  DiskImage(const DiskImage&) = delete;
  DiskImage& operator=(const DiskImage&) = delete;

  const DiskOptions& options() const override { return options_; }
  engine::IoStatus write(std::uint64_t offset, const ContentPayload& data) override;
  engine::IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length,
                                bool may_unmap) override;
  engine::IoStatus discard(std::uint64_t offset, std::uint64_t length) override;
  ContentPayload read(std::uint64_t offset, std::uint64_t length) const override;
  engine::BlockStatus block_status(std::uint64_t offset, std::uint64_t length) const override;
  void prefetch(std::uint64_t offset) const override { store_.prefetch(offset); }
  void attach_backing(std::shared_ptr<DiskModel> backing) override;
  const DiskModel* backing() const override { return backing_.get(); }
  void fill_with_old_data(std::uint64_t value) override;
  std::uint64_t allocated_bytes() const override { return allocated_; }
  GuestView guest_view() const override;

  // This layer alone (zero clusters as kZeroClusterValue, holes unallocated).
  const ExtentStore& layer() const { return store_; }
  // The attached backing image, shared (null when none is attached).
  const std::shared_ptr<DiskImage>& shared_backing() const { return backing_; }

  // Calls that changed this layer and succeeded (writes, zero writes,
  // discards, old data, restores, runs put back): an owner that makes every
  // change itself can tell whether anybody else made one.
  std::uint64_t changes() const { return changes_; }

  // [start, end) of what a change of [offset, offset + length) can alter:
  // its clusters, clamped to the disk (raw: the range).
  std::pair<std::uint64_t, std::uint64_t> span_of_change(std::uint64_t offset,
                                                         std::uint64_t length) const {
    return {span_start(offset), span_end(offset + length)};
  }
  // Undo records (a write cache's, see SimDisk): appends to `out` the runs
  // of this layer over span_of_change(offset, length), as extents with
  // absolute offsets, a hole as one of value kHoleRunValue.
  void append_runs_a_change_alters(std::uint64_t offset, std::uint64_t length,
                                   std::vector<Extent>& out) const;
  // Appends to `out` what this layer holds over [offset, offset + length)
  // as payload extents (offsets from `offset`): what a write there left.
  // REQUIRES: the layer holds data over all of the range.
  void append_content(std::uint64_t offset, std::uint64_t length, std::vector<Extent>& out) const;
  // write(), also appending its undo record to `undo` as
  // append_runs_a_change_alters() would, in the same visit of the page when
  // the write is one extent of whole clusters inside one page.
  engine::IoStatus write_keeping_undo(std::uint64_t offset, const ContentPayload& data,
                                      std::vector<Extent>& undo);
  // Makes this layer hold `runs` (taken as above) again, allocated_bytes()
  // kept exact: undoes the changes made since, newest first.
  void put_back_runs(std::span<const Extent> runs);

  // The state of this layer (content and allocation count), not of its
  // backing: a value, and a cheap copy-on-write snapshot (see extent_store.h).
  struct LayerState {
    ExtentStore store;
    std::uint64_t allocated_bytes = 0;
  };
  // A snapshot of this layer that later requests never change.
  LayerState save() const { return {store_, allocated_}; }
  // Makes this layer hold `state` again (the backing stays as it is).
  // REQUIRES: `state` came from save() of an image of the same options.
  void restore(LayerState state);
  // What the guest would read if this layer held `state`, through the
  // backing attached now. Cheap, as guest_view().
  GuestView view_of(const LayerState& state) const;

 private:
  // write_zeroes without the request check and the count (discard uses it).
  engine::IoStatus zero_range(std::uint64_t offset, std::uint64_t length, bool may_unmap);
  // `top` over this image's backing chain.
  GuestView view_over(const ExtentStore& top) const;
  using Chain = boost::container::small_vector<const ExtentStore*, 4>;
  Chain chain() const;  // this layer, then the attached backing chain

  // The range a data write of [offset, offset + length) allocates: the
  // covered clusters (clamped to the disk end), or the range itself when raw.
  std::uint64_t span_start(std::uint64_t offset) const;
  std::uint64_t span_end(std::uint64_t end) const;
  // True when a data write of the range is whole clusters (or raw) with no
  // capacity to check: nothing to fill, nothing to refuse.
  bool writes_straight(std::uint64_t offset, std::uint64_t length) const;
  // Bytes a data write of the range would newly allocate.
  std::uint64_t newly_allocated(std::uint64_t offset, std::uint64_t length) const;
  bool over_capacity(std::uint64_t grow) const;
  // Writes data with the COW rule; `grow` is newly_allocated() of the range.
  void write_data(std::uint64_t offset, std::span<const Extent> data, std::uint64_t length,
                  std::uint64_t grow);
  // Bytes holding data in a range of this layer.
  std::uint64_t data_bytes(std::uint64_t offset, std::uint64_t length) const;
  // [first, end) of the clusters wholly inside [offset, end); first >= end if none.
  std::pair<std::uint64_t, std::uint64_t> whole_clusters(std::uint64_t offset,
                                                         std::uint64_t end) const;

  DiskOptions options_;
  ExtentStore store_;
  std::shared_ptr<DiskImage> backing_;
  std::uint64_t allocated_ = 0;
  std::uint64_t changes_ = 0;
};

}  // namespace mirrorsim::sim
