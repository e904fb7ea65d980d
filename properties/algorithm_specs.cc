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

// The three algorithms with a copy unit: its size, max_copy_ops of them in
// flight, one unit per op; each states its own rule for each.
struct UnitRules {
  std::uint64_t (*unit_bytes)(std::uint64_t requested_bytes, const spec::TargetAtStart& target);
  std::uint32_t (*max_copy_ops)(std::uint32_t requested);
  std::uint64_t (*buffer_bytes)(std::uint64_t unit_bytes, std::uint32_t max_copy_ops);
};

AlgorithmSpec unit_spec(const UnitRules& rules, const scenarios::MirrorSpec& mirror,
                        const spec::TargetAtStart& target) {
  AlgorithmSpec a;
  a.copy_unit_bytes = rules.unit_bytes(mirror.region_bytes, target);
  a.max_op_bytes = a.copy_unit_bytes;
  a.max_in_flight_ops = rules.max_copy_ops(mirror.max_copy_ops);
  a.buffer_bytes = rules.buffer_bytes(a.copy_unit_bytes, a.max_in_flight_ops);
  return a;
}

}  // namespace

// The table: one case per algorithm, each from its own spec header.
AlgorithmSpec algorithm_spec(const scenarios::MirrorSpec& mirror,
                             const spec::TargetAtStart& target) {
  namespace io = spec::io_mirror;
  namespace snap = spec::snapshot;
  namespace pre = spec::precopy;
  const bool zero_fills = fills_fresh_clusters_with_zeroes(target);
  AlgorithmSpec a;
  switch (mirror.algorithm) {
    case engine::Algorithm::kQemu:
      return qemu_spec(mirror, target);
    case engine::Algorithm::kIoMirror:
      a = unit_spec({io::region_bytes, io::max_copy_ops, io::buffer_bytes}, mirror, target);
      a.mirrors_guest_writes = io::kMirrorsGuestWrites;
      a.pauses_guest_at_switch = io::kPausesGuestAtSwitch;
      a.whole_clusters = zero_fills;
      return a;
    case engine::Algorithm::kSnapshot:
      a = unit_spec({snap::block_bytes, snap::max_copy_ops, snap::buffer_bytes}, mirror, target);
      a.max_passes = snap::max_passes(mirror.max_passes);
      a.pass_name = "rounds";
      a.steady_guest_whole_disk_recopies = *a.max_passes + 1;
      a.whole_clusters = zero_fills;
      a.reads_block_aside_before_write = snap::kReadsBlockAsideBeforeWrite;
      a.ready_means_in_sync = snap::kReadyMeansInSync;
      a.pauses_guest_at_switch = snap::kPausesGuestAtSwitch;
      return a;
    case engine::Algorithm::kPrecopy:
      // A block already covers whole clusters; guest writes never reach the target.
      a = unit_spec({pre::block_bytes, pre::max_copy_ops, pre::buffer_bytes}, mirror, target);
      a.max_passes = pre::max_passes(mirror.max_passes);
      a.whole_disk_recopies = *a.max_passes;
      a.downtime_abort_allowed =
          mirror.max_downtime_us > 0 && mirror.on_downtime_limit == engine::DowntimeAction::kAbort;
      a.ready_means_in_sync = pre::kReadyMeansInSync;
      a.pauses_guest_at_switch = pre::kPausesGuestAtSwitch;
      return a;
  }
  return qemu_spec(mirror, target);  // not reached: every Algorithm is a case above
}

}  // namespace mirrorsim::properties
