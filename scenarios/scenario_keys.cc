#include "scenarios/scenario_keys.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "scenarios/scenario.h"
#include "scenarios/scenario_check.h"
#include "scenarios/scenario_format.h"
#include "scenarios/scenario_units.h"
#include "sim/guest/trace.h"

namespace mirrorsim::scenarios {
namespace {

// Choice values as a file writes them: "a", "b", "c".
template <typename Enum>
std::string quoted_names() {
  std::string out;
  for (std::string_view name : enum_names<Enum>()) {
    out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", name);
  }
  return out;
}

// Named values as a file writes them: all of them, or the one for `value`.
template <typename T>
std::string quoted_names(std::span<const NamedValue<T>> names) {
  std::string out;
  for (const NamedValue<T>& n : names) {
    out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", n.name);
  }
  return out;
}

std::string bytes_text(std::uint64_t bytes) {
  if (auto unit = size_with_unit(bytes)) return *unit;
  return fmt::format("{} bytes", bytes);
}

const std::string kTimeRange = fmt::format("0 to {} us", kMaxTimeUs);
const std::string kSectorMultiple = "a multiple of 512";

std::vector<KeyInfo> build() {
  using T = KeyTable;
  const Scenario s;
  const DiskSpec d;
  const MirrorSpec m;
  const sim::WorkloadParams w;
  const FaultSpec f;
  const std::string max_disk = bytes_text(kMaxDiskBytes);
  const std::string time_forms = "a time (see Units)";
  std::vector<KeyInfo> k = {
      // The top level.
      {T::kTop, "name", "string", "", toml_string(s.name), "", "any text",
       "the scenario's name, shown in reports"},
      {T::kTop, "description", "string", "", toml_string(s.description), "", "any text",
       "what the scenario is about, shown in reports"},
      {T::kTop, "seed", "integer", "", toml_count(s.seed), "",
       "0 to 18446744073709551615 (above 9223372036854775807 as a string of digits)",
       "the run seed: every random stream of the run (jitter, faults, guest) derives from it"},
      {T::kTop, "limits", "table", "", "", "every key at its default", "[limits]",
       "when a run is cut short"},
      {T::kTop, "source", "table", "", "", "every key at its default", "[source]",
       "the disk the guest uses and the job copies from"},
      {T::kTop, "target", "table", "", "", "every key at its default", "[target]",
       "the disk the job copies to"},
      {T::kTop, "base", "table", "", "", "none", "[base]",
       "the backing image that source and target backing name"},
      {T::kTop, "mirror", "table", "", "", "required", "[mirror]", "the job's parameters"},
      {T::kTop, "workload", "table", "", "", "no [workload]: the guest does nothing", "[workload]",
       "what the guest does while the job runs"},
      {T::kTop, "prefill", "array of tables", "", "[]", "", "[[prefill]] sections",
       "writes to the source or the base made before the run starts, in file order"},
      {T::kTop, "faults", "array of tables", "", "[]", "", "[[faults]] sections",
       "injected I/O errors, as rules evaluated in file order"},
      {T::kTop, "commands", "array of tables", "", "[]", "none: the job completes on READY",
       "[[commands]] sections",
       "management commands; without a complete or cancel, an implicit complete on READY"},
      {T::kTop, "swarm", "table", "", "", "none", "[swarm]",
       "how the generator drew a generated case (informational: a run does not read it)"},

      // [limits]
      {T::kLimits, "max_time_us", "time", "us", toml_time(s.limits.max_time_us), "",
       fmt::format("1 to {} us", kMaxTimeUs), "virtual time after which the run is stopped"},
      {T::kLimits, "max_events", "integer", "", toml_count(s.limits.max_events), "", "at least 1",
       "simulation events after which the run is stopped"},

      // [source] [target] [base]
      {T::kDisk, "kind", "choice", "", toml_name(d.kind), "", quoted_names<DiskKind>(),
       "a raw disk, or a cluster disk (allocation in clusters, may have a backing image)"},
      {T::kDisk, "length_bytes", "size", "bytes", toml_size(d.length_bytes), "",
       fmt::format("{}, at most {}; 0 allowed", kSectorMultiple, max_disk),
       "the disk's length; source and target may differ (the job must then refuse to start)"},
      {T::kDisk, "cluster_bytes", "size", "bytes", toml_size(kDefaultClusterBytes),
       "on cluster disks; raw disks: 0",
       fmt::format("raw: 0; cluster: a power of two, {} to {}", bytes_text(kMinClusterBytes),
                   bytes_text(kMaxClusterBytes)),
       "the allocation unit of a cluster disk"},
      {T::kDisk, "backing", "choice", "", toml_name(d.backing), "", quoted_names<Backing>(),
       "\"attached\": reads fall through to [base] from the start; \"at-pivot\": [base] is "
       "attached when the job pivots. Cluster disks only; not on [base]"},
      {T::kDisk, "backing_name", "string", "", toml_string("base"), "with a backing; without: \"\"",
       "\"base\" with a backing, \"\" without", "the disk that backs this one"},
      {T::kDisk, "zero_init", "boolean", "", toml_bool(d.zero_init), "", "true, false",
       "a new disk reads as zeroes"},
      {T::kDisk, "discard_reads_zero", "boolean", "", toml_bool(d.discard_reads_zero), "",
       "true, false", "discarded ranges then read as zeroes"},
      {T::kDisk, "old_data", "boolean", "", toml_bool(d.old_data), "",
       "true only with zero_init = false",
       "the disk starts with content: stale data on a target, data to copy on a source or base"},
      {T::kDisk, "capacity_bytes", "size", "bytes", toml_size(d.capacity_bytes), "",
       fmt::format("0 (unlimited) or {}", kSectorMultiple),
       "a thin disk: writes fail with ENOSPC once allocation would pass this"},
      {T::kDisk, "latency_us", "time", "us", toml_time(d.latency_us), "", kTimeRange,
       "the fixed part of every request's latency"},
      {T::kDisk, "bandwidth_bytes_per_s", "size", "bytes/s", toml_size(d.bandwidth_bytes_per_s), "",
       "0 (instant) or any size", "transfer rate of reads and writes"},
      {T::kDisk, "shared_bandwidth", "boolean", "", toml_bool(d.shared_bandwidth), "",
       "true, false",
       "true: one channel shared by the requests in flight, as a real device's; false: each "
       "request at full rate (a disk then moves up to queue_depth times its bandwidth)"},
      {T::kDisk, "jitter_us", "time", "us", toml_time(d.jitter_us), "", kTimeRange,
       "extra latency, uniform in [0, jitter_us], from the run seed"},
      {T::kDisk, "queue_depth", "integer", "", toml_count(d.queue_depth), "",
       fmt::format("1 to {}", kMaxQueueDepth), "requests in service at once"},
      {T::kDisk, "flush_latency_us", "time", "us", toml_time(d.flush_latency_us), "", kTimeRange,
       "the latency of a flush"},
      {T::kDisk, "faults_end_us", "time", "us", "", "none: the faults never end", kTimeRange,
       "no request to this disk that starts at or after this time fails: the run ends with a "
       "fault-free phase, in which the job must still converge"},
      {T::kDisk, "io_model", "choice", "", toml_name(d.io_model), "",
       quoted_names<sim::IoModel>() + "; not on [base]",
       "where a request's data moves: \"atomic\": all of it when its service time ends; "
       "\"split\": in up to 4 seeded pieces (4 KiB boundaries; zero writes and discards at "
       "cluster boundaries), each at a seeded instant within the service time"},
      {T::kDisk, "completion_delay_us", "time", "us", toml_time(d.completion_delay_us), "",
       kTimeRange + "; not on [base]",
       "the caller learns of a request's end this long after its service time ends (its data "
       "has moved by then; other requests run in between)"},
      {T::kDisk, "reorder", "boolean", "", toml_bool(d.reorder), "",
       "true only with completion_delay_us > 0; not on [base]",
       "each request's completion delay is drawn uniform in [0, completion_delay_us] from the "
       "run seed, so completions may come in another order than their service ends"},
      {T::kDisk, "write_cache", "boolean", "", toml_bool(d.write_cache), "",
       "true, false; not on [base]",
       "a volatile write cache: what a write, zero write or discard landed survives a "
       "power_loss command only once a flush that started after the request completed has "
       "completed (FUA is not modelled)"},

      // [mirror]
      {T::kMirror, "sync", "choice", "", "", "required", quoted_names<SyncMode>(),
       "what the job copies: everything, the top layer above the backing, or only new writes"},
      {T::kMirror, "copy_mode", "choice", "", toml_name(m.copy_mode), "", quoted_names<CopyMode>(),
       "\"write-blocking\": guest writes are copied to the target before they complete"},
      {T::kMirror, "granularity_bytes", "size", "bytes", toml_size(m.granularity_bytes),
       "0 = the engine's default",
       fmt::format("0 or a power of two, {} to {}", bytes_text(engine::kGranularityMinBytes),
                   bytes_text(engine::kGranularityMaxBytes)),
       "the size of a dirty-bitmap chunk"},
      {T::kMirror, "buf_size_bytes", "size", "bytes", toml_size(m.buf_size_bytes),
       "0 = the engine's default, 16MiB", "any size", "the most data the job holds in flight"},
      {T::kMirror, "speed_bytes_per_s", "size", "bytes/s", toml_size(m.speed_bytes_per_s),
       "0 = unlimited", "any size", "the job's rate limit"},
      {T::kMirror, "on_source_error", "choice", "", toml_name(m.on_source_error), "",
       quoted_names<ErrorPolicy>(), "what a failed read of the source does to the job"},
      {T::kMirror, "on_target_error", "choice", "", toml_name(m.on_target_error), "",
       quoted_names<ErrorPolicy>(), "what a failed write to the target does to the job"},
      {T::kMirror, "unmap", "boolean", "", toml_bool(m.unmap), "", "true, false",
       "zero ranges may be discarded on the target"},
      {T::kMirror, "target_is_zero", "boolean", "", toml_bool(m.target_is_zero), "", "true, false",
       "the caller promises the target reads as zeroes"},
      {T::kMirror, "bugs", "list of strings", "", "[]", "",
       "names from `mirrorsim list bugs`, each once",
       "engine bugs to switch back on (the --bug flag adds more)"},
      {T::kMirror, "profile", "choice", "", toml_name(m.profile), "", quoted_names<Profile>(),
       "whose bookkeeping the engine follows: \"default\" is the correct engine, \"qemu-7.2\" "
       "follows v7.2.0 block/mirror.c to the letter (the --profile flag overrides it)"},
      {T::kMirror, "start_us", "time", "us", toml_time(m.start_us), "", kTimeRange,
       "the job starts at this time; guest requests and [[prefill]] before it are the "
       "source's content when it starts; commands given before it wait for it"},
      {T::kMirror, "algorithm", "choice", "", toml_name(m.algorithm), "", quoted_names<Algorithm>(),
       "the mirror algorithm (docs/algorithms.md): \"qemu\" is QEMU's mirror job, "
       "\"io-mirror\" single-pass IO mirroring (a copy cursor, region locking, writes behind "
       "the cursor mirrored synchronously), \"snapshot\" snapshot-based migration (copy a "
       "frozen image, then the blocks written meanwhile, round after round; the last round with "
       "the guest paused), \"precopy\" iterative pre-copy (a full pass, then passes over the "
       "blocks dirtied meanwhile; the rest with the guest paused); the three ignore copy_mode, "
       "granularity_bytes, buf_size_bytes, target_is_zero and profile"},
      {T::kMirror, "region_bytes", "size", "bytes", toml_size(m.region_bytes),
       "0 = the algorithm's default, 1MiB (precopy: 64KiB)",
       fmt::format("0 or a power of two, {} to {}", bytes_text(engine::kCopyUnitMinBytes),
                   bytes_text(engine::kCopyUnitMaxBytes)),
       "io-mirror, snapshot, precopy: the copy unit (io-mirror's locked region, snapshot's "
       "delta block, pre-copy's dirty block), raised to one target cluster when the target's "
       "backing is attached only at the pivot"},
      {T::kMirror, "max_copy_ops", "integer", "", toml_count(m.max_copy_ops),
       "0 = the algorithm's default, 4", fmt::format("0 to {}", engine::kMaxCopyOpsLimit),
       "io-mirror, snapshot, precopy: copy ops in flight at once"},
      {T::kMirror, "switch_bytes", "size", "bytes", toml_size(m.switch_bytes),
       "0 = the algorithm's default (precopy: 16 blocks' worth)", "0 or a multiple of 512 bytes",
       "snapshot, precopy: switch over (pause the guest and copy the rest) once what is left "
       "to copy is at most this"},
      {T::kMirror, "max_passes", "integer", "", toml_count(m.max_passes),
       "0 = the algorithm's default (precopy: 8)", fmt::format("0 to {}", engine::kMaxPassesLimit),
       "snapshot, precopy: switch over after this many passes (rounds) whatever is left"},
      {T::kMirror, "max_downtime_us", "time", "us", toml_time(m.max_downtime_us), "0 = no limit",
       kTimeRange,
       "precopy: the longest downtime the switch-over may need, estimated from what is left and "
       "the copy rate measured in the last pass"},
      {T::kMirror, "on_downtime_limit", "choice", "", toml_name(m.on_downtime_limit), "",
       quoted_names<DowntimeAction>(),
       "precopy: when the passes end with more left than max_downtime_us allows, \"force\" "
       "switches over anyway and \"abort\" fails the job without a pivot"},

      // [workload]
      {T::kWorkload, "kind", "choice", "", "",
       "\"trace\" when a trace key is present, else \"generator\"",
       "\"none\", \"generator\", \"trace\"",
       "how the guest's requests are made; a file without [workload] has none"},
      {T::kWorkload, "max_outstanding", "integer", "", toml_count(s.max_outstanding), "",
       fmt::format("1 to {}", kMaxMaxOutstanding),
       "the guest's cap on requests outstanding: in flight (at most 32, its queue depth) plus "
       "waiting behind them. Arrivals are open-loop (at their own times, whatever the disks "
       "do); one that finds this many outstanding pauses the arrival process until a request "
       "completes, and the run reports how often and how long"},

      // [workload], kind = "generator"
      {T::kGenerator, "rate_iops", "number", "requests/s", toml_real(w.rate_iops), "", "0 to 1e9",
       "the request rate while on (not used when phases are given)"},
      {T::kGenerator, "arrival", "choice", "", toml_name(w.arrival), "",
       quoted_names<sim::Arrival>(),
       "\"fixed\": requests exactly 1/rate apart; \"uniform\": uniform in [0, 2/rate)"},
      {T::kGenerator, "burst_on_us", "time", "us", toml_time(w.burst_on_us), "", kTimeRange,
       "bursts: on for this long, then off for burst_off_us, repeating"},
      {T::kGenerator, "burst_off_us", "time", "us", toml_time(w.burst_off_us), "0 = no bursts",
       "0, or with burst_on_us > 0 a time", "the quiet part of a burst period"},
      {T::kGenerator, "size_bytes", "size distribution", "bytes",
       toml_size(std::get<sim::FixedSize>(w.size).bytes), "",
       "a size; a list of up to 64 sizes to pick from; or { min_bytes, max_bytes }; each a "
       "multiple of 512, "
       "512 bytes to 1GiB",
       "request sizes"},
      {T::kGenerator, "align_bytes", "size", "bytes", toml_size(w.align_bytes), "",
       "a power of two, 512 bytes to 1GiB", "offsets are multiples of this"},
      {T::kGenerator, "locality", "choice", "", toml_name(w.locality), "",
       quoted_names<sim::Locality>(), "where requests land"},
      {T::kGenerator, "hot_fraction", "number", "", toml_real(w.hot_fraction), "",
       "greater than 0, at most 1", "hotspot: the share of the disk that is hot"},
      {T::kGenerator, "hot_share", "number", "", toml_real(w.hot_share), "", "0 to 1",
       "hotspot: the share of requests that go there"},
      {T::kGenerator, "hot_offset_bytes", "size", "bytes", toml_size(w.hot_offset_bytes), "",
       kSectorMultiple, "hotspot: where the hot region starts (moved back to fit the disk)"},
      {T::kGenerator, "zipf_theta", "number", "", toml_real(w.zipf_theta), "",
       "greater than 0, at most 10", "zipf: the exponent"},
      {T::kGenerator, "mix", "table", "", "{ write = 1 }", "write only", "see workload.mix",
       "relative weights of the operations"},
      {T::kGenerator, "phases", "array of tables", "", "[]", "", "up to 1024 phases",
       "stretches of time with rates of their own, one after another from start_us; the "
       "workload ends after the last"},
      {T::kGenerator, "start_us", "time", "us", toml_time(w.start_us), "", kTimeRange,
       "the time of the first request"},
      {T::kGenerator, "stop_us", "time", "us", toml_time(w.stop_us), "0 = no stop time",
       "0, or a time after start_us", "no request at or after this time"},
      {T::kGenerator, "max_requests", "integer", "", toml_count(w.max_requests), "0 = no limit",
       "any count", "stop after this many requests"},
      {T::kGenerator, "flush_every", "integer", "", toml_count(w.flush_every), "0 = no flushes",
       fmt::format("0 to {}", sim::kMaxFlushEvery),
       "a guest flush after every flush_every-th write, zero write or discard, at its instant "
       "(a write is acknowledged as durable once a flush issued after it completed succeeds)"},

      // [workload], kind = "trace"
      {T::kTrace, "trace", "string", "", "", "required",
       fmt::format("a path (relative to the scenario file) to a regular file of at most {} MiB",
                   sim::kMaxTraceFileBytes >> 20),
       "a CSV (time_us,op,offset,length; lines up to 1 MiB) or fio iolog v2/v3 file"},
      {T::kTrace, "format", "choice", "", toml_name(TraceWorkload{}.format), "",
       quoted_names<sim::TraceFormat>(), "\"auto\": fio when the first line says so, else CSV"},
      {T::kTrace, "time_scale", "number", "", toml_real(TraceWorkload{}.time_scale), "",
       "greater than 0, at most 1e6",
       "every request's time is multiplied by this: 0.5 replays "
       "twice as fast"},
      {T::kTrace, "start_offset_us", "time", "us", toml_time(0), "", kTimeRange,
       "added to every request's time (after time_scale)"},
      {T::kTrace, "loop", "boolean", "", toml_bool(false), "", "true, false",
       "the trace repeats until the job ends, each repetition 1 us after the previous one's "
       "last request"},
      {T::kTrace, "offset_shift_bytes", "size", "bytes", toml_size(0), "", kSectorMultiple,
       "added to every request's offset"},
      {T::kTrace, "scale_from_bytes", "size", "bytes", toml_size(0), "0 = no scaling",
       kSectorMultiple,
       "the length of the disk the trace was recorded on: offsets (after the shift) are scaled "
       "by the source's length over this, down to a multiple of 512, so the trace keeps its "
       "layout on a disk of another size; lengths are kept, and a request that would cross the "
       "end is moved back to end there"},
      {T::kTrace, "wrap", "boolean", "", toml_bool(false), "", "true, false",
       "offsets (after the shift) modulo the source's length; a request that would cross the "
       "end is moved back to end there, so a trace from a bigger disk fits"},

      // workload.size_bytes = { min_bytes, max_bytes }
      {T::kSizeRange, "min_bytes", "size", "bytes", "", "required",
       "a multiple of 512, 512 bytes to 1GiB", "the smallest request"},
      {T::kSizeRange, "max_bytes", "size", "bytes", "", "required",
       "as min_bytes, and at least min_bytes",
       "the largest request (every multiple of 512 in between equally likely)"},

      // workload.mix
      {T::kMix, "write", "number", "", toml_real(0), "when mix is given",
       "0 to 1e12; not all weights 0", "weight of writes"},
      {T::kMix, "write_zeroes", "number", "", toml_real(0), "when mix is given", "0 to 1e12",
       "weight of write-zeroes requests"},
      {T::kMix, "discard", "number", "", toml_real(0), "when mix is given", "0 to 1e12",
       "weight of discards"},
      {T::kMix, "read", "number", "", toml_real(0), "when mix is given", "0 to 1e12",
       "weight of reads"},

      // [[workload.phases]]
      {T::kPhase, "duration_us", "time", "us", "", "required", "a time above 0",
       "how long the phase lasts"},
      {T::kPhase, "rate_iops", "number", "requests/s", "", "required", "0 (quiet) to 1e9",
       "the phase's request rate"},

      // [[prefill]]
      {T::kPrefill, "disk", "choice", "", toml_name(Prefill{}.disk), "",
       quoted_names<PrefillDisk>() + "; \"base\" needs a [base]", "the disk written"},
      {T::kPrefill, "op", "choice", "", toml_name(Prefill{}.op), "", quoted_names<PrefillOp>(),
       "\"write\": fresh data; \"write_zeroes\", \"discard\" as a guest's would"},
      {T::kPrefill, "offset_bytes", "size", "bytes", "", "required",
       fmt::format("{}, inside the disk", kSectorMultiple), "where the write starts"},
      {T::kPrefill, "length_bytes", "size", "bytes", "", "required",
       fmt::format("{} above 0, inside the disk", kSectorMultiple), "how much is written"},

      // [[faults]]
      {T::kFault, "disk", "choice", "", toml_name(f.disk), "", "\"source\", \"target\"",
       "the disk whose requests fail (the base image's reads go through them)"},
      {T::kFault, "op", "choice", "", toml_named(fault_op_names(), f.rule.op), "",
       quoted_names(fault_op_names()), "the kind of request that fails"},
      {T::kFault, "offset_bytes", "size", "bytes", toml_size(f.rule.offset_bytes), "",
       fmt::format("{}, inside the disk", kSectorMultiple), "start of the failing range"},
      {T::kFault, "length_bytes", "size", "bytes", toml_rule_length(f.rule.length_bytes),
       "0 = to the end of the disk", fmt::format("{}, inside the disk", kSectorMultiple),
       "length of the failing range"},
      {T::kFault, "from_us", "time", "us", toml_rule_time(f.rule.from_ns), "", kTimeRange,
       "the rule's window starts"},
      {T::kFault, "to_us", "time", "us", toml_rule_time(f.rule.to_ns), "0 = no end",
       "0, or a time after from_us", "the rule's window ends (exclusive)"},
      {T::kFault, "after_n", "integer", "", toml_count(f.rule.after), "", "any count",
       "the first after_n matching requests pass"},
      {T::kFault, "probability", "number", "", toml_real(f.rule.probability), "", "0 to 1",
       "chance that a matching request fails (drawn from the fault stream)"},
      {T::kFault, "once", "boolean", "", toml_bool(f.rule.once), "", "true, false",
       "the rule fires at most once"},
      {T::kFault, "errno", "choice", "", toml_named(fault_errno_names(), f.rule.error), "",
       quoted_names(fault_errno_names()), "the error the request fails with"},
      {T::kFault, "torn", "boolean", "", toml_bool(f.rule.torn), "",
       "true only with op \"write\", \"write_zeroes\", \"discard\" or \"any\"",
       "a failing write, zero write or discard first lands a seeded subset of its pieces "
       "(allocating clusters), then reports its error; reads and flushes fail untorn"},

      // [[commands]]
      {T::kCommand, "action", "choice", "", "", "required", quoted_names<CommandKind>(),
       "the command"},
      {T::kCommand, "at_us", "time", "us", "", "at_us or on_ready is required", kTimeRange,
       "when the command is given"},
      {T::kCommand, "on_ready", "boolean", "", toml_bool(false), "", "true, false; not with at_us",
       "true: the command is given delay_us after the job's READY event"},
      {T::kCommand, "delay_us", "time", "us", toml_time(0), "", "a time; only with on_ready = true",
       "the delay after READY"},
      {T::kCommand, "speed_bytes_per_s", "size", "bytes/s", "", "required for set_speed",
       "0 (unlimited) or any size; set_speed only", "the new rate limit"},
      {T::kCommand, "mode", "choice", "", toml_name(Command{}.power_loss_mode), "",
       quoted_names<sim::PowerLossMode>() + "; power_loss only",
       "which volatile writes survive a power loss: \"any_subset\": each request's landed "
       "pieces kept or dropped together, a seeded coin per request (as CrashMonkey explores); "
       "\"in_order_prefix\": the first k requests in the order of their first landed piece, "
       "k seeded (a cache that writes back in order)"},

  };
  // [swarm]
  const SwarmOptions swarm;
  for (const SwarmSwitch& sw : swarm_switches()) {
    k.push_back({T::kSwarm, std::string(sw.name), "boolean", "", toml_bool(swarm.*sw.member), "",
                 "true, false", std::string(sw.meaning)});
  }
  k.push_back({T::kSwarm, "sync", "choice", "", toml_name(swarm.sync), "", quoted_names<SyncMode>(),
               "the sync mode the generator drew"});
  return k;
}

}  // namespace

std::span<const KeyInfo> scenario_keys() {
  static const std::vector<KeyInfo> keys = build();
  return keys;
}

std::vector<std::string_view> key_names(std::initializer_list<KeyTable> tables) {
  std::vector<std::string_view> names;
  for (KeyTable table : tables) {
    for (const KeyInfo& key : scenario_keys()) {
      if (key.table == table) names.push_back(key.key);
    }
  }
  return names;
}

std::span<const RenamedKey> renamed_keys() {
  using T = KeyTable;
  static constexpr std::array<RenamedKey, 15> kRenamed = {{
      {T::kDisk, "length", "length_bytes"},
      {T::kDisk, "cluster_size", "cluster_bytes"},
      {T::kDisk, "capacity", "capacity_bytes"},
      {T::kDisk, "bandwidth_bytes_s", "bandwidth_bytes_per_s"},
      {T::kMirror, "granularity", "granularity_bytes"},
      {T::kMirror, "buf_size", "buf_size_bytes"},
      {T::kMirror, "speed", "speed_bytes_per_s"},
      {T::kGenerator, "size", "size_bytes"},
      {T::kGenerator, "align", "align_bytes"},
      {T::kGenerator, "hot_offset", "hot_offset_bytes"},
      {T::kSizeRange, "min", "min_bytes"},
      {T::kSizeRange, "max", "max_bytes"},
      {T::kFault, "offset", "offset_bytes"},
      {T::kFault, "length", "length_bytes"},
      {T::kCommand, "speed", "speed_bytes_per_s"},
  }};
  return kRenamed;
}

std::vector<RenamedKey> renamed_keys(std::initializer_list<KeyTable> tables) {
  std::vector<RenamedKey> out;
  for (KeyTable table : tables) {
    for (const RenamedKey& r : renamed_keys()) {
      if (r.table == table) out.push_back(r);
    }
  }
  return out;
}

std::string_view key_table_title(KeyTable table) {
  static constexpr std::array<std::string_view, 14> kTitles = {
      "Top level",
      "[limits]",
      "[source] [target] [base]",
      "[mirror]",
      "[workload]",
      "[workload] with kind = \"generator\"",
      "[workload] with kind = \"trace\"",
      "workload.size_bytes = { min_bytes, max_bytes }",
      "workload.mix = { write, write_zeroes, discard, read }",
      "[[workload.phases]]",
      "[[prefill]]",
      "[[faults]]",
      "[[commands]]",
      "[swarm]"};
  return kTitles.at(static_cast<std::size_t>(table));
}

namespace {

// A Markdown table cell: '|' would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string code(std::string_view text) {
  return text.empty() ? "" : fmt::format("`{}`", text);
}

}  // namespace

std::string key_reference() {
  std::string out =
      "# Scenario file keys\n"
      "\n"
      "<!-- Generated by `mirrorsim list keys` from the loader's key table\n"
      "     (scenarios/scenario_keys.cc); do not edit. Regenerate with\n"
      "     `mirrorsim list keys > docs/scenario.md`. -->\n"
      "\n"
      "A scenario file is TOML 1.0 and defines one run. The loader accepts exactly\n"
      "these keys; any other key is an error that lists the allowed ones. A key\n"
      "left out takes its default. Errors are one line naming the file, the line\n"
      "and the key. A scenario file is at most 1 MiB. `tests/data/scenario_full.toml`\n"
      "sets every section in a run that uses each of them.\n"
      "\n"
      "## Units\n"
      "\n";
  out += fmt::format("- Sizes: {}.\n", kSizeForms);
  out += fmt::format("- Times: {}.\n", kTimeForms);
  out +=
      "- Files written by mirrorsim (saved failures) write every key, and mark those whose\n"
      "  value is not the default with `# differs from default (<default>)`; the newer\n"
      "  keys `io_model`, `completion_delay_us`, `reorder`, `write_cache`, `torn`,\n"
      "  `flush_every` and the [swarm] switches `split_io`, `late_completions`, `reorder`,\n"
      "  `torn_faults`, `write_cache`, `guest_flush`, `power_loss` only when they are not\n"
      "  the default, so that a case without them is written as before they existed.\n";
  constexpr std::array<KeyTable, 14> kTables = {
      KeyTable::kTop,      KeyTable::kLimits,    KeyTable::kDisk,    KeyTable::kMirror,
      KeyTable::kWorkload, KeyTable::kGenerator, KeyTable::kTrace,   KeyTable::kSizeRange,
      KeyTable::kMix,      KeyTable::kPhase,     KeyTable::kPrefill, KeyTable::kFault,
      KeyTable::kCommand,  KeyTable::kSwarm};
  for (KeyTable table : kTables) {
    out += fmt::format("\n## {}\n\n", key_table_title(table));
    out += "| key | type | unit | default | allowed | meaning |\n";
    out += "|---|---|---|---|---|---|\n";
    for (const KeyInfo& key : scenario_keys()) {
      if (key.table != table) continue;
      std::string def = code(key.default_value);
      if (!key.default_note.empty()) {
        def += def.empty() ? key.default_note : fmt::format(" ({})", key.default_note);
      }
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", key.key, key.type, key.unit,
                         cell(def), cell(key.allowed), cell(key.meaning));
    }
  }
  out +=
      "\n## Old key names\n"
      "\n"
      "Keys with a unit end in it. Files may still use these older names: each loads\n"
      "as the new key, with one note on stderr per old key per file (`FILE:LINE: note:\n"
      "key 'length' is deprecated; write 'length_bytes'`). Giving both names is an error.\n"
      "\n"
      "| table | old key | key |\n"
      "|---|---|---|\n";
  for (const RenamedKey& r : renamed_keys()) {
    out += fmt::format("| {} | `{}` | `{}` |\n", cell(key_table_title(r.table)), r.old_key, r.key);
  }
  return out;
}

}  // namespace mirrorsim::scenarios
