#include "properties/io_mirror_spec.h"

namespace mirrorsim::properties::spec::io_mirror {

std::uint64_t region_bytes(std::uint64_t requested_bytes, const TargetAtStart& target) {
  const std::uint64_t region = requested_bytes == 0 ? kDefaultRegionBytes : requested_bytes;
  const bool fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  return fills_zeroes && region < target.cluster_bytes ? target.cluster_bytes : region;
}

std::uint32_t max_copy_ops(std::uint32_t requested) {
  return requested == 0 ? kDefaultCopyOps : requested;
}

std::uint64_t buffer_bytes(std::uint64_t region_bytes, std::uint32_t max_copy_ops) {
  return region_bytes * max_copy_ops;
}

}  // namespace mirrorsim::properties::spec::io_mirror
