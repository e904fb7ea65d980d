#include "bench/mirror_rig.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include <time.h>

#include "engine/wait_queue.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/sim_disk.h"
#include "sim/guest/workload.h"

namespace mirrorsim::bench {
namespace {

constexpr std::uint64_t kBlock = 4096;

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

sim::DiskOptions disk(const char* name, const RigOptions& rig, bool old_data) {
  sim::DiskOptions o;
  o.name = name;
  o.length_bytes = rig.length_bytes;
  o.bandwidth_bytes_per_s = 2'000'000'000;
  o.latency_ns = 100 * engine::kNsPerUs;
  o.queue_depth = 32;
  o.shared_bandwidth = true;  // one device: transfers take turns
  o.zero_init = !old_data;
  o.start_with_old_data = old_data;
  if (rig.split) o.io_model = sim::IoModel::kSplit;
  if (rig.delay) {
    o.completion_delay_ns = 20 * engine::kNsPerUs;
    o.reorder = true;
  }
  o.write_cache = rig.write_cache;
  return o;
}

// Wakes the driver at READY and at the job's end.
class ReadyWatch final : public engine::JobObserver {
 public:
  explicit ReadyWatch(engine::Runtime& runtime) : queue_(runtime, "READY or end") {}
  void on_event(const engine::JobEvent& event) override {
    if (event.kind == engine::JobEventKind::kReady ||
        event.kind == engine::JobEventKind::kCompleted)
      queue_.wake_all();
  }
  engine::WaitQueue& queue() { return queue_; }

 private:
  engine::WaitQueue queue_;
};

class Rig {
 public:
  explicit Rig(const RigOptions& options)
      : options_(options),
        sim_(sim::SimulationOptions{.seed = 1}),
        source_(sim_, content_, 1, disk("source", options, true)),
        target_(sim_, content_, 2, disk("target", options, false)),
        watch_(sim_),
        job_(sim_, source_, target_, params(), &watch_, [this] { take_pivot_snapshots(); }) {
    if (options.guest_iops > 0) {
      sim::WorkloadParams w;
      w.rate_iops = options.guest_iops;
      w.arrival = sim::Arrival::kUniform;  // random gaps, not a metronome
      w.size = sim::FixedSize{kBlock};
      w.align_bytes = kBlock;
      w.mix = sim::OpMix{1, 0, 0, 0};
      guest_.emplace(w, options.length_bytes, sim_.stream("workload"));
    }
  }

  ~Rig() { sim_.unwind_tasks(); }  // tasks refer to the job and the disks

  RigResult run() {
    sim_.spawn("driver", [this] { drive(); });
    RigResult result;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    result.run = sim_.run();
    result.run_cpu_s = cpu_seconds() - cpu_start;
    result.run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.job = job_.outcome();
    result.metrics = job_.metrics();
    result.guest_writes = guest_writes_;
    result.flushes = flushes_;
    result.peak_volatile_pieces = peak_volatile_;
    result.target_equals_source =
        at_pivot_ && !sim::first_difference(at_pivot_->first, at_pivot_->second).has_value();
    return result;
  }

 private:
  static engine::MirrorParams params() {
    engine::MirrorParams p;
    p.sync = engine::SyncMode::kFull;
    p.granularity_bytes = 64 * 1024;
    p.buf_size_bytes = 16 * 1024 * 1024;
    return p;
  }

  // Guest I/O is held off here: both disks must read the same (compared
  // after the run, where it is not timed). Later guest writes reach only
  // the target.
  void take_pivot_snapshots() { at_pivot_.emplace(source_.snapshot(), target_.snapshot()); }

  void drive() {
    job_.start();
    schedule_next_write();
    if (options_.write_cache) sim_.spawn("flusher", [this] { flush_periodically(); });
    watch_.queue().wait_until([this] { return job_.ready_seen() || job_.ended(); });
    if (!job_.ended()) job_.complete();
    job_.wait_until_ended();
  }

  // Each guest write runs in a task of its own from its arrival time.
  void schedule_next_write() {
    if (!guest_ || job_.ended()) return;
    const std::optional<sim::GuestRequest> r = guest_->next();
    if (!r) return;
    const engine::TimeNs delay = std::max<engine::TimeNs>(0, r->time - sim_.now());
    const std::uint64_t offset = r->offset;
    sim_.spawn_after(delay, "guest-write", [this, offset] {
      if (job_.ended()) return;
      schedule_next_write();
      const sim::ContentPayload data = sim::ContentPayload::fresh(content_.next(), kBlock);
      (void)job_.guest_device().write(offset, kBlock, data);
      ++guest_writes_;
    });
  }

  void flush_periodically() {
    while (!job_.ended()) {
      sim_.sleep_for(options_.flush_period_ns);
      peak_volatile_ = std::max<std::uint64_t>(
          peak_volatile_, source_.volatile_pieces() + target_.volatile_pieces());
      (void)job_.guest_device().flush();
      (void)target_.flush();
      flushes_ += 2;
    }
  }

  RigOptions options_;
  sim::Simulation sim_;
  sim::ContentSource content_;
  sim::SimDisk source_;
  sim::SimDisk target_;
  ReadyWatch watch_;
  engine::MirrorJob job_;
  std::optional<sim::WorkloadGenerator> guest_;
  std::uint64_t guest_writes_ = 0;
  std::uint64_t flushes_ = 0;
  std::uint64_t peak_volatile_ = 0;
  std::optional<std::pair<sim::GuestView, sim::GuestView>> at_pivot_;
};

}  // namespace

RigOptions with_model(RigOptions options, std::int64_t model) {
  options.split = model == 1 || model == 2;
  options.delay = model == 1 || model == 3;
  options.write_cache = model == 1 || model == 4;
  return options;
}

RigResult run_rig(const RigOptions& options) {
  Rig rig(options);
  return rig.run();
}

}  // namespace mirrorsim::bench
