#include "properties/generators.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <span>
#include <tuple>
#include <utility>

#include "properties/case_limits.h"

namespace mirrorsim::properties {
namespace {

using scenarios::Backing;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::DiskKind;
using scenarios::DiskSpec;
using scenarios::FaultSpec;
using scenarios::Scenario;
using scenarios::SwarmOptions;
using sim::GuestOp;
using sim::GuestRequest;

using scenarios::kKiB;
using scenarios::kMiB;
constexpr std::uint64_t kSector = engine::kSectorSize;
constexpr std::uint64_t kMaxDiskBytes = 16 * kMiB;

// RapidCheck scales inRange by the case's size; switches and choices must
// not depend on it, or small cases would rarely turn features on. Counts
// and lengths keep the scaling, so that early cases stay small.
template <typename T>
T uniform(T low, T high) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(low, high));
}

// True with `percent` % chance; shrinks towards false (feature off).
bool feature(int percent) {
  return uniform(0, 100) >= 100 - percent;
}

// A value from a small list; shrinks towards the first.
template <typename T>
T one_of(std::initializer_list<T> values) {
  const std::vector<T> v(values);
  return v[static_cast<std::size_t>(uniform<std::size_t>(0, v.size()))];
}

std::uint64_t pow2_bytes(int min_shift, int max_shift) {
  return std::uint64_t{1} << uniform(min_shift, max_shift + 1);
}

DiskSpec disk(std::uint64_t length, bool jitter) {
  DiskSpec d;
  d.length_bytes = length;
  d.latency_us = one_of<std::uint64_t>({100, 10, 1000});
  d.bandwidth_bytes_per_s = one_of<std::uint64_t>({1'000'000'000, 100'000'000, 20'000'000});
  d.queue_depth = one_of<std::uint32_t>({32, 4, 1});
  d.shared_bandwidth = feature(30);
  d.jitter_us = jitter ? uniform<std::uint64_t>(0, 300) : 0;
  d.flush_latency_us = one_of<std::uint64_t>({1000, 10});
  return d;
}

std::vector<GuestRequest> requests(std::uint64_t length, std::uint64_t granularity,
                                   std::uint64_t cluster, bool bursts) {
  std::vector<GuestRequest> out;
  if (length == 0) return out;
  const std::uint64_t sectors = length / kSector;
  const int count = *rc::gen::inRange(0, 25);
  for (int i = 0; i < count; ++i) {
    GuestRequest r;
    const std::uint64_t burst = bursts ? uniform<std::uint64_t>(0, 4) * 10'000 : 0;
    r.time = static_cast<engine::TimeNs>(
        (burst + uniform<std::uint64_t>(0, bursts ? 500 : 40'000)) * engine::kNsPerUs);
    r.op = *rc::gen::weightedElement<GuestOp>({{14, GuestOp::kWrite},
                                               {2, GuestOp::kWriteZeroes},
                                               {2, GuestOp::kDiscard},
                                               {1, GuestOp::kRead}});
    // Offsets land on chunk and cluster boundaries often, anywhere otherwise.
    std::uint64_t sector = uniform<std::uint64_t>(0, sectors);
    const int placement = uniform(0, 3);
    if (placement == 1) sector = sector / (granularity / kSector) * (granularity / kSector);
    if (placement == 2 && cluster != 0) sector = sector / (cluster / kSector) * (cluster / kSector);
    std::uint64_t len = *rc::gen::inRange<std::uint64_t>(1, 129);
    const int shape = *rc::gen::inRange(0, 3);
    if (shape == 1) len = granularity / kSector;
    if (shape == 2 && cluster != 0) len = std::max<std::uint64_t>(1, cluster / kSector / 2);
    len = std::min(len, sectors - sector);
    r.offset = sector * kSector;
    r.length = len * kSector;
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const GuestRequest& a, const GuestRequest& b) { return a.time < b.time; });
  return out;
}

constexpr engine::TimeNs us(std::uint64_t micros) {
  return static_cast<engine::TimeNs>(micros) * engine::kNsPerUs;
}

// One rule on the source or the target. `open`: the rule has no window
// end (its disk's faults_end_us ends it); otherwise a window that closes,
// so that ignore and stop converge. The window is drawn either way, so that
// shrinking `faults_end` away gives the rule its window back.
FaultSpec fault(bool on_source, std::uint64_t length, bool open) {
  FaultSpec f;
  sim::FaultRule& rule = f.rule;
  f.disk = on_source ? scenarios::FaultDisk::kSource : scenarios::FaultDisk::kTarget;
  using Op = std::optional<sim::DiskOp>;
  rule.op = on_source ? one_of<Op>({sim::DiskOp::kRead, std::nullopt})
                      : one_of<Op>({sim::DiskOp::kWrite, std::nullopt, sim::DiskOp::kWriteZeroes,
                                    sim::DiskOp::kFlush});
  if (feature(40) && length >= 2 * kSector) {
    const std::uint64_t sectors = length / kSector;
    const std::uint64_t first = uniform<std::uint64_t>(0, sectors - 1);
    rule.offset_bytes = first * kSector;
    rule.length_bytes = uniform<std::uint64_t>(1, sectors - first + 1) * kSector;
  }
  const std::uint64_t from_us = uniform<std::uint64_t>(0, 20'000);
  const std::uint64_t window_us = uniform<std::uint64_t>(1, 30'000);
  rule.from_ns = us(from_us);
  rule.to_ns = open ? sim::kForever : us(from_us + window_us);
  rule.after = feature(20) ? uniform<std::uint64_t>(0, 5) : 0;
  rule.probability = one_of<double>({1.0, 0.5, 0.1});
  rule.once = feature(30);
  rule.error = one_of<int>({EIO, ENOSPC});
  return f;
}

// Swarm: whole features on or off for this case, drawn before anything
// else of it (but the unkind-world switches: see draw_unkind). Each switch
// shrinks towards off.
SwarmOptions draw_swarm() {
  SwarmOptions o;
  o.cow = feature(40);
  o.faults = feature(35);
  o.faults_end = o.faults && feature(40);
  o.write_blocking = feature(20);
  o.switch_mode = !o.write_blocking && feature(10);
  o.pause = feature(15);
  o.speed = feature(15);
  o.cancel = feature(20);
  o.unaligned = feature(30);
  o.old_target = feature(20);
  o.small_buffer = feature(25);
  o.zero_length = feature(3);
  o.mismatch = feature(3);
  o.jitter = feature(40);
  o.bursts = feature(30);
  o.steady = o.write_blocking && feature(40);
  o.raw_target = !o.cow && feature(30);
  o.sync = *rc::gen::weightedElement<scenarios::SyncMode>({{5, scenarios::SyncMode::kFull},
                                                           {3, scenarios::SyncMode::kTop},
                                                           {1, scenarios::SyncMode::kNone}});
  return o;
}

// The sizes every later part is cut to.
struct Geometry {
  std::uint64_t granularity = 0;
  std::uint64_t cluster = 0;  // the target's; 0: a raw target
  std::uint64_t length = 0;   // of the source (and the target, but for `mismatch`)
};

// Granularity and target cluster (COW when the cluster is bigger), and a
// length in whole units of the larger, less a tail when unaligned.
Geometry draw_geometry(const SwarmOptions& o) {
  Geometry g;
  g.granularity = pow2_bytes(9, o.cow ? 16 : 20);
  if (o.cow) {
    g.cluster = std::min<std::uint64_t>(g.granularity << uniform(1, 6), 2 * kMiB);
  } else if (!o.raw_target || o.sync != scenarios::SyncMode::kFull) {
    g.cluster = pow2_bytes(9, 21);
  }
  const std::uint64_t unit = std::max(g.granularity, g.cluster);
  if (o.zero_length) return g;
  const std::uint64_t units = *rc::gen::inRange<std::uint64_t>(1, kMaxDiskBytes / unit + 1);
  g.length = units * unit;
  if (o.unaligned) {
    g.length =
        (units - 1) * unit + *rc::gen::inRange<std::uint64_t>(1, unit / kSector + 1) * kSector;
  }
  return g;
}

// A populated base under the source (and the target for top, none or COW);
// with sync top sometimes shorter than the disks.
std::optional<DiskSpec> draw_base(const SwarmOptions& o, const Geometry& g) {
  const bool base = o.sync != scenarios::SyncMode::kFull || o.cow || feature(40);
  if (!base) return std::nullopt;
  DiskSpec b = disk(g.length, false);
  b.kind = DiskKind::kCluster;
  b.cluster_bytes = 64 * kKiB;
  b.zero_init = false;
  b.old_data = g.length > 0;
  if (g.length > 0 && o.sync == scenarios::SyncMode::kTop && feature(20)) {
    b.length_bytes = uniform<std::uint64_t>(1, g.length / kSector + 1) * kSector;
  }
  return b;
}

DiskSpec draw_source(const SwarmOptions& o, const Geometry& g, bool base) {
  DiskSpec d = disk(g.length, o.jitter);
  d.kind = DiskKind::kCluster;
  d.cluster_bytes = 64 * kKiB;
  if (base) {
    d.backing = Backing::kAttached;
    d.backing_name = "base";
  }
  d.discard_reads_zero = feature(50);
  if (o.sync != scenarios::SyncMode::kNone && g.length > 0 && feature(50)) {
    d.zero_init = false;
    d.old_data = true;
  }
  return d;
}

DiskSpec draw_target(const SwarmOptions& o, const Geometry& g) {
  DiskSpec d = disk(g.length, o.jitter);
  if (g.cluster != 0) {
    d.kind = DiskKind::kCluster;
    d.cluster_bytes = g.cluster;
    if (o.sync != scenarios::SyncMode::kFull || o.cow) {
      d.backing = o.cow || feature(50) ? Backing::kAtPivot : Backing::kAttached;
      d.backing_name = "base";
    }
  }
  d.discard_reads_zero = feature(50);
  if (o.old_target && o.sync == scenarios::SyncMode::kFull && d.backing == Backing::kNone &&
      g.length > 0) {
    d.zero_init = false;
    d.old_data = true;
  }
  if (o.mismatch) d.length_bytes = g.length + uniform<std::uint64_t>(1, 9) * kSector;
  return d;
}

// The job's parameters (error policies come with the faults).
scenarios::MirrorSpec draw_mirror(const SwarmOptions& o, const Geometry& g,
                                  const DiskSpec& target) {
  scenarios::MirrorSpec m;
  m.sync = o.sync;
  m.copy_mode =
      o.write_blocking ? scenarios::CopyMode::kWriteBlocking : scenarios::CopyMode::kBackground;
  m.granularity_bytes = feature(80) ? g.granularity : 0;
  if (o.small_buffer) {
    m.buf_size_bytes = one_of<std::uint64_t>({4096, g.granularity, 2 * g.granularity, 64 * kKiB});
  }
  if (o.speed) m.speed_bytes_per_s = std::max<std::uint64_t>(64 * kKiB, g.length / 2);
  m.unmap = !feature(30);
  m.target_is_zero = !target.old_data && target.backing == Backing::kNone && feature(20);
  return m;
}

// Error policies and 1 to 3 rules; with `faults_end`, open rules and a
// time per faulty disk after which it fails nothing (a fault-free phase).
void draw_faults(Scenario& s, const SwarmOptions& o, std::uint64_t length) {
  if (!o.faults) return;
  const auto policies = {scenarios::ErrorPolicy::kReport, scenarios::ErrorPolicy::kIgnore,
                         scenarios::ErrorPolicy::kStop, scenarios::ErrorPolicy::kEnospc};
  s.mirror.on_source_error = one_of<scenarios::ErrorPolicy>(policies);
  s.mirror.on_target_error = one_of<scenarios::ErrorPolicy>(policies);
  const int rules = uniform(1, 4);
  for (int i = 0; i < rules; ++i) s.faults.push_back(fault(feature(40), length, o.faults_end));
  if (!o.faults_end) return;
  for (auto [disk, spec] : {std::pair{scenarios::FaultDisk::kSource, &s.source},
                            std::pair{scenarios::FaultDisk::kTarget, &s.target}}) {
    // A named copy: C++20 lambdas cannot capture a structured binding (clang).
    const scenarios::FaultDisk which = disk;
    const bool faulty = std::any_of(s.faults.begin(), s.faults.end(),
                                    [which](const FaultSpec& f) { return f.disk == which; });
    if (faulty) spec->faults_end_us = uniform<std::uint64_t>(1'000, 60'000);
  }
}

// The guest: a steady generated workload, or requests replayed as a trace.
void draw_guest(GeneratedCase& c, const SwarmOptions& o, const Geometry& g) {
  if (o.steady && g.length > 0) {
    sim::WorkloadParams w;
    w.rate_iops = one_of<double>({2000, 500, 10000});
    w.size = sim::UniformSize{kSector, std::min<std::uint64_t>(64 * kKiB, g.length)};
    w.align_bytes = kSector;
    w.mix = sim::OpMix{8, 1, 1, 1};
    c.scenario.workload = w;
    return;
  }
  c.requests = requests(g.length, g.granularity, g.cluster, o.bursts);
  c.scenario.workload = scenarios::TraceWorkload{"requests.csv", sim::TraceFormat::kCsv};
}

// Pause, then resume some time later.
std::vector<Command> pause_and_resume() {
  Command p;
  p.kind = CommandKind::kPause;
  p.trigger = feature(50) ? CommandTrigger::kOnReady : CommandTrigger::kAt;
  p.time_us = uniform<std::uint64_t>(0, 20'000);
  Command r = p;
  r.kind = CommandKind::kResume;
  r.time_us = p.time_us + uniform<std::uint64_t>(1, 20'000);
  return {p, r};
}

// How the job ends, and what happens on the way.
std::vector<Command> draw_commands(const SwarmOptions& o) {
  std::vector<Command> commands;
  Command end;
  if (o.cancel) {
    end.kind = feature(50) ? CommandKind::kForceCancel : CommandKind::kCancel;
    end.trigger = feature(50) ? CommandTrigger::kOnReady : CommandTrigger::kAt;
    end.time_us = uniform<std::uint64_t>(0, 30'000);
  } else {
    end.kind = CommandKind::kComplete;
    end.trigger = CommandTrigger::kOnReady;
    end.time_us = uniform<std::uint64_t>(0, 20'000);
  }
  commands.push_back(end);
  if (o.pause) {
    for (const Command& c : pause_and_resume()) commands.push_back(c);
  }
  if (o.speed) {
    // Lift the rate limit.
    commands.push_back(Command{CommandKind::kSetSpeed, CommandTrigger::kAt,
                               uniform<std::uint64_t>(5'000, 200'000), 0});
  }
  if (o.switch_mode) {
    commands.push_back(Command{CommandKind::kWriteBlocking, CommandTrigger::kAt,
                               uniform<std::uint64_t>(0, 20'000), 0});
  }
  return commands;
}

// The longest completion delay a generated disk gets: a few of the slowest
// latencies, enough for completions to trail their service well past the
// next requests' starts.
constexpr std::uint64_t kMaxCompletionDelayUs = 3'000;

// Which of the two disks a per-disk feature goes to; shrinks towards the
// target alone.
struct DiskChoice {
  bool source = false;
  bool target = false;
};
DiskChoice draw_disks() {
  const int which = uniform(0, 3);
  return DiskChoice{which >= 1, which != 1};
}

// The unkind world: split I/O, late (and reordered) completions, torn
// faults. Drawn after everything else of the case, so that with these
// switches off the case is exactly the one drawn before they existed; every
// value is drawn whether or not its switch is on, so that shrinking a switch
// away leaves the others' values as they were.
void draw_unkind(Scenario& s, SwarmOptions& o, std::span<const std::string> swarm_off) {
  o.split_io = feature(25);
  o.late_completions = feature(25);
  o.reorder = feature(50);
  o.torn_faults = feature(50);
  scenarios::switch_off(o, swarm_off);
  o.reorder = o.late_completions && o.reorder;
  o.torn_faults = o.faults && o.torn_faults;
  const DiskChoice split = draw_disks();
  const DiskChoice late = draw_disks();
  const std::uint64_t source_delay_us = uniform<std::uint64_t>(1, kMaxCompletionDelayUs + 1);
  const std::uint64_t target_delay_us = uniform<std::uint64_t>(1, kMaxCompletionDelayUs + 1);
  for (auto [disk, on_split, on_late, delay_us] :
       {std::tuple{&s.source, split.source, late.source, source_delay_us},
        std::tuple{&s.target, split.target, late.target, target_delay_us}}) {
    if (o.split_io && on_split) disk->io_model = sim::IoModel::kSplit;
    if (o.late_completions && on_late) {
      disk->completion_delay_us = delay_us;
      disk->reorder = o.reorder;
    }
  }
  if (!o.torn_faults) return;
  bool any_torn = false;
  for (FaultSpec& f : s.faults) {
    // A read or a flush moves no data to tear.
    f.rule.torn = !f.rule.op || sim::changes_content(*f.rule.op);
    any_torn = any_torn || f.rule.torn;
  }
  o.torn_faults = any_torn;  // on only when some rule is torn
}

// Durability: a write cache, guest flushes, a power loss. Drawn after the
// unkind world, and every value whether or not its switch is on, for the
// same reasons (see draw_unkind).
void draw_durability(GeneratedCase& c, SwarmOptions& o, std::span<const std::string> swarm_off) {
  Scenario& s = c.scenario;
  o.write_cache = feature(30);
  o.guest_flush = feature(40);
  o.power_loss = feature(20);
  scenarios::switch_off(o, swarm_off);
  const DiskChoice cache = draw_disks();
  const std::uint64_t flush_every = uniform<std::uint64_t>(1, 6);
  Command loss;
  loss.kind = CommandKind::kPowerLoss;
  loss.trigger = feature(50) ? CommandTrigger::kOnReady : CommandTrigger::kAt;
  loss.time_us = uniform<std::uint64_t>(0, 40'000);
  loss.power_loss_mode =
      feature(50) ? sim::PowerLossMode::kInOrderPrefix : sim::PowerLossMode::kAnySubset;
  if (o.write_cache) {
    s.source.write_cache = cache.source;
    s.target.write_cache = cache.target;
  }
  if (o.guest_flush) {
    if (auto* w = std::get_if<sim::WorkloadParams>(&s.workload)) {
      w->flush_every = flush_every;
    } else {
      // A flush at the instant of every flush_every-th content change.
      std::vector<GuestRequest> with_flushes;
      std::uint64_t changes = 0;
      for (const GuestRequest& r : c.requests) {
        with_flushes.push_back(r);
        if (sim::changes_content(r.op) && ++changes % flush_every == 0) {
          with_flushes.push_back(GuestRequest{r.time, GuestOp::kFlush, 0, 0});
        }
      }
      c.requests = std::move(with_flushes);
    }
  }
  if (o.power_loss) s.commands.push_back(loss);
}

// The algorithm: io-mirror now and then, with its region and copy ops.
// Drawn after everything else, and its values whether or not it is chosen,
// so that every case drawn before it existed is drawn as it was (a QEMU
// case sets nothing); `forced` (check --algorithm, mutants) overrides the
// choice and keeps the drawn parameters.
void draw_algorithm(Scenario& s, std::optional<engine::Algorithm> forced) {
  const bool io_mirror = feature(10);
  const std::uint64_t region = pow2_bytes(9, 21);
  const auto ops = uniform<std::uint32_t>(1, 9);
  const engine::Algorithm algorithm =
      forced.value_or(io_mirror ? engine::Algorithm::kIoMirror : engine::Algorithm::kQemu);
  if (algorithm == engine::Algorithm::kQemu) return;
  s.mirror.algorithm = algorithm;
  s.mirror.region_bytes = region;
  s.mirror.max_copy_ops = ops;
}

// The algorithms that copy in passes and switch over with the guest paused
// (snapshot, pre-copy) and their switch-over parameters. Drawn last, every
// value whether or not it is used, for the reason draw_algorithm gives; a
// case already io-mirror stays so.
void draw_pass_algorithm(Scenario& s, std::optional<engine::Algorithm> forced) {
  const bool precopy = feature(8);
  const bool snapshot = feature(8);
  const std::uint64_t region = pow2_bytes(9, 21);
  const auto ops = uniform<std::uint32_t>(1, 9);
  const bool default_switch = feature(30);
  const std::uint64_t switch_bytes = pow2_bytes(9, 22);
  const auto passes = uniform<std::uint32_t>(0, 7);
  const bool downtime_limit = feature(30);
  const auto downtime_us = uniform<std::uint64_t>(100, 200'000);
  const bool abort = feature(50);
  engine::Algorithm algorithm = s.mirror.algorithm;
  if (forced) {
    algorithm = *forced;
  } else if (algorithm == engine::Algorithm::kQemu && (precopy || snapshot)) {
    algorithm = precopy ? engine::Algorithm::kPrecopy : engine::Algorithm::kSnapshot;
    s.mirror.region_bytes = region;
    s.mirror.max_copy_ops = ops;
  }
  if (algorithm != engine::Algorithm::kPrecopy && algorithm != engine::Algorithm::kSnapshot) {
    return;
  }
  s.mirror.algorithm = algorithm;
  s.mirror.switch_bytes = default_switch ? 0 : switch_bytes;
  s.mirror.max_passes = passes;
  if (algorithm == engine::Algorithm::kPrecopy && downtime_limit) {
    s.mirror.max_downtime_us = downtime_us;
    s.mirror.on_downtime_limit =
        abort ? engine::DowntimeAction::kAbort : engine::DowntimeAction::kForce;
  }
}

// State before the job ([[prefill]]): a few writes, zero writes or discards
// on the source or its backing, placed like guest requests, so that a job
// starts on a disk that already holds data (with sync top, dirty chunks the
// job finds at once). Drawn after everything else, every value whether or
// not the switch is on (see draw_unkind).
void draw_prefill(GeneratedCase& c, SwarmOptions& o, std::span<const std::string> swarm_off,
                  const Geometry& g) {
  Scenario& s = c.scenario;
  o.prefill = feature(25);
  scenarios::switch_off(o, swarm_off);
  std::vector<scenarios::Prefill> fills;
  for (const GuestRequest& r : requests(g.length, g.granularity, g.cluster, false)) {
    if (r.op == GuestOp::kRead) continue;
    scenarios::Prefill p;
    // Sync none copies only what the guest writes during the job: data on
    // the source's own layer before it would never reach the target.
    const bool fits_base = s.base && r.offset + r.length <= s.base->length_bytes;
    const bool on_base = fits_base && (feature(25) || o.sync == scenarios::SyncMode::kNone);
    if (!on_base && o.sync == scenarios::SyncMode::kNone) continue;
    p.disk = on_base ? scenarios::PrefillDisk::kBase : scenarios::PrefillDisk::kSource;
    p.offset_bytes = r.offset;
    p.length_bytes = r.length;
    p.op = r.op == GuestOp::kWriteZeroes ? scenarios::PrefillOp::kWriteZeroes
           : r.op == GuestOp::kDiscard   ? scenarios::PrefillOp::kDiscard
                                         : scenarios::PrefillOp::kWrite;
    fills.push_back(p);
  }
  o.prefill = o.prefill && !fills.empty();
  if (o.prefill) s.prefill = std::move(fills);
}

}  // namespace

rc::Gen<GeneratedCase> gen_case(std::vector<std::string> swarm_off,
                                std::optional<engine::Algorithm> algorithm) {
  return rc::gen::exec([swarm_off = std::move(swarm_off), algorithm] {
    GeneratedCase c;
    Scenario& s = c.scenario;
    s.name = "generated";
    s.seed = *rc::gen::noShrink(rc::gen::inRange<std::uint64_t>(1, UINT64_MAX));
    SwarmOptions swarm = draw_swarm();  // the unkind switches come last
    scenarios::switch_off(swarm, swarm_off);
    s.swarm = swarm;
    const Geometry g = draw_geometry(swarm);
    s.base = draw_base(swarm, g);
    s.source = draw_source(swarm, g, s.base.has_value());
    s.target = draw_target(swarm, g);
    s.mirror = draw_mirror(swarm, g, s.target);
    draw_faults(s, swarm, g.length);
    draw_guest(c, swarm, g);
    s.commands = draw_commands(swarm);
    draw_unkind(s, *s.swarm, swarm_off);
    draw_durability(c, *s.swarm, swarm_off);
    draw_algorithm(s, algorithm);
    draw_prefill(c, *s.swarm, swarm_off, g);
    draw_pass_algorithm(s, algorithm);
    // Limits from the case's own work (a shrunk case gets its own again).
    s.limits = limits_for(estimate_work(s, c.requests));
    return c;
  });
}

std::uint64_t guest_request_count(const GeneratedCase& c) {
  return c.requests.size();
}

}  // namespace mirrorsim::properties
