// docs/algorithms.md's numbers and rules for io-mirror, stated here for the
// oracles on their own (as properties/mirror_spec.h states MIRROR.md's).
// Nothing here includes engine/: an oracle that took its limits from the
// engine would move with it. tests/io_mirror_test.cc pins the engine's
// resolution to these.
#pragma once

#include <cstdint>

#include "properties/mirror_spec.h"

namespace mirrorsim::properties::spec::io_mirror {

// "region_bytes: 0 (1 MiB) or a power of two from 512 B to 64 MiB".
inline constexpr std::uint64_t kDefaultRegionBytes = 1 * kMiB;
// "max_copy_ops: 0 (4) or 1 to 64".
inline constexpr std::uint32_t kDefaultCopyOps = 4;
// "a write ahead of the cursor adds no work, and one behind it is
// mirrored": every guest write behind the cursor reaches the target too.
inline constexpr bool kMirrorsGuestWrites = true;
// "No guest pause at the switch-over".
inline constexpr bool kPausesGuestAtSwitch = false;

// The region a job copies and locks: `requested` (0: the default), raised
// to one target cluster when the target zero-fills fresh clusters (its
// backing is named but not attached).
std::uint64_t region_bytes(std::uint64_t requested_bytes, const TargetAtStart& target);
// Copy ops in flight at most.
std::uint32_t max_copy_ops(std::uint32_t requested);
// Copy buffer in use at most: each op holds at most one region.
std::uint64_t buffer_bytes(std::uint64_t region_bytes, std::uint32_t max_copy_ops);

}  // namespace mirrorsim::properties::spec::io_mirror
