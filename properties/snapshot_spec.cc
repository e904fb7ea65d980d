#include "properties/snapshot_spec.h"

namespace mirrorsim::properties::spec::snapshot {

std::uint64_t block_bytes(std::uint64_t requested_bytes, const TargetAtStart& target) {
  const std::uint64_t block = requested_bytes == 0 ? kDefaultBlockBytes : requested_bytes;
  const bool fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  return fills_zeroes && block < target.cluster_bytes ? target.cluster_bytes : block;
}

std::uint32_t max_copy_ops(std::uint32_t requested) {
  return requested == 0 ? kDefaultCopyOps : requested;
}

std::uint64_t buffer_bytes(std::uint64_t block_bytes, std::uint32_t max_copy_ops) {
  return block_bytes * max_copy_ops;
}

std::uint64_t switch_bytes(std::uint64_t requested_bytes, std::uint64_t block_bytes) {
  return requested_bytes == 0 ? kDefaultSwitchBlocks * block_bytes : requested_bytes;
}

std::uint32_t max_passes(std::uint32_t requested) {
  return requested == 0 ? kDefaultMaxPasses : requested;
}

}  // namespace mirrorsim::properties::spec::snapshot
