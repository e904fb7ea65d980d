// Which mirror algorithm a job runs (docs/algorithms.md): QEMU's mirror job
// (MIRROR.md), or single-pass IO mirroring (VMware ESX's third generation).
// A plain enum of its own, so that parameters and scenarios can name an
// algorithm without including any algorithm's code.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mirrorsim::engine {

enum class Algorithm : std::uint8_t { kQemu, kIoMirror };

// "qemu", "io-mirror": as written in scenarios and on the command line.
std::string_view algorithm_name(Algorithm algorithm);
// nullopt for an unknown name.
std::optional<Algorithm> parse_algorithm(std::string_view name);

}  // namespace mirrorsim::engine
