// Profiles: whose bookkeeping the engine follows. "default" is the correct
// engine; "qemu-7.2" follows v7.2.0 block/mirror.c to the letter where that
// differs (MIRROR.md, last section), so the properties can judge QEMU 7.2
// itself. A profile is bookkeeping inside the one engine, switched where
// the correct code lives, never a second engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/known_bugs.h"

namespace mirrorsim::engine {

enum class Profile : std::uint8_t { kDefault, kQemu72 };

std::string_view profile_name(Profile profile);
// nullopt for an unknown name.
std::optional<Profile> parse_profile(std::string_view name);

// The catalogued literal behaviours (switches of known_bugs.h) that the
// profile turns on besides its own bookkeeping.
BugSet profile_literals(Profile profile);

}  // namespace mirrorsim::engine
