// The swarm options of a generated case: which whole features the
// generator switched on or off for it, drawn first, before anything else of
// the case, and then obeyed by every later draw (TigerBeetle's VOPR draws
// `options_swarm` the same way). A campaign whose cases each leave whole
// features out finds combinations that one mixing every feature a little
// in every case does not.
//
// The options are a plain value, recorded with the case: in its scenario
// file (the [swarm] table, informational: a run never reads it, the case's
// own keys say what runs), in the run report, and per failure and per
// feature in a campaign's summary.json, so that a reader can ask which
// features a bug needs (a shrunk case has its shrunk options).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mirror_params.h"

namespace mirrorsim::scenarios {

struct SwarmOptions {
  bool cow = false;             // target clusters larger than the granularity (COW)
  bool faults = false;          // fault rules on the source and the target
  bool faults_end = false;      // faults: open rules, and each faulty disk's faults end
  bool write_blocking = false;  // copy mode write-blocking from the start
  bool switch_mode = false;     // a write_blocking command while the job runs
  bool pause = false;           // a pause, then a resume
  bool speed = false;           // a rate limit, lifted later by set_speed
  bool cancel = false;          // the job ends by cancel or force_cancel, not complete
  bool unaligned = false;       // disk length not a multiple of the chunk or cluster
  bool old_target = false;      // the target starts with stale data
  bool small_buffer = false;    // buf_size of a few chunks
  bool zero_length = false;     // disks of length 0
  bool mismatch = false;        // target length differs: the job must refuse to start
  bool jitter = false;          // seeded latency jitter on source and target
  bool bursts = false;          // guest requests in bursts
  bool steady = false;          // a steady generated guest workload (write-blocking only)
  bool raw_target = false;      // a raw target (no clusters) when there is no COW
  // An unkind world (sim/disks/sim_disk.h). Drawn after the rest of the
  // case, so that the other switches and every other draw are what they were
  // before these existed.
  bool split_io = false;          // io_model "split" on the source, the target or both
  bool late_completions = false;  // completion delays on the source, the target or both
  bool reorder = false;           // late completions, each request drawing its own delay
  bool torn_faults = false;       // failing writes, zero writes and discards land in part
  // Durability: drawn after the unkind switches, for the same reason.
  bool write_cache = false;  // a volatile write cache on the target, the source or both
  bool guest_flush = false;  // the guest flushes after every few writes
  bool power_loss = false;   // a power_loss command at a drawn time
  // State before the job: drawn last of all, for the same reason.
  bool prefill = false;  // [[prefill]] writes to the source or its backing
  engine::SyncMode sync = engine::SyncMode::kFull;

  bool operator==(const SwarmOptions&) const = default;
};

// One on/off switch of SwarmOptions, with its name in files and reports.
struct SwarmSwitch {
  std::string_view name;
  bool SwarmOptions::*member;
  std::string_view meaning;
  // False for switches newer than the cases already saved: a [swarm] table
  // then holds them only when on, so a case without them is written byte
  // for byte as before.
  bool written_when_off = true;
};

// Every switch, in the order the generator draws them (sync comes last).
std::span<const SwarmSwitch> swarm_switches();

// The features a case counts under in a campaign summary: the name of each
// switch that is on, then "sync=<mode>" ("cow", "faults", "sync=top").
std::vector<std::string> swarm_labels(const SwarmOptions& options);
// Every label any case can count under, switches first, in a fixed order.
std::vector<std::string> all_swarm_labels();
// The options whose labels are `labels` (as swarm_labels gives them); nullopt
// for an unknown label or a missing or repeated sync.
std::optional<SwarmOptions> swarm_from_labels(std::span<const std::string> labels);

// The switch called `name`; nullptr for an unknown name.
const SwarmSwitch* find_swarm_switch(std::string_view name);
// Turns these switches off (`mutants --without`). REQUIRES: known names.
void switch_off(SwarmOptions& options, std::span<const std::string> names);

// "cow faults pause; sync full" (or "none on; sync top"): one line for reports.
std::string describe_swarm(const SwarmOptions& options);

}  // namespace mirrorsim::scenarios
