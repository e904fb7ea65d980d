// The synchronous semantics of one simulated disk layer: what reads, writes,
// zero writes and discards do to content, with no time and no faults.
//
// Two implementations share this interface: DiskImage (extent-based, any
// size, the one simulations use) and DenseDisk (a plain sector array for
// small disks, the reference model that tests check DiskImage against).
// SimDisk adds time, queueing and faults on top of either.
//
// Semantics (MIRROR.md, "Simulated disk semantics"):
//  - raw (cluster_bytes 0): every byte addressable, no backing. A never
//    written or unmapped range is a hole and reads zero.
//  - cluster disk: allocation per cluster, each cluster entirely unallocated,
//    a zero cluster, or data. Unallocated clusters read from the attached
//    backing image (past the backing's end: zero), or zero when none is
//    attached. A write covering part of a cluster that holds no data first
//    fills the rest of that cluster: from the attached backing (unallocated
//    cluster) or with zeroes (no backing attached, or a zero cluster). This
//    is the copy-on-write rule the mirror's COW handling exists for.
//  - write_zeroes: cluster disk: whole covered clusters become zero clusters,
//    partly covered ones get zero data written (with the COW rule); raw:
//    with may_unmap the range becomes a hole, otherwise zero data.
//  - discard: with discard_reads_zero it is write_zeroes(may_unmap = true);
//    otherwise a cluster disk deallocates whole covered clusters (they read
//    through to the backing again) and leaves partial ones unchanged, and a
//    raw disk changes nothing.
//  - capacity: allocated bytes are bytes holding data (zero clusters and
//    holes hold none). A request fails with ENOSPC, changing nothing, when
//    allocated_bytes() plus the bytes it would newly allocate exceed
//    capacity_bytes (what it would free does not count).
//
// Errors: a misaligned, empty or out-of-range request throws
// std::invalid_argument (SimDisk turns those into EINVAL before calling).
// Running out of capacity is not an exception: it returns ENOSPC.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/block_device.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_op.h"
#include "sim/disks/disk_options.h"
#include "sim/disks/disk_view.h"

namespace mirrorsim::sim {

class DiskModel {
 public:
  virtual ~DiskModel() = default;

  virtual const DiskOptions& options() const = 0;
  const std::string& name() const { return options().name; }
  std::uint64_t length() const { return options().length_bytes; }
  std::uint64_t cluster_bytes() const { return options().cluster_bytes; }

  // REQUIRES for the five calls below: offset and length multiples of 512,
  // length > 0, offset + length <= length(); else std::invalid_argument.
  virtual engine::IoStatus write(std::uint64_t offset, const ContentPayload& data) = 0;
  virtual engine::IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length,
                                        bool may_unmap) = 0;
  virtual engine::IoStatus discard(std::uint64_t offset, std::uint64_t length) = 0;
  virtual ContentPayload read(std::uint64_t offset, std::uint64_t length) const = 0;
  // See extent_chain.h for the meaning of the flags; the run is maximal.
  virtual engine::BlockStatus block_status(std::uint64_t offset, std::uint64_t length) const = 0;

  // A hint that a request at `offset` is coming: a model may start loading
  // what it will touch, to overlap the cache misses with the request's
  // simulated latency. Changes nothing; any offset is allowed.
  virtual void prefetch(std::uint64_t offset) const { (void)offset; }

  // Attaches the backing image this disk names: from now on unallocated
  // clusters read from it and copy-on-write fills from it. Reads go to the
  // backing's current content, so a backing should not change afterwards.
  // REQUIRES (else std::invalid_argument): a cluster disk; nothing attached
  // yet; `backing` of the same implementation; its name equals backing_name
  // when that is set; no cycle.
  virtual void attach_backing(std::shared_ptr<DiskModel> backing) = 0;
  // The attached backing image, or null.
  virtual const DiskModel* backing() const = 0;

  // Makes every sector hold old data: sector i of the disk reads (value, i),
  // allocated. REQUIRES: !options().zero_init; value not reserved.
  virtual void fill_with_old_data(std::uint64_t value) = 0;

  // Bytes of this layer that hold data (see "capacity" above).
  virtual std::uint64_t allocated_bytes() const = 0;

  // What the guest reads now, through the backing chain, as a snapshot.
  virtual GuestView guest_view() const = 0;
};

// Throws std::invalid_argument unless [offset, offset + length) is a valid
// request range of `disk` (see above). `what` names the request.
void check_request(const DiskModel& disk, const char* what, std::uint64_t offset,
                   std::uint64_t length);

}  // namespace mirrorsim::sim

namespace mirrorsim::sim {

// Throws std::invalid_argument unless `backing` may be attached to `disk`
// (see DiskModel::attach_backing; the same-implementation check is the
// caller's).
void check_attach(const DiskModel& disk, const DiskModel& backing);

// Applies one content change to `disk`: a write of `*data`, a zero write
// (`may_unmap` as given) or a discard. REQUIRES: `op` changes content; for a
// write, `data` holds `length` bytes.
engine::IoStatus apply_change(DiskModel& disk, DiskOp op, std::uint64_t offset,
                              std::uint64_t length, const ContentPayload* data, bool may_unmap);

}  // namespace mirrorsim::sim
