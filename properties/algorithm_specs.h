// One table of what each algorithm's specification says, for the oracles
// and the case estimates: its copy unit and limits (MIRROR.md for QEMU's
// job, docs/algorithms.md for the others) and the rules that set the
// algorithms apart. algorithm_spec() is the only place that picks a value
// by algorithm; every value comes from properties/*_spec.h, never from
// engine/: an oracle that took its limits from the engine would move with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "properties/mirror_spec.h"
#include "scenarios/scenario.h"

namespace mirrorsim::properties {

struct AlgorithmSpec;

// The spec of the job `mirror` asks for, on a target that is `target` when
// the job starts.
AlgorithmSpec algorithm_spec(const scenarios::MirrorSpec& mirror,
                             const spec::TargetAtStart& target);

// A value type: the spec of one job, as its scenario asks for it.
struct AlgorithmSpec {
  // The copy unit: QEMU's granularity, io-mirror's region, snapshot's and
  // pre-copy's block (each raised to a cluster where its rules say so).
  std::uint64_t copy_unit_bytes = 0;
  // The largest copy op holding data: QEMU's max op size, widened to whole
  // clusters under the COW rule; one unit for the others.
  std::uint64_t max_op_bytes = 0;
  // Background copy ops in flight at most, and copy buffer in use at most.
  std::uint32_t max_in_flight_ops = 0;
  std::uint64_t buffer_bytes = 0;
  // Copies and the guest writes they follow cover whole target clusters:
  // QEMU's COW rule; io-mirror and snapshot when the target zero-fills
  // fresh clusters; never pre-copy (its block already covers whole clusters
  // and guest writes never reach the target).
  bool whole_clusters = false;
  // Every guest write reaches the target as it is made (io-mirror).
  bool mirrors_guest_writes = false;
  // A guest write may first read a whole block aside (snapshot's
  // copy-before-write).
  bool reads_block_aside_before_write = false;
  // READY claims the target in sync; false: only the pivot does.
  bool ready_means_in_sync = true;
  // The guest is paused at the switch-over (snapshot, pre-copy).
  bool pauses_guest_at_switch = false;
  // The passes (pre-copy) or rounds (snapshot) before READY at most, and
  // what they are called; nullopt: no such bound.
  std::optional<std::uint32_t> max_passes;
  std::string_view pass_name = "passes";
  // For the case estimates (docs/algorithms.md, each algorithm's cost):
  // copies of the whole disk beyond the first that the passes before READY
  // and the switch-over may make (pre-copy rules 4 and 7: a guest that
  // wrote everywhere left it all dirty), and those that the rounds may
  // make under a steady guest rewriting the disk (snapshot: max_passes - 1
  // rounds before READY, then the rest of the running round and the last
  // written set).
  std::uint32_t whole_disk_recopies = 0;
  std::uint32_t steady_guest_whole_disk_recopies = 0;
  // A failure without an I/O error may be the downtime abort (pre-copy
  // rule 5, when the scenario sets a downtime limit that aborts).
  bool downtime_abort_allowed = false;
};

}  // namespace mirrorsim::properties
