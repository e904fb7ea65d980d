// The scenario model: everything that defines one run, as plain values.
//
// A Scenario is what a scenario file (TOML, see scenario_loader.h) says,
// after defaults are filled in. Each field's comment gives its default and
// unit; sizes are bytes, times are microseconds of virtual time. These are
// values: copy them, compare them (operator== compares every field, so a
// write -> load round trip can be checked), and hand them to whoever builds
// the run. check_scenario() (scenario_check.h) says whether one is valid;
// the loader never returns an invalid one.
//
// The TOML key of a field is its name, unit last (length_bytes,
// speed_bytes_per_s, latency_us; older key names still load, see
// scenario_loader.h). Exceptions: a fault's rule (FaultSpec says how its
// fields are named), Command::kind -> action, and Command::time_us -> at_us
// or delay_us, as its trigger says.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/limits.h"
#include "engine/mirror_params.h"
#include "scenarios/swarm_options.h"
#include "sim/disks/disk_options.h"
#include "sim/disks/fault_plan.h"
#include "sim/disks/sim_disk.h"
#include "sim/guest/trace.h"
#include "sim/guest/workload_params.h"

namespace mirrorsim::scenarios {

using engine::kGiB;
using engine::kKiB;
using engine::kMiB;
inline constexpr std::uint64_t kTiB = 1024 * kGiB;

enum class DiskKind : std::uint8_t { kRaw, kCluster };  // "raw", "cluster"

// How a disk reaches its backing image (always the scenario's [base] disk).
enum class Backing : std::uint8_t {
  kNone,      // "none": no backing image
  kAttached,  // "attached": named and read through from the start
  kAtPivot,   // "at-pivot": named, but attached only when the job pivots
};

struct DiskSpec {
  DiskKind kind = DiskKind::kRaw;
  std::uint64_t length_bytes = 64 * kMiB;  // multiple of 512; may be 0
  // raw: 0; cluster: a power of two, 512 B..2 MiB (64 KiB when a file omits it).
  std::uint64_t cluster_bytes = 0;
  Backing backing = Backing::kNone;  // only cluster disks have backing images
  std::string backing_name;          // "" without backing, else "base" (the default)
  bool zero_init = true;             // a new disk reads as zeroes
  bool discard_reads_zero = false;   // discarded ranges then read as zeroes
  // The disk starts with content: stale data on a target, data to copy on a
  // source or base. Requires zero_init = false.
  bool old_data = false;
  // Thin disk: ENOSPC once allocation would pass this; 0 = unlimited.
  std::uint64_t capacity_bytes = 0;
  std::uint64_t latency_us = 100;  // fixed part of every request's latency
  // Transfer rate of reads and writes in bytes per second; 0 = instant.
  std::uint64_t bandwidth_bytes_per_s = 1'000'000'000;
  // True (the default, as a real device's): the bandwidth is one channel
  // shared by the disk's in-flight requests; false: each request transfers
  // at the full rate (up to queue_depth times the bandwidth in all).
  bool shared_bandwidth = true;
  std::uint64_t jitter_us = 0;            // extra latency, uniform in [0, jitter_us], seeded
  std::uint32_t queue_depth = 32;         // requests in service at once, 1..4096
  std::uint64_t flush_latency_us = 1000;  // latency of a flush
  // No request to this disk that starts at or after this time fails, so a
  // run ends with a fault-free phase; nullopt: the faults never end.
  std::optional<std::uint64_t> faults_end_us;
  // An unkind disk (sim/disks/sim_disk.h), off by default. Source and
  // target only: the base is read through their images, never served as a
  // disk of its own, so the checker refuses these on [base].
  // Where a request's data moves in its service time: at the end ("atomic")
  // or in seeded pieces at seeded instants ("split").
  sim::IoModel io_model = sim::IoModel::kAtomic;
  // The caller resumes this long after the service time ends; 0 = at once.
  std::uint64_t completion_delay_us = 0;
  // Each request draws its delay in [0, completion_delay_us], so completions
  // may come out of order. Requires completion_delay_us > 0.
  bool reorder = false;
  // A volatile write cache: what a write, zero write or discard landed is
  // lost at a power loss unless a flush that started after it completed
  // has completed. Source and target only (the base is never written).
  bool write_cache = false;

  bool operator==(const DiskSpec&) const = default;
};

// The job's own enums, so a scenario hands them over unchanged. Names in
// files: "full", "top", "none"; "background", "write-blocking"; "report",
// "ignore", "stop", "enospc".
using engine::Algorithm;
using engine::CopyMode;
using engine::DowntimeAction;
using engine::ErrorPolicy;
using engine::Profile;
using engine::SyncMode;

struct MirrorSpec {
  SyncMode sync = SyncMode::kFull;  // required in a file: there is no default there
  CopyMode copy_mode = CopyMode::kBackground;
  std::uint64_t granularity_bytes = 0;  // 0 = engine default; else power of two, 512 B..64 MiB
  std::uint64_t buf_size_bytes = 0;     // 0 = engine default (16 MiB)
  std::uint64_t speed_bytes_per_s = 0;  // rate limit in bytes per second; 0 = unlimited
  ErrorPolicy on_source_error = ErrorPolicy::kReport;
  ErrorPolicy on_target_error = ErrorPolicy::kReport;
  bool unmap = true;                    // zero ranges may be discarded on the target
  bool target_is_zero = false;          // the caller promises the target reads as zeroes
  std::vector<std::string> bugs;        // engine bug switches by name; checked against LoadOptions
  Profile profile = Profile::kDefault;  // "default" or "qemu-7.2" (engine/profile.h)
  // The job starts at this virtual time; the guest's workload and the
  // prefill writes before it are simply the source's content then.
  std::uint64_t start_us = 0;
  // The algorithm (docs/algorithms.md) and io-mirror's own parameters (0:
  // its defaults); the keys above are the QEMU job's, save sync, speed, the
  // error policies, unmap and bugs, which io-mirror reads too.
  Algorithm algorithm = Algorithm::kQemu;
  std::uint64_t region_bytes = 0;  // the copy unit (engine/mirror_params.h)
  std::uint32_t max_copy_ops = 0;
  // Pre-copy and snapshot: when to switch over (0: the default).
  std::uint64_t switch_bytes = 0;
  std::uint32_t max_passes = 0;
  // Pre-copy: the downtime limit (0: none) and what exceeding it does.
  std::uint64_t max_downtime_us = 0;
  DowntimeAction on_downtime_limit = DowntimeAction::kForce;

  bool operator==(const MirrorSpec&) const = default;
};

// The guest does nothing.
struct NoWorkload {
  bool operator==(const NoWorkload&) const = default;
};

// Requests replayed from a trace file (sim/guest/trace.h).
struct TraceWorkload {
  std::filesystem::path path;  // absolute once loaded (a file's relative path is resolved)
  sim::TraceFormat format = sim::TraceFormat::kAuto;
  // Remapping (sim::TraceOptions says how): times * time_scale +
  // start_offset_us; offsets + offset_shift_bytes, scaled to the source from
  // a disk of scale_from_bytes, modulo the source's length with wrap. loop:
  // the trace repeats until the job ends.
  double time_scale = 1.0;
  std::uint64_t start_offset_us = 0;
  bool loop = false;
  std::uint64_t offset_shift_bytes = 0;
  std::uint64_t scale_from_bytes = 0;  // 0: offsets are not scaled
  bool wrap = false;
  bool operator==(const TraceWorkload&) const = default;
};

// [workload]: absent = NoWorkload; `trace = ...` = TraceWorkload; else generated.
using WorkloadSpec = std::variant<NoWorkload, sim::WorkloadParams, TraceWorkload>;

enum class FaultDisk : std::uint8_t { kSource, kTarget, kBase };  // "source", "target", "base"

// One rule of a fault plan, on one disk: the simulator's own rule
// (sim/disks/fault_plan.h says how a plan decides), so a scenario and a test
// speak of faults in one type. Rules are evaluated in file order. In a
// file: op "any" is rule.op = nullopt; length_bytes 0 is sim::kWholeDisk (to
// the end of the disk); times are whole microseconds (from_us, to_us; to_us 0 is
// sim::kForever); after_n is rule.after; errno is rule.error, by name.
struct FaultSpec {
  FaultDisk disk = FaultDisk::kTarget;
  sim::FaultRule rule;

  bool operator==(const FaultSpec&) const = default;
};

// A value of a type that scenarios share with sim/ (so they have no enum
// here), with its name in files.
template <typename T>
struct NamedValue {
  std::string_view name;
  T value;
};

// "read", "write", "write_zeroes", "discard", "flush", and "any" (nullopt).
std::span<const NamedValue<std::optional<sim::DiskOp>>> fault_op_names();
// "EIO", "ENOSPC", "EINVAL": the errors a fault rule may inject.
std::span<const NamedValue<int>> fault_errno_names();

template <typename T>
std::string_view name_in(std::span<const NamedValue<T>> names, const T& value) {
  for (const NamedValue<T>& n : names) {
    if (n.value == value) return n.name;
  }
  return "?";
}

template <typename T>
std::optional<T> parse_in(std::span<const NamedValue<T>> names, std::string_view name) {
  for (const NamedValue<T>& n : names) {
    if (n.name == name) return n.value;
  }
  return std::nullopt;
}

// [[prefill]]: a write made to the source or its base before the run
// starts, so a scenario can begin from recorded state (a QEMU case's image).
enum class PrefillDisk : std::uint8_t { kSource, kBase };  // "source", "base"
enum class PrefillOp : std::uint8_t {
  kWrite,        // "write": fresh data
  kWriteZeroes,  // "write_zeroes"
  kDiscard,      // "discard"
};

struct Prefill {
  PrefillDisk disk = PrefillDisk::kSource;
  std::uint64_t offset_bytes = 0;  // multiple of 512, inside the disk
  std::uint64_t length_bytes = 0;  // multiple of 512, above 0, inside the disk
  PrefillOp op = PrefillOp::kWrite;

  bool operator==(const Prefill&) const = default;
};

enum class CommandKind : std::uint8_t {
  kComplete,       // "complete"
  kCancel,         // "cancel"
  kForceCancel,    // "force_cancel"
  kPause,          // "pause"
  kResume,         // "resume"
  kSetSpeed,       // "set_speed": speed_bytes_per_s is the new limit
  kWriteBlocking,  // "write_blocking": switch copy mode to write-blocking
  // "power_loss": the host crashes. Both disks drop what their write caches
  // hold (power_loss_mode), requests in flight fail with EIO, and the job,
  // which ran on that host, is gone: the world force-cancels it and the
  // guest stops. See properties/world.h.
  kPowerLoss,
};

enum class CommandTrigger : std::uint8_t {
  kAt,       // at_us = time_us
  kOnReady,  // on_ready = true, delay_us = time_us after the job's READY event
};

struct Command {
  CommandKind kind = CommandKind::kComplete;  // TOML key "action"
  CommandTrigger trigger = CommandTrigger::kOnReady;
  std::uint64_t time_us = 0;            // at_us or delay_us, as the trigger says
  std::uint64_t speed_bytes_per_s = 0;  // set_speed only (0 = unlimited); 0 for the others
  // power_loss only ("mode"): which volatile writes survive; the default for the others.
  sim::PowerLossMode power_loss_mode = sim::PowerLossMode::kAnySubset;

  bool operator==(const Command&) const = default;
};

struct Limits {
  std::uint64_t max_time_us = 600'000'000;  // 10 minutes of virtual time
  std::uint64_t max_events = 50'000'000;

  bool operator==(const Limits&) const = default;
};

inline constexpr std::uint64_t kDefaultMaxOutstanding = 1024;
inline constexpr std::uint64_t kMaxMaxOutstanding = std::uint64_t{1} << 20;

struct Scenario {
  std::string name;         // "" = unnamed
  std::string description;  // one line or more, free text
  std::uint64_t seed = 1;   // the run seed; every random stream derives from it
  Limits limits;
  DiskSpec source;
  DiskSpec target;
  std::optional<DiskSpec> base;  // backing image named by source/target backing
  MirrorSpec mirror;
  WorkloadSpec workload;  // default: NoWorkload
  // [workload] max_outstanding: the guest's cap on requests outstanding (in
  // flight + queued behind its queue depth); an arrival that finds this
  // many pauses the arrival process, and the run reports it.
  std::uint64_t max_outstanding = kDefaultMaxOutstanding;
  std::vector<Prefill> prefill;  // applied in order before the run starts
  std::vector<FaultSpec> faults;
  std::vector<Command> commands;
  // How the generator drew this case ([swarm]; informational: a run never
  // reads it). nullopt for scenarios written by hand.
  std::optional<SwarmOptions> swarm;

  bool operator==(const Scenario&) const = default;
};

// How the trace of `scenario` (which has a TraceWorkload) is read: the
// source's length and the workload's remapping.
sim::TraceOptions trace_options(const Scenario& scenario, const TraceWorkload& trace);

// The names of enum values as written in files, in enum order. Specialized
// for every enum above and for sim::Arrival, sim::Locality, sim::TraceFormat,
// sim::IoModel, sim::PowerLossMode.
template <typename Enum>
std::span<const std::string_view> enum_names();

template <typename Enum>
std::string_view name_of(Enum value) {
  return enum_names<Enum>()[static_cast<std::size_t>(value)];
}

template <typename Enum>
std::optional<Enum> parse_enum(std::string_view name) {
  const std::span<const std::string_view> names = enum_names<Enum>();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// "a, b, c": the accepted names, for error messages.
template <typename Enum>
std::string allowed_names() {
  std::string out;
  for (std::string_view name : enum_names<Enum>()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

template <>
std::span<const std::string_view> enum_names<DiskKind>();
template <>
std::span<const std::string_view> enum_names<Backing>();
template <>
std::span<const std::string_view> enum_names<SyncMode>();
template <>
std::span<const std::string_view> enum_names<CopyMode>();
template <>
std::span<const std::string_view> enum_names<ErrorPolicy>();
template <>
std::span<const std::string_view> enum_names<Profile>();
template <>
std::span<const std::string_view> enum_names<Algorithm>();
template <>
std::span<const std::string_view> enum_names<DowntimeAction>();
template <>
std::span<const std::string_view> enum_names<FaultDisk>();
template <>
std::span<const std::string_view> enum_names<CommandKind>();
template <>
std::span<const std::string_view> enum_names<PrefillDisk>();
template <>
std::span<const std::string_view> enum_names<PrefillOp>();
template <>
std::span<const std::string_view> enum_names<sim::Arrival>();
template <>
std::span<const std::string_view> enum_names<sim::Locality>();
template <>
std::span<const std::string_view> enum_names<sim::TraceFormat>();
template <>
std::span<const std::string_view> enum_names<sim::IoModel>();
template <>
std::span<const std::string_view> enum_names<sim::PowerLossMode>();

}  // namespace mirrorsim::scenarios
