// MIRROR.md's numbers and parameter rules, stated here for the oracles on
// their own. Nothing here includes engine/: an oracle that took its limits
// from the engine's constants would move with the engine and check nothing.
// tests/mirror_spec_test.cc pins the engine's constants and its parameter
// resolution to these.
#pragma once

#include <cstdint>

namespace mirrorsim::properties::spec {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;

// "max in flight: 16 background ops at once (active writes do not count)".
inline constexpr std::uint32_t kMaxInFlightOps = 16;
// "buf-size: bytes of copy buffer. Default 16 MiB."
inline constexpr std::uint64_t kDefaultBufSizeBytes = 16 * kMiB;
// "max op size: ... at most max(buf-size/16, 1 MiB) bytes".
inline constexpr std::uint64_t kMaxOpFloorBytes = 1 * kMiB;
// "an op is capped by its iovec count (one buffer piece per granularity, at
// most 1024 pieces)": a rule of every profile (MIRROR.md, "Where QEMU's
// literal behaviour and a property disagree").
inline constexpr std::uint64_t kMaxIovPieces = 1024;
// "speed: ... 100 ms slices, allowance speed/10 per slice".
inline constexpr std::int64_t kRateSliceNs = 100'000'000;
// "granularity: power of two, 512 B .. 64 MiB. Default: target cluster size
// clamped to [4 KiB, 64 KiB]; 64 KiB when the target has no clusters."
inline constexpr std::uint64_t kGranularityMinBytes = 512;
inline constexpr std::uint64_t kGranularityMaxBytes = 64 * kMiB;
inline constexpr std::uint64_t kDefaultGranularityMinBytes = 4 * kKiB;
inline constexpr std::uint64_t kDefaultGranularityMaxBytes = 64 * kKiB;

// What the oracles need to know of the target when the job starts.
struct TargetAtStart {
  std::uint64_t cluster_bytes = 0;  // 0: no clusters
  bool backing_named = false;
  bool backing_attached = false;
};

// The granularity a job must use: `requested`, or the default (0 asks for it).
std::uint64_t granularity_bytes(std::uint64_t requested_bytes, const TargetAtStart& target);
// Start, rule 3: the COW bitmap is in use (whole clusters are copied).
bool cow(std::uint64_t granularity_bytes, const TargetAtStart& target);
// buf-size: the default for 0, rounded up to a multiple of the granularity,
// and at least one target cluster under the COW rule.
std::uint64_t buf_size_bytes(std::uint64_t requested_bytes, std::uint64_t granularity_bytes,
                             const TargetAtStart& target);
// The cap of one copy op holding data (never less than one chunk, at most
// kMaxIovPieces chunks), a whole number of chunks, before any COW widening.
std::uint64_t max_op_bytes(std::uint64_t buf_size_bytes, std::uint64_t granularity_bytes);

}  // namespace mirrorsim::properties::spec
