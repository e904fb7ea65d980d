// Seeded, portable random streams.
//
// One run seed determines everything random in a run. Each component draws
// from its own named stream derived from that seed (workload, latency, faults,
// scheduling...), so adding draws to one component never shifts another's.
//
// Portability: the generator is Boost's mt19937_64, whose output is fixed by
// its specification, and every mapping to a range is written out here (no
// std:: distributions, whose results differ between standard libraries). The
// same seed gives the same numbers with any compiler on any platform.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/random/mersenne_twister.hpp>

#include "engine/invariant.h"

namespace mirrorsim::sim {

// Names of the streams the simulation derives from a run seed.
namespace streams {
inline constexpr std::string_view kWorkload = "workload";
inline constexpr std::string_view kLatency = "latency";
inline constexpr std::string_view kFaults = "faults";
inline constexpr std::string_view kScheduling = "scheduling";
// A disk's unkind world: pieces, instants, torn subsets, completion delays.
inline constexpr std::string_view kIo = "io";
// The key of a disk's per-request plan streams (ItemStream).
inline constexpr std::string_view kPlan = "plan";
}  // namespace streams

// Mixes a 64-bit value (SplitMix64's finalizer): nearby inputs give unrelated outputs.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A stable 64-bit hash of a name (FNV-1a), for deriving stream seeds.
std::uint64_t hash_name(std::string_view name);

// The mappings from a generator's 64-bit words to ranges, written out once
// for every generator (Derived provides next_u64()).
template <typename Derived>
class UniformDraws {
 public:
  // The draws are inline: a split request's plan makes up to nine of them
  // (about six on average).
  // Uniform in [0, bound). REQUIRES: bound > 0.
  [[gnu::always_inline]] std::uint64_t below(std::uint64_t bound) {
    MIRRORSIM_ASSERT(bound > 0, "RandomStream::below needs a positive bound");
    // Lemire's multiply-and-shift with rejection: unbiased, usually one draw.
    unsigned __int128 product = static_cast<unsigned __int128>(word()) * bound;
    auto low = static_cast<std::uint64_t>(product);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        product = static_cast<unsigned __int128>(word()) * bound;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::uint64_t>(product >> 64);
  }
  // Uniform in [low, high], inclusive. REQUIRES: low <= high.
  [[gnu::always_inline]] std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    MIRRORSIM_ASSERT(low <= high, "RandomStream::between needs low <= high");
    if (low == 0 && high == UINT64_MAX) return word();
    return low + below(high - low + 1);
  }
  // Uniform in [0, 1), 53 bits of precision.
  double unit() { return static_cast<double>(word() >> 11) * 0x1.0p-53; }
  // True with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    return unit() < p;
  }

 private:
  std::uint64_t word() { return static_cast<Derived*>(this)->next_u64(); }
};

class RandomStream : public UniformDraws<RandomStream> {
 public:
  explicit RandomStream(std::uint64_t seed);

  // The stream called `name` of run seed `root_seed`.
  static RandomStream derive(std::uint64_t root_seed, std::string_view name);

  std::uint64_t next_u64() { return engine_(); }

 private:
  boost::random::mt19937_64 engine_;
};

// A stream for one item of many, made where it is needed (a counter run
// through SplitMix64's finalizer: one word of state, nothing to set up): what is drawn for the item
// is the same whenever and in whatever order the items draw. Items' keys should be distinct; their
// streams are unrelated then.
class ItemStream : public UniformDraws<ItemStream> {
 public:
  ItemStream(std::uint64_t stream_key, std::uint64_t item) : state_(mix64(stream_key ^ item)) {}
  std::uint64_t next_u64() { return mix64(state_++); }

 private:
  std::uint64_t state_;
};

}  // namespace mirrorsim::sim
