// Key overrides: `mirrorsim run FILE --set target.cluster_bytes=1MiB`.
//
// An override names a key by its path as errors print it ("seed",
// "mirror.granularity_bytes", "faults[0].errno" or "faults.0.errno") and
// gives a value in TOML ("true", "4096", "\"full\"") or, when the text is not
// a TOML value, as a bare string ("full", "64KiB"). The overrides are applied
// to the parsed file, in order, before any key is read, so an overridden
// value is checked exactly as the same value written in the file would be.
// Missing tables on the way are created; an array of tables element must
// already exist.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "scenarios/scenario_check.h"  // KeyOverride

namespace mirrorsim::scenarios {

// Parses "path=value". Throws std::invalid_argument with a one-line message
// for a missing '=', an empty path or a malformed path.
KeyOverride parse_override(std::string_view text);

// "--set path=value", for messages.
std::string describe_override(const KeyOverride& o);

// Applies the overrides to `doc`. Throws ScenarioError (file `file`, line 0,
// key = the override's path) when a path cannot be set: an index past the
// end of an array, a step through a value that is not a table.
void apply_overrides(toml::table& doc, std::span<const KeyOverride> overrides,
                     const std::string& file);

// The last override that set `key` ("faults[0].errno") or a table or array
// holding it; nullptr if none did.
const KeyOverride* override_of(std::span<const KeyOverride> overrides, std::string_view key);

}  // namespace mirrorsim::scenarios
