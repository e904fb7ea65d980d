// Reading scenario files (TOML 1.0, parsed by toml++).
//
// The file format, section by section. The keys each table accepts come
// from the key table (scenario_keys.h), which `mirrorsim list keys` prints
// with units, defaults and allowed values (docs/scenario.md); sizes and
// times accept the unit strings of scenario_units.h:
//
//   name, description (strings), seed (integer, or a decimal string above 2^63-1)
//   [limits]   max_time_us, max_events
//   [source] [target] [base]   kind, length_bytes, cluster_bytes, backing,
//              backing_name, zero_init, discard_reads_zero, old_data,
//              capacity_bytes, latency_us, bandwidth_bytes_per_s, shared_bandwidth,
//              jitter_us, queue_depth, flush_latency_us, faults_end_us
//              ([base] is optional: the backing image that backing names)
//   [mirror]   sync (required), copy_mode, granularity_bytes, buf_size_bytes,
//              speed_bytes_per_s, on_source_error, on_target_error, unmap,
//              target_is_zero, bugs, start_us (the job starts then; the guest may run before)
//   [workload] kind = "none" | "generator" | "trace" (default: "trace" when a
//              trace key is present, else "generator"; no [workload] = "none")
//              trace:     trace (path, relative to the scenario file), format,
//                         time_scale, start_offset_us, loop, offset_shift_bytes, wrap
//              generator: rate_iops, arrival, burst_on_us, burst_off_us,
//                         size_bytes (a size, or [sizes] to pick from, or
//                         {min_bytes, max_bytes}), align_bytes, locality,
//                         hot_fraction, hot_share, hot_offset_bytes,
//                         zipf_theta, mix = {write, write_zeroes, discard, read}
//                         (weights; absent ones are 0), start_us, stop_us,
//                         max_requests, [[workload.phases]] duration_us, rate_iops
//   [[prefill]]  disk ("source" | "base"), op (write | write_zeroes | discard),
//                offset_bytes, length_bytes: written before anything runs
//   [[faults]]   disk, op, offset_bytes, length_bytes, from_us, to_us, after_n,
//                probability, once, errno
//   [[commands]] action, then at_us = <time>, or on_ready = true with delay_us;
//                speed_bytes_per_s (set_speed only)
//
// Keys with a unit end in it. The older names (length, cluster_size, speed,
// ...: renamed_keys() in scenario_keys.h) still load, as the new key, with
// one note per old key per file through LoadOptions::note (default: stderr):
//   "a.toml:7: note: key 'length' is deprecated; write 'length_bytes'"
// A table with both the old and the new name of a key is an error.
//
// Guarantees: a returned Scenario passes check_scenario(); its trace path is
// absolute. Any problem (TOML syntax, unknown key, wrong type, value out of
// range, inconsistent values, missing or malformed trace) throws a
// ScenarioError naming the file, the line and the key.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "scenarios/scenario.h"
#include "scenarios/scenario_check.h"

namespace mirrorsim::scenarios {

// A scenario file larger than this is refused before it is parsed (shrunk
// cases are a few KiB; the guest's requests live in a trace file).
inline constexpr std::size_t kMaxScenarioFileBytes = 1024 * 1024;

// Reads and checks a scenario file; a relative trace path is resolved
// against the file's folder. A file that cannot be read, is a directory, is
// empty or is larger than kMaxScenarioFileBytes (reading stops there, so
// /dev/zero fails at once) is a ScenarioError with key "file" and line 0.
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

// The same for text in memory. `source_name` names it in errors; a relative
// trace path is resolved against its folder (the current folder if none).
Scenario parse_scenario(std::string_view text, std::string_view source_name,
                        const LoadOptions& options = {});

}  // namespace mirrorsim::scenarios
