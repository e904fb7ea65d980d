// TOML text of scenario values, exactly as the writer puts them in files.
//
// Sizes and times take units where exact ("64KiB", "10ms"), else integers;
// integers above 2^63-1 (TOML's limit) become decimal strings; a real is
// its shortest exact form, always with '.' or an exponent. The writer and
// the key reference (scenario_keys.h) both format through here, so the
// defaults the reference prints are the text the writer would write.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scenarios/scenario.h"

namespace mirrorsim::scenarios {

std::string toml_string(std::string_view text);  // a TOML basic string, escaped
std::string toml_count(std::uint64_t value);
std::string toml_size(std::uint64_t bytes);
std::string toml_time(std::uint64_t us);
std::string toml_real(double value);
std::string toml_bool(bool value);

template <typename Enum>
std::string toml_name(Enum value) {
  return toml_string(name_of(value));
}

// The name of `value` among `names`, as a TOML string.
template <typename T>
std::string toml_named(std::span<const NamedValue<T>> names, const T& value) {
  return toml_string(name_in(names, value));
}

// A fault rule's fields as a file holds them: a time in whole microseconds,
// sim::kForever as 0; a length, sim::kWholeDisk as 0.
std::string toml_rule_time(engine::TimeNs ns);
std::string toml_rule_length(std::uint64_t length);

}  // namespace mirrorsim::scenarios
