// Sizes and times as written in scenario files.
//
// Sizes: a decimal integer of bytes, optionally followed by a binary unit:
// B, K or KiB (1024), M or MiB, G or GiB, T or TiB ("64KiB", "1M", "4096").
// Times: a decimal integer followed by a unit: us, ms, s, min, h ("10ms").
// No fractions, no signs; one optional space before the unit. Results that do
// not fit in 64 bits are reported as overflow, not wrapped. The formatting
// functions give the shortest exact unit form, which parses back to the same
// number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mirrorsim::scenarios {

struct Quantity {
  enum class Status { kOk, kSyntax, kOverflow };
  Status status = Status::kSyntax;
  std::uint64_t value = 0;  // bytes or microseconds when kOk
};

Quantity parse_size_text(std::string_view text);
Quantity parse_time_text(std::string_view text);  // value in microseconds

// What the parsers accept, for error messages.
inline constexpr std::string_view kSizeForms =
    "an integer number of bytes, or a string like \"4096\", \"64KiB\", \"1M\", \"2GiB\", \"1TiB\" "
    "(units B, K/KiB, M/MiB, G/GiB, T/TiB, binary)";
inline constexpr std::string_view kTimeForms =
    "an integer number of microseconds, or a string like \"500us\", \"10ms\", \"2s\", \"1min\", "
    "\"1h\"";

// "64KiB" for a nonzero multiple of 1024 (largest exact unit up to TiB); else nullopt.
std::optional<std::string> size_with_unit(std::uint64_t bytes);
// "2s" or "10ms" for a nonzero whole number of seconds or milliseconds; else nullopt.
std::optional<std::string> time_with_unit(std::uint64_t us);

}  // namespace mirrorsim::scenarios
