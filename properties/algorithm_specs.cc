// One entry per algorithm, each built from its own spec header only.
#include "properties/algorithm_specs.h"

#include <algorithm>

#include "properties/io_mirror_spec.h"
#include "properties/precopy_spec.h"
#include "properties/snapshot_spec.h"

namespace mirrorsim::properties {
namespace {

// A target that zero-fills the rest of a fresh cluster (its backing named
// but not attached) must be written whole clusters at a time.
bool fills_fresh_clusters_with_zeroes(const spec::TargetAtStart& target) {
  return target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
}

// MIRROR.md: the granularity, its buffer and ops, and the COW rule.
AlgorithmSpec qemu_spec(const scenarios::MirrorSpec& mirror, const spec::TargetAtStart& target) {
  AlgorithmSpec a;
  a.copy_unit_bytes = spec::granularity_bytes(mirror.granularity_bytes, target);
  a.whole_clusters = spec::cow(a.copy_unit_bytes, target);
  a.buffer_bytes = spec::buf_size_bytes(mirror.buf_size_bytes, a.copy_unit_bytes, target);
  a.max_op_bytes = std::min(spec::max_op_bytes(a.buffer_bytes, a.copy_unit_bytes), a.buffer_bytes);
  // Widened to whole clusters (the buffer holds at least one).
  if (a.whole_clusters) a.max_op_bytes = std::max(a.max_op_bytes, target.cluster_bytes);
  a.max_in_flight_ops = spec::kMaxInFlightOps;
  return a;
}

// The three algorithms with a copy unit, max_copy_ops and one unit per op.
void set_unit_and_ops(AlgorithmSpec& a, std::uint64_t unit_bytes, std::uint32_t ops,
                      std::uint64_t buffer_bytes) {
  a.copy_unit_bytes = unit_bytes;
  a.max_op_bytes = unit_bytes;
  a.max_in_flight_ops = ops;
  a.buffer_bytes = buffer_bytes;
}

AlgorithmSpec io_mirror_spec(const scenarios::MirrorSpec& mirror,
                             const spec::TargetAtStart& target) {
  namespace io = spec::io_mirror;
  AlgorithmSpec a;
  const std::uint64_t region = io::region_bytes(mirror.region_bytes, target);
  const std::uint32_t ops = io::max_copy_ops(mirror.max_copy_ops);
  set_unit_and_ops(a, region, ops, io::buffer_bytes(region, ops));
  a.whole_clusters = fills_fresh_clusters_with_zeroes(target);
  a.mirrors_guest_writes = io::kMirrorsGuestWrites;
  a.pauses_guest_at_switch = io::kPausesGuestAtSwitch;
  return a;
}

AlgorithmSpec snapshot_spec(const scenarios::MirrorSpec& mirror,
                            const spec::TargetAtStart& target) {
  namespace snap = spec::snapshot;
  AlgorithmSpec a;
  const std::uint64_t block = snap::block_bytes(mirror.region_bytes, target);
  const std::uint32_t ops = snap::max_copy_ops(mirror.max_copy_ops);
  set_unit_and_ops(a, block, ops, snap::buffer_bytes(block, ops));
  a.whole_clusters = fills_fresh_clusters_with_zeroes(target);
  a.reads_block_aside_before_write = snap::kReadsBlockAsideBeforeWrite;
  a.ready_means_in_sync = snap::kReadyMeansInSync;
  a.pauses_guest_at_switch = snap::kPausesGuestAtSwitch;
  a.max_passes = snap::max_passes(mirror.max_passes);
  a.pass_name = "rounds";
  a.steady_guest_whole_disk_recopies = *a.max_passes + 1;
  return a;
}

AlgorithmSpec precopy_spec(const scenarios::MirrorSpec& mirror, const spec::TargetAtStart& target) {
  namespace pre = spec::precopy;
  AlgorithmSpec a;
  const std::uint64_t block = pre::block_bytes(mirror.region_bytes, target);
  const std::uint32_t ops = pre::max_copy_ops(mirror.max_copy_ops);
  set_unit_and_ops(a, block, ops, pre::buffer_bytes(block, ops));
  a.ready_means_in_sync = pre::kReadyMeansInSync;
  a.pauses_guest_at_switch = pre::kPausesGuestAtSwitch;
  a.max_passes = pre::max_passes(mirror.max_passes);
  a.pass_name = "passes";
  a.whole_disk_recopies = *a.max_passes;
  a.downtime_abort_allowed =
      mirror.max_downtime_us > 0 && mirror.on_downtime_limit == engine::DowntimeAction::kAbort;
  return a;
}

}  // namespace

AlgorithmSpec algorithm_spec(const scenarios::MirrorSpec& mirror,
                             const spec::TargetAtStart& target) {
  switch (mirror.algorithm) {
    case engine::Algorithm::kQemu:
      return qemu_spec(mirror, target);
    case engine::Algorithm::kIoMirror:
      return io_mirror_spec(mirror, target);
    case engine::Algorithm::kSnapshot:
      return snapshot_spec(mirror, target);
    case engine::Algorithm::kPrecopy:
      return precopy_spec(mirror, target);
  }
  return qemu_spec(mirror, target);  // not reached: every Algorithm is a case above
}

}  // namespace mirrorsim::properties
