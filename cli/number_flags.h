// Whole numbers on the command line, read as strictly as scenario files
// read them: digits only (no sign, no spaces, no fraction), inside a stated
// range. A bad value prints "mirrorsim <command>: --flag: '<text>' ..." on
// stderr and the command exits with kExitBadInput.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mirrorsim::cli {

// The value of `text`, or nothing after printing why it is refused.
std::optional<std::uint64_t> parse_count_flag(std::string_view where, std::string_view text,
                                              std::uint64_t min, std::uint64_t max);

// A positive number of seconds (fractions allowed), at most `max`.
std::optional<double> parse_seconds_flag(std::string_view where, std::string_view text, double max);

}  // namespace mirrorsim::cli
