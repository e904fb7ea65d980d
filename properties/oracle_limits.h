// Where the bounds oracle takes its limits from.
#pragma once

#include <cstdint>

namespace mirrorsim::properties {

// Where the bounds oracle takes its limits from.
enum class OracleLimits : std::uint8_t {
  kSpecification,  // MIRROR.md's (properties/mirror_spec.h): the only honest choice
  // The job's own resolved limits: an oracle that moves with the engine. Only
  // for `mutants --without spec`, to show which bugs such an oracle misses.
  kEngine,
};

}  // namespace mirrorsim::properties
