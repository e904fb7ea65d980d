// Where extent stores keep their pages and groups.
//
// A store with ten million extents spreads them over hundreds of MiB, and a
// random write then pays a TLB miss on top of each cache miss. This memory
// resource hands out blocks from 2 MiB-aligned regions advised for
// transparent huge pages (madvise MADV_HUGEPAGE), pooled by size, so those
// accesses stay within few TLB entries. Nothing about content or behaviour
// depends on it.
//
// Guarantees: thread-safe (a pool behind a mutex); lives for the whole process
// (never destroyed, so stores in static objects stay valid at exit); freed
// blocks are reused, memory is not returned to the system. Under
// AddressSanitizer it is plain new/delete, so the sanitizer sees every block.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace mirrorsim::sim {

// The pool serves blocks up to this size from huge-page regions that it
// keeps; every block an extent store allocates must fit (checked there).
inline constexpr std::size_t kLargestPooledBlock = std::size_t{64} << 10;

std::pmr::memory_resource& extent_memory();

}  // namespace mirrorsim::sim
