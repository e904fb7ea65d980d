#include "sim/kernel/random.h"

namespace mirrorsim::sim {

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

}  // namespace mirrorsim::sim
