#include "cli/input_errors.h"

#include <cstdio>
#include <stdexcept>

#include <fmt/core.h>

#include "scenarios/scenario_error.h"
#include "sim/guest/trace.h"

namespace mirrorsim::cli {

bool read_user_input(std::string_view command, std::string_view file,
                     const std::function<void()>& read) {
  try {
    read();
    return true;
  } catch (const scenarios::ScenarioError& e) {
    fmt::print(stderr, "mirrorsim {}: {}\n", command, e.what());
  } catch (const sim::TraceError& e) {
    fmt::print(stderr, "mirrorsim {}: {}\n", command, e.what());
  } catch (const std::invalid_argument& e) {
    if (file.empty()) {
      fmt::print(stderr, "mirrorsim {}: {}\n", command, e.what());
    } else {
      fmt::print(stderr, "mirrorsim {}: {}: {}\n", command, file, e.what());
    }
  }
  return false;
}

void require_qemu_algorithm(const scenarios::Scenario& scenario) {
  if (scenario.mirror.algorithm == engine::Algorithm::kQemu) return;
  throw std::invalid_argument(
      "mirror.algorithm: \"" + std::string(engine::algorithm_name(scenario.mirror.algorithm)) +
      "\" has no QEMU counterpart; allowed: \"qemu\" (QEMU runs only its own mirror job)");
}

}  // namespace mirrorsim::cli
