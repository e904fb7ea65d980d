#include "engine/algorithm.h"

namespace mirrorsim::engine {

std::string_view algorithm_name(Algorithm algorithm) {
  return algorithm == Algorithm::kIoMirror ? "io-mirror" : "qemu";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm a : {Algorithm::kQemu, Algorithm::kIoMirror}) {
    if (algorithm_name(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::engine
