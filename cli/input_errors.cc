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

}  // namespace mirrorsim::cli
