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
}  // namespace streams

// Mixes a 64-bit value (SplitMix64's finalizer): nearby inputs give unrelated outputs.
std::uint64_t mix64(std::uint64_t x);

// A stable 64-bit hash of a name (FNV-1a), for deriving stream seeds.
std::uint64_t hash_name(std::string_view name);

class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed);

  // The stream called `name` of run seed `root_seed`.
  static RandomStream derive(std::uint64_t root_seed, std::string_view name);

  std::uint64_t next_u64() { return engine_(); }

  // The draws are inline: a split request's plan makes up to nine of them
  // (about six on average).
  // Uniform in [0, bound). REQUIRES: bound > 0.
  [[gnu::always_inline]] std::uint64_t below(std::uint64_t bound) {
    MIRRORSIM_ASSERT(bound > 0, "RandomStream::below needs a positive bound");
    // Lemire's multiply-and-shift with rejection: unbiased, usually one draw.
    unsigned __int128 product = static_cast<unsigned __int128>(next_u64()) * bound;
    auto low = static_cast<std::uint64_t>(product);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        product = static_cast<unsigned __int128>(next_u64()) * bound;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::uint64_t>(product >> 64);
  }
  // Uniform in [low, high], inclusive. REQUIRES: low <= high.
  [[gnu::always_inline]] std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    MIRRORSIM_ASSERT(low <= high, "RandomStream::between needs low <= high");
    if (low == 0 && high == UINT64_MAX) return next_u64();
    return low + below(high - low + 1);
  }
  // Uniform in [0, 1), 53 bits of precision.
  double unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // True with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    return unit() < p;
  }

 private:
  boost::random::mt19937_64 engine_;
};

}  // namespace mirrorsim::sim
