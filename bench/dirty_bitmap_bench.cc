// Benchmarks of engine/dirty_bitmap.h on the engine's default geometry for a
// large disk: 1 TiB at 64 KiB granularity (2^24 chunks, 2 MiB of bits).
//
// Ranges and positions are drawn up front from a fixed seed, so every run
// measures the same work and the generator stays out of the timed loop.
#include "engine/dirty_bitmap.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace mirrorsim::engine {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kTiB = kKiB * kKiB * kKiB * kKiB;
constexpr std::uint64_t kDiskBytes = kTiB;
constexpr std::uint64_t kGranularityBytes = 64 * kKiB;
constexpr std::uint64_t kChunks = kDiskBytes / kGranularityBytes;
constexpr std::size_t kPrecomputed = 4096;  // ranges drawn per benchmark, reused cyclically
constexpr std::uint64_t kSeed = 20240229;

struct Range {
  std::uint64_t offset;
  std::uint64_t bytes;
};

// Unaligned byte ranges of 1 .. max_bytes bytes, anywhere on the disk.
std::vector<Range> random_ranges(std::uint64_t max_bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint64_t> size(1, max_bytes);
  std::vector<Range> ranges;
  ranges.reserve(kPrecomputed);
  for (std::size_t i = 0; i < kPrecomputed; ++i) {
    const std::uint64_t bytes = size(rng);
    const std::uint64_t offset =
        std::uniform_int_distribution<std::uint64_t>(0, kDiskBytes - bytes)(rng);
    ranges.push_back({offset, bytes});
  }
  return ranges;
}

// A bitmap with `dirty` random chunks set.
DirtyBitmap sparse_bitmap(std::uint64_t dirty, std::uint64_t seed) {
  DirtyBitmap bitmap(kDiskBytes, kGranularityBytes);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint64_t> chunk(0, kChunks - 1);
  while (bitmap.count() < dirty) bitmap.set_chunks(chunk(rng), 1);
  return bitmap;
}

// set() of random ranges (a guest writing), alternating with reset() of other
// random ranges (copies finishing) so that the bitmap does not saturate.
// Arg: largest range in bytes.
void BM_SetResetRandomRanges(benchmark::State& state) {
  const auto max_bytes = static_cast<std::uint64_t>(state.range(0));
  DirtyBitmap bitmap(kDiskBytes, kGranularityBytes);
  const std::vector<Range> sets = random_ranges(max_bytes, kSeed);
  const std::vector<Range> resets = random_ranges(max_bytes, kSeed + 1);
  std::size_t i = 0;
  for (auto _ : state) {
    bitmap.set(sets[i].offset, sets[i].bytes);
    bitmap.reset(resets[i].offset, resets[i].bytes);
    i = (i + 1) % kPrecomputed;
  }
  benchmark::DoNotOptimize(bitmap.count());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
  state.counters["dirty_chunks"] = static_cast<double>(bitmap.count());
}
BENCHMARK(BM_SetResetRandomRanges)->Arg(4 * kKiB)->Arg(1024 * kKiB)->Arg(64 * 1024 * kKiB);

// Dirtying and cleaning the whole disk (full sync start; end of a pass).
void BM_SetResetWholeDisk(benchmark::State& state) {
  DirtyBitmap bitmap(kDiskBytes, kGranularityBytes);
  for (auto _ : state) {
    bitmap.set(0, kDiskBytes);
    bitmap.reset(0, kDiskBytes);
  }
  benchmark::DoNotOptimize(bitmap.count());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 2 *
                          static_cast<std::int64_t>(kChunks / 8));
}
BENCHMARK(BM_SetResetWholeDisk)->Unit(benchmark::kMillisecond);

// A full pass with next_dirty_chunk over a bitmap with Arg dirty chunks.
// Items = dirty chunks visited.
void BM_NextDirtyFullScan(benchmark::State& state) {
  const auto dirty = static_cast<std::uint64_t>(state.range(0));
  const DirtyBitmap bitmap = sparse_bitmap(dirty, kSeed);
  for (auto _ : state) {
    std::uint64_t visited = 0;
    for (auto c = bitmap.next_dirty_chunk(0); c; c = bitmap.next_dirty_chunk(*c + 1)) ++visited;
    benchmark::DoNotOptimize(visited);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * dirty));
}
BENCHMARK(BM_NextDirtyFullScan)->Arg(1)->Arg(1000)->Arg(100000)->Arg(kChunks / 2);

// One next_dirty_chunk from a random position, on a bitmap with Arg dirty chunks.
void BM_NextDirtyFromRandom(benchmark::State& state) {
  const DirtyBitmap bitmap = sparse_bitmap(static_cast<std::uint64_t>(state.range(0)), kSeed);
  std::mt19937_64 rng(kSeed + 2);
  std::vector<std::uint64_t> starts(kPrecomputed);
  for (std::uint64_t& s : starts) s = std::uniform_int_distribution<std::uint64_t>(0, kChunks)(rng);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bitmap.next_dirty_chunk(starts[i]));
    i = (i + 1) % kPrecomputed;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_NextDirtyFromRandom)->Arg(1)->Arg(1000)->Arg(100000);

// The engine's loop: dirty random ranges, then drain the bitmap run by run
// with next_dirty_chunk + next_clean_chunk + reset_chunks. Arg: ranges set.
void BM_SetThenDrainRuns(benchmark::State& state) {
  const auto writes = static_cast<std::size_t>(state.range(0));
  const std::vector<Range> ranges = random_ranges(1024 * kKiB, kSeed + 3);
  DirtyBitmap bitmap(kDiskBytes, kGranularityBytes);
  std::uint64_t runs = 0;
  for (auto _ : state) {
    for (std::size_t w = 0; w < writes; ++w) {
      const Range& r = ranges[w % kPrecomputed];
      bitmap.set(r.offset, r.bytes);
    }
    for (auto start = bitmap.next_dirty_chunk(0); start; start = bitmap.next_dirty_chunk(*start)) {
      const std::uint64_t end = bitmap.next_clean_chunk(*start).value_or(bitmap.chunks());
      bitmap.reset_chunks(*start, end - *start);
      ++runs;
    }
  }
  benchmark::DoNotOptimize(runs);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * writes));
}
BENCHMARK(BM_SetThenDrainRuns)->Arg(64)->Arg(4096)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mirrorsim::engine
