// Guest-visible content and block status through a chain of extent stores.
//
// A chain lists the layers of one disk top first: the disk's own layer, then
// its attached backing image, then that one's backing, and so on. A hole in a
// layer reads through to the next layer; a range beyond a layer's length, or
// a hole in the last layer, reads as zeroes. The zero-cluster marker reads as
// zero. These two functions are the only place that rule lives; DiskImage
// and GuestView both use them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/block_device.h"
#include "sim/disks/content.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::sim {

using LayerChain = std::span<const ExtentStore* const>;

// Appends what the guest reads in [offset, offset + length) to `out`: merged
// extents with absolute offsets, zero as (0, 0). The range may reach past the
// top layer's end (that part reads zero). An empty chain reads zero.
// REQUIRES: offset and length sector-aligned; out empty or ending at offset.
void read_chain(LayerChain layers, std::uint64_t offset, std::uint64_t length,
                std::vector<Extent>& out);

// The status of the longest run from `offset` (at most `length` bytes) whose
// sectors share all three flags:
//   allocated:       the top layer stores this range (data or zero cluster);
//   allocated_below: the top layer does not, a lower layer that is read here does;
//   reads_zero:      the range reads through to a zero cluster, or to nothing
//                    (a hole of the last layer, or past a layer's end).
// Data that happens to be zero does not count as reads_zero, as in qcow2.
// REQUIRES: length > 0, sector-aligned, inside the top layer; chain non-empty.
engine::BlockStatus status_chain(LayerChain layers, std::uint64_t offset, std::uint64_t length);

}  // namespace mirrorsim::sim
