#include "scenarios/swarm_options.h"

#include <array>

#include "scenarios/scenario.h"

namespace mirrorsim::scenarios {
namespace {

constexpr std::string_view kSyncPrefix = "sync=";

constexpr std::array<SwarmSwitch, 25> kSwitches = {{
    {"cow", &SwarmOptions::cow, "the target's clusters are larger than the granularity (COW)"},
    {"faults", &SwarmOptions::faults, "fault rules on the source and the target"},
    {"faults_end", &SwarmOptions::faults_end,
     "fault rules without a window end; each faulty disk's faults end (faults_end_us)"},
    {"write_blocking", &SwarmOptions::write_blocking, "copy mode write-blocking from the start"},
    {"switch_mode", &SwarmOptions::switch_mode, "a write_blocking command while the job runs"},
    {"pause", &SwarmOptions::pause, "a pause, then a resume"},
    {"speed", &SwarmOptions::speed, "a rate limit, lifted later by set_speed"},
    {"cancel", &SwarmOptions::cancel, "the job ends by cancel or force_cancel, not complete"},
    {"unaligned", &SwarmOptions::unaligned,
     "the disk length is not a multiple of the chunk or cluster"},
    {"old_target", &SwarmOptions::old_target, "the target starts with stale data"},
    {"small_buffer", &SwarmOptions::small_buffer, "buf_size of a few chunks"},
    {"zero_length", &SwarmOptions::zero_length, "disks of length 0"},
    {"mismatch", &SwarmOptions::mismatch,
     "the target's length differs: the job must refuse to start"},
    {"jitter", &SwarmOptions::jitter, "seeded latency jitter on the source and the target"},
    {"bursts", &SwarmOptions::bursts, "guest requests come in bursts"},
    {"steady", &SwarmOptions::steady, "a steady generated guest workload (write-blocking only)"},
    {"raw_target", &SwarmOptions::raw_target, "a raw target (no clusters) when there is no COW"},
    {"split_io", &SwarmOptions::split_io, "io_model = \"split\" on the source, the target or both",
     false},
    {"late_completions", &SwarmOptions::late_completions,
     "a completion delay (up to 3 ms) on the source, the target or both", false},
    {"reorder", &SwarmOptions::reorder,
     "late completions with reorder = true: completions out of order", false},
    {"torn_faults", &SwarmOptions::torn_faults,
     "fault rules that fail writes, zero writes or discards are torn", false},
    {"write_cache", &SwarmOptions::write_cache,
     "write_cache = true on the target, the source or both", false},
    {"guest_flush", &SwarmOptions::guest_flush,
     "the guest flushes after every 1 to 5 writes, zero writes or discards", false},
    {"power_loss", &SwarmOptions::power_loss,
     "a power_loss command (host crash) at a drawn time or after READY", false},
    {"prefill", &SwarmOptions::prefill,
     "[[prefill]]: data written to the source or its backing before the job starts", false},
}};

}  // namespace

std::span<const SwarmSwitch> swarm_switches() {
  return kSwitches;
}

std::vector<std::string> swarm_labels(const SwarmOptions& options) {
  std::vector<std::string> labels;
  for (const SwarmSwitch& s : kSwitches) {
    if (options.*s.member) labels.emplace_back(s.name);
  }
  labels.push_back(std::string(kSyncPrefix) + std::string(name_of(options.sync)));
  return labels;
}

std::vector<std::string> all_swarm_labels() {
  std::vector<std::string> labels;
  for (const SwarmSwitch& s : kSwitches) labels.emplace_back(s.name);
  for (std::string_view mode : enum_names<engine::SyncMode>()) {
    labels.push_back(std::string(kSyncPrefix) + std::string(mode));
  }
  return labels;
}

std::optional<SwarmOptions> swarm_from_labels(std::span<const std::string> labels) {
  SwarmOptions options;
  bool have_sync = false;
  for (const std::string& label : labels) {
    if (label.starts_with(kSyncPrefix)) {
      const auto mode = parse_enum<engine::SyncMode>(label.substr(kSyncPrefix.size()));
      if (!mode || have_sync) return std::nullopt;
      options.sync = *mode;
      have_sync = true;
      continue;
    }
    bool known = false;
    for (const SwarmSwitch& s : kSwitches) {
      if (s.name != label) continue;
      options.*s.member = true;
      known = true;
    }
    if (!known) return std::nullopt;
  }
  if (!have_sync) return std::nullopt;
  return options;
}

const SwarmSwitch* find_swarm_switch(std::string_view name) {
  for (const SwarmSwitch& s : kSwitches) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void switch_off(SwarmOptions& options, std::span<const std::string> names) {
  for (const std::string& name : names) options.*find_swarm_switch(name)->member = false;
}

std::string describe_swarm(const SwarmOptions& options) {
  std::string on;
  for (const SwarmSwitch& s : kSwitches) {
    if (!(options.*s.member)) continue;
    if (!on.empty()) on += ' ';
    on += s.name;
  }
  return (on.empty() ? std::string("none on") : on) + "; sync " +
         std::string(name_of(options.sync));
}

}  // namespace mirrorsim::scenarios
