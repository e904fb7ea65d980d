// Simulated disk speed and memory: random 4 KiB writes on a 1 TiB extent
// image followed by a full compare, what an empty 1 TiB disk costs, and
// requests through a SimDisk with the unkind world off and on.
//
// Run (the full figure; each benchmark alone, so max RSS is its own):
//   build/disks/bench/disk_bench --benchmark_filter='RandomWritesThenCompare/raw/10000000'
// Counters:
//   writes_per_s      4 KiB writes per second into the image (wall clock)
//   writes_per_cpu_s  the same per second of process CPU time: on a shared
//                     machine this leaves out time spent waiting for a core
//   ops_per_s         writes per second counting the full compare too
//   compare_s         first_difference() of the image against an equal image
//                     built independently (nothing shared: every page's extents
//                     are compared, a memcmp per page pair with read-ahead)
//   snapshot_us       taking a GuestView of the written image
//   snap_compare_ms   first_difference() of that snapshot against the image
//   extents           extents stored in the written image
//   maxrss_MiB        peak resident memory of the process (getrusage)
//   image_MiB         the image's own accounting (ExtentStore::memory_bytes)
// SimDiskRequests (requests through a SimDisk on the virtual clock):
//   requests_per_s    requests served per second of wall clock
//   events            event-log records of the run
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"
#include "sim/kernel/random.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::sim {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;
constexpr std::uint64_t kBlock = 4096;

double max_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double current_rss_mib() {
  long pages = 0;
  long resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         static_cast<double>(kMiB);
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

DiskOptions terabyte(const char* name, std::uint64_t cluster) {
  DiskOptions o;
  o.name = name;
  o.length_bytes = kTiB;
  o.cluster_bytes = cluster;
  return o;
}

// `count` random 4 KiB-aligned 4 KiB writes; the same seed gives the same
// offsets and, from a fresh source, the same values.
void random_writes(DiskImage& image, std::uint64_t count, std::uint64_t seed) {
  RandomStream offsets(seed);
  ContentSource values;
  const std::uint64_t blocks = image.length() / kBlock;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t offset = offsets.below(blocks) * kBlock;
    if (!image.write(offset, ContentPayload::fresh(values.next(), kBlock)).ok()) std::abort();
  }
}

// Arguments: write count, cluster size (0 = raw).
void BM_RandomWritesThenCompare(benchmark::State& state) {
  const auto count = static_cast<std::uint64_t>(state.range(0));
  const auto cluster = static_cast<std::uint64_t>(state.range(1));
  for (auto _ : state) {
    DiskImage image(terabyte("a", cluster));
    auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    random_writes(image, count, 1);
    const double write_s = seconds_since(start);
    const double write_cpu_s = cpu_seconds() - cpu_start;

    start = std::chrono::steady_clock::now();
    GuestView snapshot = image.guest_view();
    const double snapshot_s = seconds_since(start);

    // The same writes into a second image: equal content, nothing shared.
    DiskImage twin(terabyte("b", cluster));
    random_writes(twin, count, 1);
    start = std::chrono::steady_clock::now();
    auto diff = first_difference(image.guest_view(), twin.guest_view());
    const double compare_s = seconds_since(start);
    if (diff) state.SkipWithError(("images differ: " + diff->describe()).c_str());

    // One more write, then the snapshot against the image: found by extents,
    // unchanged pages skipped as shared.
    if (!image.write(kTiB / 2, ContentPayload::fresh(std::uint64_t{1} << 40, kBlock)).ok())
      std::abort();
    start = std::chrono::steady_clock::now();
    auto snap_diff = first_difference(snapshot, image.guest_view());
    const double snap_compare_s = seconds_since(start);
    if (!snap_diff || snap_diff->offset != kTiB / 2) state.SkipWithError("snapshot changed");

    state.SetIterationTime(write_s + compare_s);
    state.counters["writes_per_s"] = static_cast<double>(count) / write_s;
    state.counters["writes_per_cpu_s"] = static_cast<double>(count) / write_cpu_s;
    state.counters["ops_per_s"] = static_cast<double>(count) / (write_s + compare_s);
    state.counters["compare_s"] = compare_s;
    state.counters["snapshot_us"] = snapshot_s * 1e6;
    state.counters["snap_compare_ms"] = snap_compare_s * 1e3;
    state.counters["extents"] = static_cast<double>(image.layer().stored_extents());
    state.counters["image_MiB"] =
        static_cast<double>(image.layer().memory_bytes()) / static_cast<double>(kMiB);
    state.counters["maxrss_MiB"] = max_rss_mib();
  }
}
BENCHMARK(BM_RandomWritesThenCompare)
    ->Name("RandomWritesThenCompare/raw")
    ->Args({10'000'000, 0})
    ->Args({1'000'000, 0})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomWritesThenCompare)
    ->Name("RandomWritesThenCompare/cluster4k")
    ->Args({10'000'000, 4096})
    ->Args({1'000'000, 4096})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
// 64 KiB clusters: every write into a fresh cluster also fills the rest of it
// (COW), so each write stores up to three extents.
BENCHMARK(BM_RandomWritesThenCompare)
    ->Name("RandomWritesThenCompare/cluster64k")
    ->Args({1'000'000, 65536})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// What empty 1 TiB images cost: the store's own accounting, and the resident
// memory of 256 of them divided by 256.
void BM_EmptyTerabyte(benchmark::State& state) {
  for (auto _ : state) {
    const double before = current_rss_mib();
    std::vector<std::unique_ptr<DiskImage>> images;
    for (int i = 0; i < 256; ++i) {
      images.push_back(std::make_unique<DiskImage>(terabyte("empty", i % 2 == 0 ? 0 : 65536)));
    }
    const double after = current_rss_mib();
    state.counters["store_KiB"] =
        static_cast<double>(images.front()->layer().memory_bytes()) / 1024.0;
    state.counters["rss_per_disk_KiB"] = (after - before) * 1024.0 / 256.0;
  }
}
BENCHMARK(BM_EmptyTerabyte)->Iterations(1)->Unit(benchmark::kMillisecond);

// One guest-sized write on a populated 1 TiB image, steady state.
void BM_Write4k(benchmark::State& state) {
  DiskImage image(terabyte("w", static_cast<std::uint64_t>(state.range(0))));
  random_writes(image, 1'000'000, 2);
  RandomStream offsets(3);
  std::uint64_t value = 10'000'000;
  for (auto _ : state) {
    const std::uint64_t offset = offsets.below(kTiB / kBlock) * kBlock;
    benchmark::DoNotOptimize(image.write(offset, ContentPayload::fresh(++value, kBlock)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Write4k)->Arg(0)->Arg(65536);

// A 64 KiB read through a two-layer chain.
void BM_Read64kThroughBacking(benchmark::State& state) {
  auto base = std::make_shared<DiskImage>(terabyte("base", 65536));
  random_writes(*base, 200'000, 4);
  DiskOptions top = terabyte("top", 65536);
  DiskImage image(top);
  image.attach_backing(base);
  random_writes(image, 200'000, 5);
  RandomStream offsets(6);
  for (auto _ : state) {
    const std::uint64_t offset = offsets.below(kTiB / 65536) * 65536;
    benchmark::DoNotOptimize(image.read(offset, 65536));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Read64kThroughBacking);

// Requests through a SimDisk on the virtual clock: 16 tasks of random 64 KiB
// reads and writes (half each) on a 1 TiB image with 64 KiB clusters.
// Argument: 0 = the default world (atomic, no delay); 1 = split requests and
// a completion delay of up to 20 us, reordered (pieces, instants and delays
// drawn per request, a task switch per piece).
void BM_SimDiskRequests(benchmark::State& state) {
  const bool unkind = state.range(0) != 0;
  constexpr int kTasks = 16;
  constexpr std::uint64_t kPerTask = 25'000;
  constexpr std::uint64_t kRequest = 64 * 1024;
  for (auto _ : state) {
    Simulation sim(SimulationOptions{.seed = 1});
    ContentSource content;
    DiskOptions o = terabyte("sim", 65536);
    if (unkind) {
      o.io_model = IoModel::kSplit;
      o.completion_delay_ns = 20 * engine::kNsPerUs;
      o.reorder = true;
    }
    SimDisk disk(sim, content, 1, o);
    for (int t = 0; t < kTasks; ++t) {
      sim.spawn("task", [&disk, t] {
        RandomStream r(static_cast<std::uint64_t>(t) + 1);
        engine::PayloadPtr out;
        for (std::uint64_t i = 0; i < kPerTask; ++i) {
          const std::uint64_t offset = r.below(kTiB / kRequest) * kRequest;
          const engine::IoStatus status = r.below(2) == 0 ? disk.write_fresh(offset, kRequest)
                                                          : disk.read(offset, kRequest, out);
          if (!status.ok()) std::abort();
        }
      });
    }
    const auto start = std::chrono::steady_clock::now();
    const RunOutcome outcome = sim.run();
    const double run_s = seconds_since(start);
    if (!outcome.ok()) state.SkipWithError(outcome.message.c_str());
    state.SetIterationTime(run_s);
    state.counters["requests_per_s"] = static_cast<double>(kTasks * kPerTask) / run_s;
    state.counters["events"] = static_cast<double>(outcome.events);
  }
}
BENCHMARK(BM_SimDiskRequests)
    ->Name("SimDiskRequests/atomic")
    ->Arg(0)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimDiskRequests)
    ->Name("SimDiskRequests/split_delay")
    ->Arg(1)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mirrorsim::sim
