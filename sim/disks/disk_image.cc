#include "sim/disks/disk_image.h"

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "engine/invariant.h"
#include "sim/disks/extent_chain.h"

namespace mirrorsim::sim {
namespace {

bool holds_data(std::uint64_t value) {
  return value != kZeroClusterValue;
}

// REQUIRES: unit a power of two (cluster sizes are).
std::uint64_t align_down(std::uint64_t x, std::uint64_t unit) {
  return x & ~(unit - 1);
}

DiskOptions validated(DiskOptions options) {
  options.validate();
  return options;
}

}  // namespace

DiskImage::DiskImage(DiskOptions options, std::uint64_t page_bytes)
    : options_(validated(std::move(options))), store_(options_.length_bytes, page_bytes) {}

DiskImage::Chain DiskImage::chain() const {
  Chain chain;
  for (const DiskImage* layer = this; layer != nullptr; layer = layer->backing_.get()) {
    chain.push_back(&layer->store_);
  }
  return chain;
}

std::uint64_t DiskImage::span_start(std::uint64_t offset) const {
  return options_.clustered() ? align_down(offset, options_.cluster_bytes) : offset;
}

std::uint64_t DiskImage::span_end(std::uint64_t end) const {
  if (!options_.clustered()) return end;
  const std::uint64_t c = options_.cluster_bytes;
  return std::min(options_.length_bytes, align_down(end + c - 1, c));
}

std::uint64_t DiskImage::data_bytes(std::uint64_t offset, std::uint64_t length) const {
  return store_.bytes_where(offset, length, holds_data);
}

std::uint64_t DiskImage::newly_allocated(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t from = span_start(offset);
  const std::uint64_t to = span_end(offset + length);
  return (to - from) - data_bytes(from, to - from);
}

bool DiskImage::over_capacity(std::uint64_t grow) const {
  return options_.capacity_bytes != 0 && grow > 0 && allocated_ + grow > options_.capacity_bytes;
}

std::pair<std::uint64_t, std::uint64_t> DiskImage::whole_clusters(std::uint64_t offset,
                                                                  std::uint64_t end) const {
  const std::uint64_t c = options_.cluster_bytes;
  const std::uint64_t first = std::min(options_.length_bytes, align_down(offset + c - 1, c));
  // The short last cluster counts as whole when the range reaches the disk end.
  const std::uint64_t last = end == options_.length_bytes ? end : align_down(end, c);
  return {first, last};
}

void DiskImage::write_data(std::uint64_t offset, std::span<const Extent> data, std::uint64_t length,
                           std::uint64_t grow) {
  // Parts of the touched clusters outside the write that hold no data yet
  // get filled (the COW rule): holes from the backing, zero clusters with zeroes.
  struct Fill {
    std::uint64_t offset;
    std::uint64_t end;
    bool from_backing;
  };
  boost::container::small_vector<Fill, 4> fills;
  if (options_.clustered() && grow > 0) {
    auto collect = [&](std::uint64_t from, std::uint64_t to) {
      if (from >= to) return;
      ExtentStore::Cursor cursor(store_, from, to - from);
      ExtentStore::Run run;
      while (cursor.next(run)) {
        if (run.hole || !holds_data(run.value)) fills.push_back({run.offset, run.end(), run.hole});
      }
    };
    collect(span_start(offset), offset);
    collect(offset + length, span_end(offset + length));
  }
  std::uint64_t added = length - store_.assign(offset, data);
  std::vector<Extent> from_backing;
  for (const Fill& fill : fills) {
    const std::uint64_t fill_length = fill.end - fill.offset;
    if (fill.from_backing && backing_) {
      from_backing.clear();
      const Chain lower = backing_->chain();
      read_chain(LayerChain(lower.data(), lower.size()), fill.offset, fill_length, from_backing);
      added += fill_length - store_.assign(0, from_backing);  // absolute offsets
    } else {
      added += fill_length - store_.assign(fill.offset, fill_length, kZeroValue, 0);
    }
  }
  MIRRORSIM_ASSERT(added == grow, "disk '" + name() + "': a write allocated " +
                                      std::to_string(added) + " bytes, expected " +
                                      std::to_string(grow));
  allocated_ += grow;
  MIRRORSIM_ASSERT(allocated_ <= options_.length_bytes, "allocated more bytes than the disk has");
}

bool DiskImage::writes_straight(std::uint64_t offset, std::uint64_t length) const {
  return options_.capacity_bytes == 0 && span_start(offset) == offset &&
         span_end(offset + length) == offset + length;
}

engine::IoStatus DiskImage::write(std::uint64_t offset, const ContentPayload& data) {
  const std::uint64_t length = data.length();
  check_request(*this, "write", offset, length);
  if (writes_straight(offset, length)) {
    // The store says how much of the range held data already.
    allocated_ += length - store_.assign(offset, data.extents());
    ++changes_;
    return {};
  }
  const std::uint64_t grow = newly_allocated(offset, length);
  if (over_capacity(grow)) return {ENOSPC};
  write_data(offset, data.extents(), data.length(), grow);
  ++changes_;
  return {};
}

engine::IoStatus DiskImage::write_keeping_undo(std::uint64_t offset, const ContentPayload& data,
                                               std::vector<Extent>& undo) {
  const std::uint64_t length = data.length();
  check_request(*this, "write", offset, length);
  const std::span<const Extent> extents = data.extents();
  if (writes_straight(offset, length) && extents.size() == 1 && length < store_.page_bytes() &&
      offset % store_.page_bytes() + length <= store_.page_bytes()) {
    // A guest's small write: the undo record is read off the page as it
    // changes. (A whole page is not small: the store shares one block among
    // the pages a write covers whole, as a plain write does.)
    const Extent& e = extents.front();
    allocated_ +=
        length - store_.assign_in_page(offset, length, e.value, e.base, undo, kHoleRunValue);
    ++changes_;
    return {};
  }
  append_runs_a_change_alters(offset, length, undo);
  return write(offset, data);
}

engine::IoStatus DiskImage::write_zeroes(std::uint64_t offset, std::uint64_t length,
                                         bool may_unmap) {
  check_request(*this, "write_zeroes", offset, length);
  const engine::IoStatus status = zero_range(offset, length, may_unmap);
  if (status.ok()) ++changes_;
  return status;
}

engine::IoStatus DiskImage::zero_range(std::uint64_t offset, std::uint64_t length, bool may_unmap) {
  const std::uint64_t end = offset + length;
  const Extent zero{0, length, kZeroValue, 0};
  if (!options_.clustered()) {
    if (may_unmap) {
      allocated_ -= store_.clear(offset, length);
      return {};
    }
    const std::uint64_t grow = newly_allocated(offset, length);
    if (over_capacity(grow)) return {ENOSPC};
    write_data(offset, std::span<const Extent>(&zero, 1), length, grow);
    return {};
  }
  const auto [first, last] = whole_clusters(offset, end);
  if (first >= last) {
    // No whole cluster: a zero data write, COW rule included.
    const std::uint64_t grow = newly_allocated(offset, length);
    if (over_capacity(grow)) return {ENOSPC};
    write_data(offset, std::span<const Extent>(&zero, 1), length, grow);
    return {};
  }
  const std::uint64_t head_grow = offset < first ? newly_allocated(offset, first - offset) : 0;
  const std::uint64_t tail_grow = last < end ? newly_allocated(last, end - last) : 0;
  if (over_capacity(head_grow + tail_grow)) return {ENOSPC};
  allocated_ -= store_.assign(first, last - first, kZeroClusterValue, 0);
  if (offset < first) {
    const Extent head{0, first - offset, kZeroValue, 0};
    write_data(offset, std::span<const Extent>(&head, 1), head.length, head_grow);
  }
  if (last < end) {
    const Extent tail{0, end - last, kZeroValue, 0};
    write_data(last, std::span<const Extent>(&tail, 1), tail.length, tail_grow);
  }
  return {};
}

engine::IoStatus DiskImage::discard(std::uint64_t offset, std::uint64_t length) {
  check_request(*this, "discard", offset, length);
  if (options_.discard_reads_zero) {
    const engine::IoStatus status = zero_range(offset, length, true);
    if (status.ok()) ++changes_;
    return status;
  }
  ++changes_;
  if (!options_.clustered()) return {};
  const auto [first, last] = whole_clusters(offset, offset + length);
  if (first < last) allocated_ -= store_.clear(first, last - first);
  return {};
}

ContentPayload DiskImage::read(std::uint64_t offset, std::uint64_t length) const {
  check_request(*this, "read", offset, length);
  std::vector<Extent> extents;
  extents.reserve(16);  // one allocation for a typical read, not a doubling series
  const Chain layers = chain();
  read_chain(LayerChain(layers.data(), layers.size()), offset, length, extents);
  for (Extent& e : extents) e.offset -= offset;
  return ContentPayload(std::move(extents));
}

engine::BlockStatus DiskImage::block_status(std::uint64_t offset, std::uint64_t length) const {
  check_request(*this, "block_status", offset, length);
  const Chain layers = chain();
  return status_chain(LayerChain(layers.data(), layers.size()), offset, length);
}

void DiskImage::attach_backing(std::shared_ptr<DiskModel> backing) {
  if (!backing) throw std::invalid_argument("disk '" + name() + "': attach of a null backing");
  check_attach(*this, *backing);
  auto image = std::dynamic_pointer_cast<DiskImage>(backing);
  if (!image) {
    throw std::invalid_argument("disk '" + name() + "': backing '" + backing->name() +
                                "' is not a DiskImage");
  }
  backing_ = std::move(image);
}

void DiskImage::fill_with_old_data(std::uint64_t value) {
  if (options_.zero_init) {
    throw std::invalid_argument("disk '" + name() +
                                "': old data on a zero_init disk (set zero_init = false)");
  }
  if (is_uniform(value) || value > kMaxContentValue) {
    throw std::invalid_argument("disk '" + name() + "': old data needs a fresh non-zero value");
  }
  if (options_.length_bytes == 0) return;
  store_.assign(0, options_.length_bytes, value, 0);
  allocated_ = options_.length_bytes;
  ++changes_;
}

GuestView DiskImage::guest_view() const {
  return view_over(store_);
}

GuestView DiskImage::view_over(const ExtentStore& top) const {
  std::vector<ExtentStore> layers;
  layers.push_back(top);
  for (const DiskImage* layer = backing_.get(); layer != nullptr; layer = layer->backing_.get()) {
    layers.push_back(layer->store_);
  }
  return GuestView(std::move(layers));
}

void DiskImage::restore(LayerState state) {
  MIRRORSIM_ASSERT(
      state.store.length() == store_.length() && state.store.page_bytes() == store_.page_bytes(),
      "disk '" + name() + "': restore of a layer state of another geometry");
  MIRRORSIM_ASSERT(state.allocated_bytes <= options_.length_bytes,
                   "disk '" + name() + "': restore of more allocated bytes than the disk has");
  store_ = std::move(state.store);
  allocated_ = state.allocated_bytes;
  ++changes_;
}

void DiskImage::append_runs_a_change_alters(std::uint64_t offset, std::uint64_t length,
                                            std::vector<Extent>& out) const {
  const auto [from, to] = span_of_change(offset, length);
  ExtentStore::Cursor cursor(store_, from, to - from);
  ExtentStore::Run run;
  while (cursor.next(run)) {
    out.push_back(run.hole ? Extent{run.offset, run.length, kHoleRunValue, 0} : run.extent());
  }
}

void DiskImage::append_content(std::uint64_t offset, std::uint64_t length,
                               std::vector<Extent>& out) const {
  ExtentStore::Cursor cursor(store_, offset, length);
  ExtentStore::Run run;
  while (cursor.next(run)) {
    MIRRORSIM_ASSERT(!run.hole && holds_data(run.value),
                     "disk '" + name() + "': no data where a write landed");
    Extent e = run.extent();
    e.offset -= offset;
    out.push_back(e);
  }
}

void DiskImage::put_back_runs(std::span<const Extent> runs) {
  for (const Extent& run : runs) {
    if (run.value == kHoleRunValue) {
      allocated_ -= store_.clear(run.offset, run.length);
      continue;
    }
    allocated_ -= store_.assign(run.offset, run.length, run.value, run.base);
    if (holds_data(run.value)) allocated_ += run.length;
  }
  MIRRORSIM_ASSERT(allocated_ <= options_.length_bytes,
                   "disk '" + name() + "': runs put back allocate more than the disk has");
  ++changes_;
}

GuestView DiskImage::view_of(const LayerState& state) const {
  return view_over(state.store);
}

}  // namespace mirrorsim::sim
