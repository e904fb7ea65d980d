#include "cli/bug_flags.h"

#include <stdexcept>

#include <fmt/core.h>

#include "engine/known_bugs.h"

namespace mirrorsim::cli {

bool known_bug_names(std::string_view where, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    try {
      engine::parse_bug(name);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "{}: {}\n", where, e.what());
      return false;
    }
  }
  return true;
}

std::string bug_flags(const std::vector<std::string>& names) {
  std::string flags;
  for (const std::string& name : names) flags += " --bug " + name;
  return flags;
}

}  // namespace mirrorsim::cli
