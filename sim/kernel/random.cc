#include "sim/kernel/random.h"

#include "engine/invariant.h"

namespace mirrorsim::sim {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

RandomStream::RandomStream(std::uint64_t seed) : engine_(seed) {}

RandomStream RandomStream::derive(std::uint64_t root_seed, std::string_view name) {
  return RandomStream(mix64(mix64(root_seed) ^ hash_name(name)));
}

std::uint64_t RandomStream::below(std::uint64_t bound) {
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

std::uint64_t RandomStream::between(std::uint64_t low, std::uint64_t high) {
  MIRRORSIM_ASSERT(low <= high, "RandomStream::between needs low <= high");
  if (low == 0 && high == UINT64_MAX) return next_u64();
  return low + below(high - low + 1);
}

double RandomStream::unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

bool RandomStream::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return unit() < p;
}

}  // namespace mirrorsim::sim
