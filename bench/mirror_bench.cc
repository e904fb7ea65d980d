// Mirror job speed: a whole simulated mirror of a fully allocated disk, with
// and without a guest writing during the copy. Each benchmark is one run;
// the counters give the virtual time and the process's peak memory.
// Run: build/release/bench/mirror_bench  (add --benchmark_filter=Guest etc.)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "properties/world.h"
#include "scenarios/scenario.h"

namespace mirrorsim {
namespace {

scenarios::Scenario big_mirror(std::uint64_t length) {
  scenarios::Scenario s;
  s.name = "bench";
  s.limits.max_time_us = 3'600'000'000;
  s.limits.max_events = UINT64_MAX / 2;
  for (scenarios::DiskSpec* d : {&s.source, &s.target}) {
    d->kind = scenarios::DiskKind::kRaw;
    d->length_bytes = length;
    d->bandwidth_bytes_per_s = 2'000'000'000;
    d->latency_us = 100;
    d->queue_depth = 32;
    d->shared_bandwidth = true;  // one device: transfers take turns
  }
  s.source.zero_init = false;
  s.source.old_data = true;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.mirror.granularity_bytes = 64 * 1024;
  s.mirror.buf_size_bytes = 16 * 1024 * 1024;
  return s;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void report(benchmark::State& state, const properties::RunReport& r) {
  state.counters["virtual_s"] = static_cast<double>(r.sim.end_time_ns) / 1e9;
  state.counters["events"] = static_cast<double>(r.sim.events);
  state.counters["copy_ops"] = static_cast<double>(r.metrics.copy_ops);
  state.counters["guest_requests"] = static_cast<double>(r.guest_requests);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["passed"] = r.passed() ? 1 : 0;
  if (!r.passed()) state.SkipWithError(r.outcome_line().c_str());
}

// Issue 4: fully allocated source, 2 GB/s and 100 us disks, 64 KiB
// granularity, 16 MiB buffer, no guest writes. Target: < 5 s, < 1 GiB.
void BM_MirrorFullyAllocated(benchmark::State& state) {
  const std::uint64_t length = static_cast<std::uint64_t>(state.range(0)) << 30;
  for (auto _ : state) {
    const properties::RunReport r = properties::run_scenario(big_mirror(length));
    report(state, r);
  }
}
BENCHMARK(BM_MirrorFullyAllocated)->Arg(64)->Arg(1024)->Unit(benchmark::kSecond)->Iterations(1);

// The same with a guest doing random 4 KiB writes at 5,000 IOPS during the
// copy, then completing. Target: < 10 s.
void BM_MirrorWithGuest(benchmark::State& state) {
  const std::uint64_t length = static_cast<std::uint64_t>(state.range(0)) << 30;
  scenarios::Scenario s = big_mirror(length);
  sim::WorkloadParams w;
  w.rate_iops = 5000;
  w.arrival = sim::Arrival::kUniform;  // random gaps, not a metronome
  w.size = sim::FixedSize{4096};
  w.align_bytes = 4096;
  w.mix = sim::OpMix{1, 0, 0, 0};
  s.workload = w;
  for (auto _ : state) {
    const properties::RunReport r = properties::run_scenario(s);
    report(state, r);
  }
}
BENCHMARK(BM_MirrorWithGuest)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
}  // namespace mirrorsim
