// Limits and defaults of the mirror job, in one place, with their relations
// checked at compile time. Units are the last word of each name.
#pragma once

#include <cstdint>

#include "engine/block_device.h"
#include "engine/runtime.h"

namespace mirrorsim::engine {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;

// Granularity: bytes per dirty-bitmap bit.
constexpr std::uint64_t kGranularityMinBytes = kSectorSize;
constexpr std::uint64_t kGranularityMaxBytes = 64 * kMiB;
// Default granularity: the target's cluster size clamped to this range, or
// the maximum when the target has no clusters.
constexpr std::uint64_t kDefaultGranularityMinBytes = 4 * kKiB;
constexpr std::uint64_t kDefaultGranularityMaxBytes = 64 * kKiB;

// Copy buffer shared by the background ops.
constexpr std::uint64_t kDefaultBufferBytes = 16 * kMiB;

// Background copy ops in flight at once (active writes do not count).
constexpr std::uint32_t kMaxInFlightOps = 16;

// A copy op holding data is at most max(buf-size / kMaxInFlightOps, this).
constexpr std::uint64_t kMaxIoFloorBytes = 1 * kMiB;

// A copy op holds one buffer piece per chunk in an I/O vector of at most
// this many pieces (QEMU's IOV_MAX, s->max_iov in mirror_co_read()), so it
// is at most granularity x this many bytes before any COW widening.
constexpr std::uint64_t kMaxIovPieces = 1024;

// Rate limiting and idle polling work in slices of this length.
constexpr TimeNs kSliceNs = 100 * kNsPerMs;

// A job sleeping off its rate limit looks for commands this often.
constexpr TimeNs kThrottlePollNs = kSliceNs / 10;

// io-mirror, snapshot and pre-copy (docs/algorithms.md): the copy unit a
// job may ask for (region_bytes: io-mirror's locked region, snapshot's and
// pre-copy's block) and a cap on its copy ops in flight (max_copy_ops).
constexpr std::uint64_t kCopyUnitMinBytes = kSectorSize;
constexpr std::uint64_t kCopyUnitMaxBytes = 64 * kMiB;
constexpr std::uint32_t kMaxCopyOpsLimit = 64;

// Single-pass IO mirroring's defaults (snapshot's too): the region and the
// copy ops in flight at once.
constexpr std::uint64_t kIoMirrorDefaultRegionBytes = 1 * kMiB;
constexpr std::uint32_t kIoMirrorDefaultCopyOps = 4;

// Snapshot and pre-copy: a cap on the passes a scenario may ask for.
constexpr std::uint32_t kMaxPassesLimit = 1000;

// Snapshot-based migration (docs/algorithms.md): with switch_bytes 0 the
// rounds stop once a round's written set is at most this many blocks; with
// max_passes 0 after this many rounds.
constexpr std::uint64_t kSnapshotDefaultSwitchBlocks = 16;
constexpr std::uint32_t kSnapshotDefaultMaxPasses = 8;

static_assert(kCopyUnitMinBytes <= kIoMirrorDefaultRegionBytes);
static_assert(kIoMirrorDefaultRegionBytes <= kCopyUnitMaxBytes);
static_assert(kIoMirrorDefaultCopyOps >= 1 && kIoMirrorDefaultCopyOps <= kMaxCopyOpsLimit);
static_assert(kSnapshotDefaultMaxPasses >= 1 && kSnapshotDefaultMaxPasses <= kMaxPassesLimit);
static_assert(kThrottlePollNs > 0 && kSliceNs % kThrottlePollNs == 0);
static_assert((kGranularityMinBytes & (kGranularityMinBytes - 1)) == 0);
static_assert((kGranularityMaxBytes & (kGranularityMaxBytes - 1)) == 0);
static_assert(kGranularityMinBytes <= kDefaultGranularityMinBytes);
static_assert(kDefaultGranularityMinBytes <= kDefaultGranularityMaxBytes);
static_assert(kDefaultGranularityMaxBytes <= kGranularityMaxBytes);
static_assert(kDefaultBufferBytes % kDefaultGranularityMaxBytes == 0);
static_assert(kMaxIoFloorBytes % kDefaultGranularityMaxBytes == 0);

}  // namespace mirrorsim::engine
