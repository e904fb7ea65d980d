// An immutable snapshot of what a guest reads from a disk, through its
// backing chain, and the comparison of two such snapshots.
//
// A GuestView holds copy-on-write copies of each layer's extent store (see
// extent_store.h), so taking one costs a few thousand pointer copies even for
// a 1 TiB disk, and later writes to the disk never change it. Copies of a
// view share everything. Properties take views at the instants they care
// about (the pivot, a cancel) and compare them afterwards.
//
// first_difference compares extents, not sectors: ranges whose storage the
// two views share are skipped unread; two single-layer views skip pages whose
// stored extents are identical (a memcmp each, read ahead); the rest is read
// through the chain a window at a time and compared extent by extent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/disks/content.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::sim {

class GuestView {
 public:
  // A view of an empty, zero-length disk.
  GuestView();
  // `layers` top first; a hole reads through to the next layer, past a
  // layer's end reads zero (see extent_chain.h). The view's length is the
  // top layer's. REQUIRES: layers non-empty.
  explicit GuestView(std::vector<ExtentStore> layers);

  std::uint64_t length() const;
  std::size_t depth() const { return layers_->size(); }
  // Layer `index` (0 = top) as stored: zero clusters as kZeroClusterValue.
  const ExtentStore& layer(std::size_t index) const { return layers_->at(index); }

  // What the guest reads. REQUIRES: aligned, inside the view.
  ContentPayload read(std::uint64_t offset, std::uint64_t length) const;
  // The same as absolute extents, appended (merged) to `out`.
  void read_into(std::uint64_t offset, std::uint64_t length, std::vector<Extent>& out) const;
  // What the sector at `byte` reads.
  SectorContent at(std::uint64_t byte) const;

  // True when both views hold the very same storage for the range, layer by
  // layer, which proves equal content (false proves nothing).
  bool shares_storage(const GuestView& other, std::uint64_t offset, std::uint64_t length) const;

 private:
  std::shared_ptr<const std::vector<ExtentStore>> layers_;
};

// Where two views first differ.
struct Difference {
  std::uint64_t offset = 0;  // first differing byte (sector-aligned)
  // Bytes from `offset` over which the views keep differing (counted up to
  // the end of the 16 MiB comparison window that holds `offset`).
  std::uint64_t length = 0;
  SectorContent a;  // what `a` reads at offset (zero when past its end)
  SectorContent b;
  bool a_past_end = false;  // offset lies beyond a's length (the lengths differ)
  bool b_past_end = false;

  // "first difference at byte 4096 (+8192): a reads (7, 0), b reads (0, 0)"
  std::string describe() const;
  bool operator==(const Difference&) const = default;
};

// The first range at or after `from` where a and b read differently (or,
// when their lengths differ and they read the same up to the shorter's end,
// the range past it, wherever `from` is), or nullopt when they read the
// same there and have the same length. REQUIRES: `from` sector-aligned.
std::optional<Difference> first_difference(const GuestView& a, const GuestView& b,
                                           std::uint64_t from = 0);
// True when first_difference skips pages whose stored extents are
// identical: two single layers of one shape. It is then about as fast as
// reading both once.
bool compares_by_pages(const GuestView& a, const GuestView& b);

}  // namespace mirrorsim::sim
