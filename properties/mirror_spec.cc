#include "properties/mirror_spec.h"

#include <algorithm>

namespace mirrorsim::properties::spec {

std::uint64_t granularity_bytes(std::uint64_t requested_bytes, const TargetAtStart& target) {
  if (requested_bytes != 0) return requested_bytes;
  if (target.cluster_bytes == 0) return kDefaultGranularityMaxBytes;
  return std::clamp(target.cluster_bytes, kDefaultGranularityMinBytes, kDefaultGranularityMaxBytes);
}

bool cow(std::uint64_t granularity_bytes, const TargetAtStart& target) {
  // A target that names a backing image it has not attached fills the rest
  // of a freshly allocated cluster with zeroes.
  const bool fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  return fills_zeroes && granularity_bytes < target.cluster_bytes;
}

std::uint64_t buf_size_bytes(std::uint64_t requested_bytes, std::uint64_t granularity_bytes,
                             const TargetAtStart& target) {
  const std::uint64_t asked = requested_bytes == 0 ? kDefaultBufSizeBytes : requested_bytes;
  std::uint64_t buf = (asked + granularity_bytes - 1) / granularity_bytes * granularity_bytes;
  if (cow(granularity_bytes, target)) buf = std::max(buf, target.cluster_bytes);
  return buf;
}

std::uint64_t max_op_bytes(std::uint64_t buf_size_bytes, std::uint64_t granularity_bytes) {
  const std::uint64_t cap =
      std::max({buf_size_bytes / kMaxInFlightOps, kMaxOpFloorBytes, granularity_bytes});
  return std::min(cap / granularity_bytes * granularity_bytes, granularity_bytes * kMaxIovPieces);
}

}  // namespace mirrorsim::properties::spec
