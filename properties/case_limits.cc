#include "properties/case_limits.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include "properties/algorithm_specs.h"
#include "properties/mirror_spec.h"
#include "properties/world.h"

namespace mirrorsim::properties {
namespace {

using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::DiskSpec;

// MIRROR.md, "Vocabulary" (properties/mirror_spec.h), and the world's own
// pace (properties/world.h).
constexpr double kSliceSeconds = static_cast<double>(spec::kRateSliceNs) / 1e9;
constexpr double kOperatorResumeSeconds = static_cast<double>(World::kOperatorResumeDelayNs) / 1e9;
// Flushes a job makes on its way to the end (before READY, at the pivot),
// with one to spare.
constexpr double kFlushes = 3;
// Failed requests a fault rule is charged for (their ranges are copied
// again). Windows are short and most faults hit few requests; a rule that
// fails more only makes the case slower than its estimate, which the
// safety factor absorbs.
constexpr double kFaultsPerRule = 64;

// Simulation events per unit of work, measured on the correct engine (every
// op, guest request and second of a run dispatches a few task resumes, disk
// request ends and timer wake-ups) and rounded up.
constexpr double kEventsBase = 200;
constexpr double kEventsPerOp = 40;
constexpr double kEventsPerGuestRequest = 40;
constexpr double kEventsPerSecond = 400;

double seconds_of_us(std::uint64_t us) {
  return static_cast<double>(us) / 1e6;
}

std::uint64_t round_up(std::uint64_t value, std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

// When a fault rule stops failing requests: its window's end, or its
// disk's faults_end_us when that comes first; a rule that never ends is
// charged its start (it may fail every request after that: such a case is
// as slow as its faults make it, and only a window or an end bounds it).
double faults_settle_seconds(const scenarios::Scenario& s, const scenarios::FaultSpec& f) {
  // The checker refuses faults on the base: a rule is the source's or the target's.
  const DiskSpec* disk = f.disk == scenarios::FaultDisk::kSource ? &s.source : &s.target;
  double end = f.rule.to_ns == sim::kForever ? -1.0 : static_cast<double>(f.rule.to_ns) / 1e9;
  if (disk != nullptr && disk->faults_end_us) {
    const double faults_end = seconds_of_us(*disk->faults_end_us);
    end = end < 0 ? faults_end : std::min(end, faults_end);
  }
  return std::max(static_cast<double>(f.rule.from_ns) / 1e9, end);
}

double ceil_div(double a, double b) {
  return std::ceil(a / b);
}

// The longest one request of up to `bytes` can take on `disk` when `queued`
// requests (itself included) want it: FIFO through queue_depth slots, and
// with a shared channel every transfer ahead of it first.
double request_seconds(const DiskSpec& disk, double bytes, double queued) {
  const double rounds = ceil_div(queued, std::max<std::uint32_t>(1, disk.queue_depth));
  // A completion delay holds no slot, but the caller waits it out.
  const double fixed = seconds_of_us(disk.latency_us + disk.jitter_us + disk.completion_delay_us);
  double transfer = 0;
  if (disk.bandwidth_bytes_per_s > 0) {
    transfer = bytes / static_cast<double>(disk.bandwidth_bytes_per_s);
    transfer *= disk.shared_bandwidth ? queued : rounds;
  }
  return rounds * fixed + transfer;
}

double flush_seconds(const DiskSpec& disk, double queued) {
  return ceil_div(queued, std::max<std::uint32_t>(1, disk.queue_depth)) *
         seconds_of_us(disk.flush_latency_us + disk.jitter_us + disk.completion_delay_us);
}

}  // namespace

WorkEstimate estimate_work(const scenarios::Scenario& s, std::span<const sim::GuestRequest> trace) {
  WorkEstimate e;
  const DiskSpec& source = s.source;
  const DiskSpec& target = s.target;
  const std::uint64_t length = source.length_bytes;
  const std::uint64_t cluster =
      target.kind == scenarios::DiskKind::kCluster ? target.cluster_bytes : 0;

  // Geometry (MIRROR.md "Vocabulary" and "Start" 3).
  const spec::TargetAtStart at_start{cluster, target.backing != scenarios::Backing::kNone,
                                     target.backing == scenarios::Backing::kAttached};
  // The copy unit, the buffer and the largest op as the algorithm's spec
  // gives them; as many ops in flight as the buffer holds of the largest,
  // at most the spec's limit (io-mirror, snapshot, precopy: one unit per
  // op, max_copy_ops of them).
  const AlgorithmSpec rules = algorithm_spec(s.mirror, at_start);
  const std::uint64_t g = rules.copy_unit_bytes;
  const bool cow = rules.whole_clusters;
  const std::uint64_t buffer = rules.buffer_bytes;
  const std::uint64_t op = rules.max_op_bytes;
  e.in_flight = std::clamp(std::floor(static_cast<double>(buffer) / static_cast<double>(op)), 1.0,
                           static_cast<double>(rules.max_in_flight_ops));
  e.granularity_bytes = g;
  e.buffer_bytes = buffer;
  e.op_bytes = op;
  const double op_d = static_cast<double>(op);
  const double buffer_d = static_cast<double>(buffer);

  // First pass: the whole disk (full and top copy at most that), in
  // iterations of at most a buffer, each split into ops.
  if (s.mirror.sync != scenarios::SyncMode::kNone && length > 0) {
    const double len = static_cast<double>(length);
    e.copy_bytes += len;
    e.ops += ceil_div(len, buffer_d) * ceil_div(buffer_d, op_d);
  }
  // precopy: each later pass before READY, and the switch-over with the
  // guest paused, may copy the whole disk again (docs/algorithms.md,
  // precopy rules 4 and 7): a guest that wrote everywhere left it all dirty.
  if (rules.whole_disk_recopies > 0 && length > 0) {
    const double len = static_cast<double>(length);
    const double passes = rules.whole_disk_recopies;
    e.copy_bytes += passes * len;
    e.ops += passes * ceil_div(len, op_d);
  }

  // The guest: what it dirties is copied again, in chunks (whole clusters
  // under the COW rule); its requests compete for the disks. A guest
  // request goes to the source and, in write-blocking mode, the target too;
  // a write-blocking write under the COW rule also copies its whole
  // clusters. Requests that overlap wait for each other, so the guest's
  // time is charged as if they ran one after another, each behind a full
  // set of ops.
  const std::uint64_t unit = cow ? cluster : g;
  const bool write_blocking =
      rules.mirrors_guest_writes || s.mirror.copy_mode == scenarios::CopyMode::kWriteBlocking ||
      std::any_of(s.commands.begin(), s.commands.end(), [](const scenarios::Command& c) {
        return c.kind == CommandKind::kWriteBlocking;
      });
  const bool active_cow = write_blocking && cow;
  auto guest_request = [&](double bytes) {
    const double queued = e.in_flight + 1;
    double t = request_seconds(source, bytes, queued) + request_seconds(target, bytes, queued);
    if (active_cow) {
      const auto c = static_cast<double>(cluster);
      t += request_seconds(source, c, queued) + request_seconds(target, c, queued);
    }
    // snapshot's copy-before-write: a write may first read a whole block aside.
    if (rules.reads_block_aside_before_write)
      t += request_seconds(source, static_cast<double>(g), queued);
    return t;
  };
  double guest_queue = 0;
  double guest_bytes = 0;
  if (const auto* steady = std::get_if<sim::WorkloadParams>(&s.workload)) {
    // Requests beyond the guest's queue wait in the guest (world_io.cc), not at the disks.
    guest_queue = World::guest_queue_depth(s);
    if (const auto* u = std::get_if<sim::UniformSize>(&steady->size)) {
      guest_bytes = static_cast<double>(u->max_bytes);
    } else if (const auto* f = std::get_if<sim::FixedSize>(&steady->size)) {
      guest_bytes = static_cast<double>(f->bytes);
    } else if (const auto* c = std::get_if<sim::ChoiceSize>(&steady->size)) {
      for (std::uint64_t b : c->bytes) guest_bytes = std::max(guest_bytes, static_cast<double>(b));
    }
    // The end drains the guest requests in flight.
    e.guest_seconds = guest_queue * guest_request(guest_bytes);
    if (active_cow) guest_bytes = std::max(guest_bytes, static_cast<double>(cluster));
  } else {
    for (const sim::GuestRequest& r : trace) {
      e.settle_seconds = std::max(e.settle_seconds, static_cast<double>(r.time) / 1e9);
      e.guest_seconds += guest_request(static_cast<double>(r.length));
      if (!sim::changes_content(r.op)) continue;
      const std::uint64_t first = r.offset / unit * unit;
      const std::uint64_t span = round_up(r.offset + r.length, unit) - first;
      e.copy_bytes += static_cast<double>(span);
      e.ops += ceil_div(static_cast<double>(span), op_d) + 2;
    }
    e.guest_requests = static_cast<double>(trace.size());
    if (active_cow && !trace.empty()) guest_bytes = static_cast<double>(cluster);
  }

  // snapshot: the rounds after round 0 before READY (max_passes - 1 of
  // them), then at the switch-over the rest of the running round and the
  // last written set; each at most the whole disk when a steady guest keeps
  // rewriting it (docs/algorithms.md, its cost).
  if (rules.steady_guest_whole_disk_recopies > 0 &&
      std::holds_alternative<sim::WorkloadParams>(s.workload) && length > 0) {
    const double rounds = rules.steady_guest_whole_disk_recopies;
    const double len = static_cast<double>(length);
    e.copy_bytes += rounds * len;
    e.ops += rounds * ceil_div(len, op_d);
  }

  // Faults: each failed op or write-blocking write dirties its range again
  // (rounded out to chunks), to be copied once the window has closed. Up to
  // kFaultsPerRule of them per rule (one for a `once` rule), never more than
  // a whole disk.
  {
    const auto per_fault = static_cast<double>(
        round_up(static_cast<std::uint64_t>(std::max(op_d, guest_bytes)), unit) + 2 * unit);
    for (const scenarios::FaultSpec& f : s.faults) {
      const double faults = f.rule.once ? 1 : kFaultsPerRule;
      const double bytes = std::min(static_cast<double>(length), faults * per_fault);
      e.copy_bytes += bytes;
      e.ops += ceil_div(bytes, op_d) + faults;
    }
  }

  // Copying: ops in flight at once, each charged the worst queue.
  const double queued = e.in_flight + guest_queue;
  const double request_bytes = std::max(op_d, guest_bytes);
  e.op_seconds = request_seconds(source, request_bytes, queued) +
                 request_seconds(target, request_bytes, queued);
  e.copy_seconds = e.ops * e.op_seconds / e.in_flight;
  // An op over a range that reads as zero is not capped at the op size (only
  // by the buffer): all bytes may go through one op at a time.
  for (const DiskSpec* disk : {&source, &target}) {
    if (disk->bandwidth_bytes_per_s > 0) {
      e.copy_seconds += e.copy_bytes / static_cast<double>(disk->bandwidth_bytes_per_s);
    }
  }

  // Commands: the last timed one, the delays after READY, the speed limit.
  double slowest = static_cast<double>(s.mirror.speed_bytes_per_s);
  bool unlimited_later = false;
  double unlimited_at = 0;
  for (const scenarios::Command& c : s.commands) {
    const double at = seconds_of_us(c.time_us);
    if (c.trigger == CommandTrigger::kOnReady) {
      e.after_ready_seconds += at;
    } else {
      e.settle_seconds = std::max(e.settle_seconds, at);
    }
    if (c.kind == CommandKind::kSetSpeed) {
      if (c.speed_bytes_per_s != 0) {
        const auto speed = static_cast<double>(c.speed_bytes_per_s);
        slowest = slowest == 0 ? speed : std::min(slowest, speed);
      } else if (c.trigger == CommandTrigger::kAt) {
        unlimited_later = true;
        unlimited_at = std::max(unlimited_at, at);
      }
    }
  }
  if (slowest > 0) {
    // The job may dispatch a whole buffer and then sleep it off.
    e.rate_seconds = (e.copy_bytes + buffer_d) / slowest;
    if (unlimited_later && slowest == static_cast<double>(s.mirror.speed_bytes_per_s)) {
      e.rate_seconds = std::min(e.rate_seconds, unlimited_at + kSliceSeconds);
    }
  }

  // Faults: a window that closes, then every error's retry or resume.
  e.overhead_seconds = kFlushes * flush_seconds(target, queued);
  for (const scenarios::FaultSpec& f : s.faults) {
    e.settle_seconds = std::max(e.settle_seconds, faults_settle_seconds(s, f));
    e.overhead_seconds +=
        e.op_seconds + flush_seconds(target, queued) + 2 * kSliceSeconds + kOperatorResumeSeconds;
  }

  e.seconds = e.settle_seconds + e.after_ready_seconds + e.copy_seconds + e.rate_seconds +
              e.guest_seconds + e.overhead_seconds;
  if (const auto* steady = std::get_if<sim::WorkloadParams>(&s.workload)) {
    double rate = steady->rate_iops;
    for (const sim::Phase& p : steady->phases) rate = std::max(rate, p.rate_iops);
    e.guest_requests = rate * e.seconds;
  }
  e.events = kEventsBase + kEventsPerOp * e.ops + kEventsPerGuestRequest * e.guest_requests +
             kEventsPerSecond * e.seconds;
  return e;
}

scenarios::Limits limits_for(const WorkEstimate& e) {
  scenarios::Limits limits;
  const double seconds = std::ceil(kSafetyFactor * e.seconds);
  limits.max_time_us = std::max(kMinTimeLimitUs, static_cast<std::uint64_t>(seconds) * 1'000'000);
  const double events = std::ceil(kSafetyFactor * e.events);
  limits.max_events = std::clamp(static_cast<std::uint64_t>(std::min(events, 1e18)), kMinEventLimit,
                                 kMaxEventLimit);
  return limits;
}

}  // namespace mirrorsim::properties
