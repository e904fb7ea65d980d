// Which Scenario values are valid, said once for files and for generators.
//
// check_scenario() returns the first problem it finds, naming the key path
// a file would use ("target.length_bytes", "faults[2].probability",
// "workload.phases[0].duration_us") with what is wrong and what is allowed.
// The loader turns a problem into a ScenarioError at that key's line;
// generators (properties/) may call it to keep only valid scenarios.
//
// Source and target may differ in length: such a scenario is valid, and the
// job must refuse to start (the state-machine property checks that), so a
// generated case that tests the refusal saves and loads like any other.
//
// Beyond the per-field ranges documented in scenario.h, a valid scenario has:
// a [base] disk whenever a disk names a backing image, and
// only cluster disks have backing images; a base with no backing of its own;
// every bug name known to the caller, none twice; fault ranges inside their
// disk; set_speed commands and only they carrying a speed; a trace file that
// exists and whose every row is valid for the source disk.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "sim/disks/disk_options.h"

namespace mirrorsim::scenarios {

// Limits shared by the checker and the loader.
inline constexpr std::uint64_t kMaxDiskBytes = sim::kDiskMaxBytes;  // 1 PiB
inline constexpr std::uint64_t kMaxTimeUs = sim::kMaxWorkloadTimeUs;
// Granularity limits are the engine's: engine::kGranularityMinBytes and
// engine::kGranularityMaxBytes (engine/limits.h).
inline constexpr std::uint64_t kMinClusterBytes = sim::kClusterMinBytes;  // 512 B
inline constexpr std::uint64_t kMaxClusterBytes = sim::kClusterMaxBytes;  // 2 MiB
inline constexpr std::uint64_t kDefaultClusterBytes = 64 * kKiB;
inline constexpr std::uint32_t kMaxQueueDepth = sim::kMaxQueueDepth;  // 4096
inline constexpr double kMaxTimeScale = 1e6;                          // a trace's time_scale

// A key set from the command line (`--set path=value`; scenario_overrides.h).
struct KeyOverride {
  std::string path;   // "target.cluster_bytes", "faults[0].errno"
  std::string value;  // the text after '=', as given

  bool operator==(const KeyOverride&) const = default;
};

struct LoadOptions {
  // Names mirror.bugs may list (the engine's catalogue). Empty: none.
  std::vector<std::string> known_bugs;
  // Read a trace workload's file and check every row (else only that it exists).
  bool check_trace_rows = true;
  // Where the loader sends its notes: one line each, without a newline, like
  // "a.toml:7: note: key 'length' is deprecated; write 'length_bytes'" (one
  // per old key name per file). Empty: they are printed to stderr. Notes
  // never make a load fail.
  std::function<void(const std::string& line)> note = nullptr;
  // Applied to the file's keys, in order, before any is read.
  std::vector<KeyOverride> overrides = {};
};

struct ScenarioProblem {
  std::string key;      // key path, as in a file
  std::string what;     // what is wrong
  std::string allowed;  // what would be accepted
};

std::optional<ScenarioProblem> check_scenario(const Scenario& scenario,
                                              const LoadOptions& options = {});

}  // namespace mirrorsim::scenarios
