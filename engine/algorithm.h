// Which mirror algorithm a job runs (docs/algorithms.md): QEMU's mirror job
// (MIRROR.md), or one of VMware ESX's three generations of live storage
// migration: snapshot-based, iterative pre-copy, single-pass IO mirroring.
// A plain enum of its own, so that parameters and scenarios can name an
// algorithm without including any algorithm's code.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mirrorsim::engine {

enum class Algorithm : std::uint8_t { kQemu, kIoMirror, kSnapshot, kPrecopy };

// "qemu", "io-mirror", "snapshot", "precopy": as written in scenarios and
// on the command line.
std::string_view algorithm_name(Algorithm algorithm);
// nullopt for an unknown name.
std::optional<Algorithm> parse_algorithm(std::string_view name);

// What pre-copy does when its passes end with more left than it may copy
// within max_downtime: switch over anyway, or fail the job (no pivot).
enum class DowntimeAction : std::uint8_t { kForce, kAbort };
std::string_view downtime_action_name(DowntimeAction action);  // "force", "abort"
std::optional<DowntimeAction> parse_downtime_action(std::string_view name);

}  // namespace mirrorsim::engine
