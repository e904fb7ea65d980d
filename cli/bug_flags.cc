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

std::optional<engine::Profile> parse_profile_flag(std::string_view command, std::string_view name) {
  const std::optional<engine::Profile> profile = engine::parse_profile(name);
  if (!profile) {
    fmt::print(stderr, "{}: --profile: '{}' is not a profile; known profiles: default, qemu-7.2\n",
               command, name);
  }
  return profile;
}

}  // namespace mirrorsim::cli
