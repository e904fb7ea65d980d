#include "properties/generators.h"

#include <algorithm>
#include <cerrno>
#include <optional>

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
  d.bandwidth_bytes_s = one_of<std::uint64_t>({1'000'000'000, 100'000'000, 20'000'000});
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

FaultSpec fault(bool on_source, std::uint64_t length) {
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
    rule.offset = first * kSector;
    rule.length = uniform<std::uint64_t>(1, sectors - first + 1) * kSector;
  }
  // Transient: a window that closes, so that ignore and stop converge.
  const std::uint64_t from_us = uniform<std::uint64_t>(0, 20'000);
  rule.from_ns = us(from_us);
  rule.to_ns = us(from_us + uniform<std::uint64_t>(1, 30'000));
  rule.after = feature(20) ? uniform<std::uint64_t>(0, 5) : 0;
  rule.probability = one_of<double>({1.0, 0.5, 0.1});
  rule.once = feature(30);
  rule.error = one_of<int>({EIO, ENOSPC});
  return f;
}

}  // namespace

rc::Gen<GeneratedCase> gen_case() {
  return rc::gen::exec([] {
    GeneratedCase c;
    Scenario& s = c.scenario;
    s.name = "generated";
    s.seed = *rc::gen::noShrink(rc::gen::inRange<std::uint64_t>(1, UINT64_MAX));

    // Swarm: whole features on or off for this case.
    const bool cow = feature(40);
    const bool faults = feature(35);
    const bool write_blocking = feature(20);
    const bool switch_mode = !write_blocking && feature(10);
    const bool pause = feature(15);
    const bool speed = feature(15);
    const bool cancel = feature(20);
    const bool unaligned = feature(30);
    const bool old_target = feature(20);
    const bool small_buffer = feature(25);
    const bool zero_length = feature(3);
    const bool mismatch = feature(3);
    const bool jitter = feature(40);
    const bool bursts = feature(30);
    const bool steady = write_blocking && feature(40);
    const bool raw_target = !cow && feature(30);
    const auto sync =
        *rc::gen::weightedElement<scenarios::SyncMode>({{5, scenarios::SyncMode::kFull},
                                                        {3, scenarios::SyncMode::kTop},
                                                        {1, scenarios::SyncMode::kNone}});

    // Geometry: granularity and target cluster, COW when the cluster is bigger.
    const std::uint64_t granularity = pow2_bytes(9, cow ? 16 : 20);
    std::uint64_t cluster = 0;
    if (cow) {
      cluster = std::min<std::uint64_t>(granularity << uniform(1, 6), 2 * kMiB);
    } else if (!raw_target || sync != scenarios::SyncMode::kFull) {
      cluster = pow2_bytes(9, 21);
    }
    const std::uint64_t unit = std::max(granularity, cluster);
    std::uint64_t length = 0;
    if (!zero_length) {
      const std::uint64_t units = *rc::gen::inRange<std::uint64_t>(1, kMaxDiskBytes / unit + 1);
      length = units * unit;
      if (unaligned) {
        length =
            (units - 1) * unit + *rc::gen::inRange<std::uint64_t>(1, unit / kSector + 1) * kSector;
      }
    }

    // Disks: a populated base under source (and target for top/none/COW).
    const bool base = sync != scenarios::SyncMode::kFull || cow || feature(40);
    if (base) {
      DiskSpec b = disk(length, false);
      b.kind = DiskKind::kCluster;
      b.cluster_bytes = 64 * kKiB;
      b.zero_init = false;
      b.old_data = length > 0;
      if (length > 0 && sync == scenarios::SyncMode::kTop && feature(20)) {
        b.length_bytes = uniform<std::uint64_t>(1, length / kSector + 1) * kSector;
      }
      s.base = b;
    }
    s.source = disk(length, jitter);
    s.source.kind = DiskKind::kCluster;
    s.source.cluster_bytes = 64 * kKiB;
    if (base) {
      s.source.backing = Backing::kAttached;
      s.source.backing_name = "base";
    }
    s.source.discard_reads_zero = feature(50);
    if (sync != scenarios::SyncMode::kNone && length > 0 && feature(50)) {
      s.source.zero_init = false;
      s.source.old_data = true;
    }

    s.target = disk(length, jitter);
    if (cluster != 0) {
      s.target.kind = DiskKind::kCluster;
      s.target.cluster_bytes = cluster;
      if (sync != scenarios::SyncMode::kFull || cow) {
        s.target.backing = cow || feature(50) ? Backing::kAtPivot : Backing::kAttached;
        s.target.backing_name = "base";
      }
    }
    s.target.discard_reads_zero = feature(50);
    if (old_target && sync == scenarios::SyncMode::kFull && s.target.backing == Backing::kNone &&
        length > 0) {
      s.target.zero_init = false;
      s.target.old_data = true;
    }
    if (mismatch) {
      s.target.length_bytes = length + uniform<std::uint64_t>(1, 9) * kSector;
    }

    // The job.
    s.mirror.sync = sync;
    s.mirror.copy_mode =
        write_blocking ? scenarios::CopyMode::kWriteBlocking : scenarios::CopyMode::kBackground;
    s.mirror.granularity_bytes = feature(80) ? granularity : 0;
    if (small_buffer)
      s.mirror.buf_size_bytes =
          one_of<std::uint64_t>({4096, granularity, 2 * granularity, 64 * kKiB});
    if (speed) s.mirror.speed_bytes_s = std::max<std::uint64_t>(64 * kKiB, length / 2);
    if (faults) {
      const auto policies = {scenarios::ErrorPolicy::kReport, scenarios::ErrorPolicy::kIgnore,
                             scenarios::ErrorPolicy::kStop, scenarios::ErrorPolicy::kEnospc};
      s.mirror.on_source_error = one_of<scenarios::ErrorPolicy>(policies);
      s.mirror.on_target_error = one_of<scenarios::ErrorPolicy>(policies);
      const int rules = uniform(1, 4);
      for (int i = 0; i < rules; ++i) s.faults.push_back(fault(feature(40), length));
    }
    s.mirror.unmap = !feature(30);
    s.mirror.target_is_zero =
        !s.target.old_data && s.target.backing == Backing::kNone && feature(20);

    // The guest.
    if (steady && length > 0) {
      sim::WorkloadParams w;
      w.rate_iops = one_of<double>({2000, 500, 10000});
      w.size = sim::UniformSize{kSector, std::min<std::uint64_t>(64 * kKiB, length)};
      w.align_bytes = kSector;
      w.mix = sim::OpMix{8, 1, 1, 1};
      s.workload = w;
    } else {
      c.requests = requests(length, granularity, cluster, bursts);
      s.workload = scenarios::TraceWorkload{"requests.csv", sim::TraceFormat::kCsv};
    }

    // Commands: how the job ends, and what happens on the way.
    Command end;
    if (cancel) {
      end.kind = feature(50) ? CommandKind::kForceCancel : CommandKind::kCancel;
      end.trigger = feature(50) ? CommandTrigger::kOnReady : CommandTrigger::kAt;
      end.time_us = uniform<std::uint64_t>(0, 30'000);
    } else {
      end.kind = CommandKind::kComplete;
      end.trigger = CommandTrigger::kOnReady;
      end.time_us = uniform<std::uint64_t>(0, 20'000);
    }
    s.commands.push_back(end);
    if (pause) {
      Command p;
      p.kind = CommandKind::kPause;
      p.trigger = feature(50) ? CommandTrigger::kOnReady : CommandTrigger::kAt;
      p.time_us = uniform<std::uint64_t>(0, 20'000);
      Command r = p;
      r.kind = CommandKind::kResume;
      r.time_us = p.time_us + uniform<std::uint64_t>(1, 20'000);
      s.commands.push_back(p);
      s.commands.push_back(r);
    }
    if (speed) {
      Command sp;
      sp.kind = CommandKind::kSetSpeed;
      sp.trigger = CommandTrigger::kAt;
      sp.time_us = uniform<std::uint64_t>(5'000, 200'000);
      sp.speed_bytes_s = 0;
      s.commands.push_back(sp);
    }
    if (switch_mode) {
      Command wb;
      wb.kind = CommandKind::kWriteBlocking;
      wb.trigger = CommandTrigger::kAt;
      wb.time_us = uniform<std::uint64_t>(0, 20'000);
      s.commands.push_back(wb);
    }

    // Limits from the case's own work (a shrunk case gets its own again).
    s.limits = limits_for(estimate_work(s, c.requests));
    return c;
  });
}

std::uint64_t guest_request_count(const GeneratedCase& c) {
  return c.requests.size();
}

}  // namespace mirrorsim::properties
