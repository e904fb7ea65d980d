#include "engine/algorithm.h"

#include <array>

namespace mirrorsim::engine {

namespace {
constexpr std::array<Algorithm, 4> kAll = {Algorithm::kQemu, Algorithm::kIoMirror,
                                           Algorithm::kSnapshot, Algorithm::kPrecopy};
}  // namespace

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kIoMirror:
      return "io-mirror";
    case Algorithm::kSnapshot:
      return "snapshot";
    case Algorithm::kPrecopy:
      return "precopy";
    case Algorithm::kQemu:
      break;
  }
  return "qemu";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm a : kAll) {
    if (algorithm_name(a) == name) return a;
  }
  return std::nullopt;
}

std::string_view downtime_action_name(DowntimeAction action) {
  return action == DowntimeAction::kAbort ? "abort" : "force";
}

std::optional<DowntimeAction> parse_downtime_action(std::string_view name) {
  for (DowntimeAction a : {DowntimeAction::kForce, DowntimeAction::kAbort}) {
    if (downtime_action_name(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::engine
