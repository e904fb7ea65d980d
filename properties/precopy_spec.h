// docs/algorithms.md's numbers and rules for precopy (iterative pre-copy),
// stated here for the oracles on their own (as properties/mirror_spec.h
// states MIRROR.md's). Nothing here includes engine/: an oracle that took
// its limits from the engine would move with it. tests/precopy_test.cc pins
// the engine's resolution to these.
#pragma once

#include <cstdint>
#include <string_view>

#include "properties/mirror_spec.h"

namespace mirrorsim::properties::spec::precopy {

// "region_bytes (the dirty block): 0 (64 KiB) or a power of two from 512 B
// to 64 MiB".
inline constexpr std::uint64_t kDefaultBlockBytes = 64 * kKiB;
// "max_copy_ops: 0 (4) or 1 to 64".
inline constexpr std::uint32_t kDefaultCopyOps = 4;
// "switch_bytes: 0 (16 blocks' worth)".
inline constexpr std::uint64_t kDefaultSwitchBlocks = 16;
// "max_passes: 0 (8) or 1 to 1000".
inline constexpr std::uint32_t kDefaultMaxPasses = 8;
// Rule 5: a job that aborts at the downtime limit fails with a message
// that begins so, before READY, with no I/O error and no pivot.
inline constexpr std::string_view kDowntimeAbortPrefix = "precopy: the downtime limit";
// Rule 5: READY means converged, not in sync (up to switch_bytes, or more
// when forced, are still dirty): the target equals the source only at the
// pivot or at the end of a soft cancel.
inline constexpr bool kReadyMeansInSync = false;
// Rule 7: complete pauses the guest for the switch-over.
inline constexpr bool kPausesGuestAtSwitch = true;

// The dirty block: `requested` (0: the default), raised to one target
// cluster when the target zero-fills fresh clusters (its backing is named
// but not attached).
std::uint64_t block_bytes(std::uint64_t requested_bytes, const TargetAtStart& target);
// Copy ops in flight at most.
std::uint32_t max_copy_ops(std::uint32_t requested);
// Copy buffer in use at most: each op holds one block.
std::uint64_t buffer_bytes(std::uint64_t block_bytes, std::uint32_t max_copy_ops);
// The switch-over threshold and the passes before READY at most.
std::uint64_t switch_bytes(std::uint64_t requested_bytes, std::uint64_t block_bytes);
std::uint32_t max_passes(std::uint32_t requested);

}  // namespace mirrorsim::properties::spec::precopy
