// docs/algorithms.md's numbers and rules for snapshot, stated here for the
// oracles on their own (as properties/io_mirror_spec.h states io-mirror's).
// Nothing here includes engine/: an oracle that took its limits from the
// engine would move with it. tests/snapshot_test.cc pins the engine's
// resolution to these.
#pragma once

#include <cstdint>

#include "properties/mirror_spec.h"

namespace mirrorsim::properties::spec::snapshot {

// "region_bytes: 0 (1 MiB) or a power of two from 512 B to 64 MiB" (the
// delta block), raised to one target cluster as io-mirror's region is.
inline constexpr std::uint64_t kDefaultBlockBytes = 1 * kMiB;
// "max_copy_ops: 0 (4) or 1 to 64".
inline constexpr std::uint32_t kDefaultCopyOps = 4;
// "switch_bytes: 0 (16 blocks)"; "max_passes: 0 (8) or 1 to 1000".
inline constexpr std::uint64_t kDefaultSwitchBlocks = 16;
inline constexpr std::uint32_t kDefaultMaxPasses = 8;
// "READY: the written set is small enough to switch over (rounds go on
// until complete); the last written set is still owed":
// the target is in sync only at the pivot, so the durable comparison is
// made there, not at READY (the flush before READY is still owed).
inline constexpr bool kReadyMeansInSync = false;
// "The guest is paused at the switch-over".
inline constexpr bool kPausesGuestAtSwitch = true;
// Rule 2: a guest write to a block the round has still to copy first
// reads that block's old data aside (copy-before-write).
inline constexpr bool kReadsBlockAsideBeforeWrite = true;

// The block a job copies: `requested` (0: the default), raised to one target
// cluster when the target zero-fills fresh clusters.
std::uint64_t block_bytes(std::uint64_t requested_bytes, const TargetAtStart& target);
// Copy ops in flight at most.
std::uint32_t max_copy_ops(std::uint32_t requested);
// Copy buffer in use at most: each op holds one block (the store of old
// data read aside is not copy buffer: it holds at most one round's set).
std::uint64_t buffer_bytes(std::uint64_t block_bytes, std::uint32_t max_copy_ops);
// The written set at or below which the rounds stop.
std::uint64_t switch_bytes(std::uint64_t requested_bytes, std::uint64_t block_bytes);
// The rounds after which they stop whatever is left.
std::uint32_t max_passes(std::uint32_t requested);

}  // namespace mirrorsim::properties::spec::snapshot
