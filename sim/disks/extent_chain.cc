#include "sim/disks/extent_chain.h"

#include <algorithm>

#include "engine/invariant.h"

namespace mirrorsim::sim {
namespace {

// Calls visit(level, run) for each piece of [offset, end) in order, where
// `level` is the layer the piece reads from, or layers.size() for zeroes
// from nowhere. Returns false as soon as visit does.
template <typename Visit>
bool walk(LayerChain layers, std::size_t level, std::uint64_t offset, std::uint64_t end,
          Visit& visit) {
  if (offset >= end) return true;
  if (level == layers.size()) {
    ExtentStore::Run zero{offset, end - offset, false, kZeroValue, 0};
    return visit(level, zero);
  }
  const ExtentStore& store = *layers[level];
  const std::uint64_t stop = std::min(end, store.length());
  if (offset < stop) {
    ExtentStore::Cursor cursor(store, offset, stop - offset);
    ExtentStore::Run run;
    while (cursor.next(run)) {
      if (!run.hole) {
        if (!visit(level, run)) return false;
      } else if (!walk(layers, level + 1, run.offset, run.end(), visit)) {
        return false;
      }
    }
  }
  const std::uint64_t beyond = std::max(offset, stop);
  return walk(layers, layers.size(), beyond, end, visit);
}

}  // namespace

void read_chain(LayerChain layers, std::uint64_t offset, std::uint64_t length,
                std::vector<Extent>& out) {
  MIRRORSIM_ASSERT(offset % kSectorSize == 0 && length % kSectorSize == 0,
                   "read_chain of an unaligned range");
  auto visit = [&out](std::size_t, const ExtentStore::Run& run) {
    Extent e = run.extent();
    if (e.value == kZeroClusterValue) e.value = kZeroValue;
    append_merged(out, e);
    return true;
  };
  walk(layers, 0, offset, offset + length, visit);
}

engine::BlockStatus status_chain(LayerChain layers, std::uint64_t offset, std::uint64_t length) {
  MIRRORSIM_ASSERT(!layers.empty(), "status_chain of an empty chain");
  MIRRORSIM_ASSERT(length > 0, "status_chain of an empty range");
  MIRRORSIM_ASSERT(offset + length <= layers[0]->length(), "status_chain past the end");
  // The common case, a run of data in the top layer, without walking extents.
  if (const std::uint64_t data = layers[0]->data_run(offset, length); data > 0) {
    return engine::BlockStatus{true, false, false, data};
  }
  engine::BlockStatus result;
  auto visit = [&result, &layers](std::size_t level, const ExtentStore::Run& run) {
    engine::BlockStatus s;
    s.allocated = level == 0;
    s.allocated_below = level > 0 && level < layers.size();
    s.reads_zero = level == layers.size() || run.value == kZeroClusterValue;
    s.length = run.length;
    if (result.length == 0) {
      result = s;
      return true;
    }
    if (s.allocated != result.allocated || s.allocated_below != result.allocated_below ||
        s.reads_zero != result.reads_zero) {
      return false;
    }
    result.length += s.length;
    return true;
  };
  walk(layers, 0, offset, offset + length, visit);
  return result;
}

}  // namespace mirrorsim::sim
