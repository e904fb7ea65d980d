// The --bug flags that run, check and mutants share.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/profile.h"

namespace mirrorsim::cli {

// True when every name is a known engine bug; otherwise prints
// "<where>: <why>" on stderr (the caller exits with kExitBadInput).
bool known_bug_names(std::string_view where, const std::vector<std::string>& names);

// " --bug a --bug b": the flags that re-create `names` on a replay line.
std::string bug_flags(const std::vector<std::string>& names);

// The profile named by a --profile flag; prints "<command>: --profile: ..."
// and returns nothing when the name is unknown or empty.
std::optional<engine::Profile> parse_profile_flag(std::string_view command, std::string_view name);

}  // namespace mirrorsim::cli
