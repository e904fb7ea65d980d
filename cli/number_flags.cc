#include "cli/number_flags.h"

#include <charconv>
#include <cmath>

#include <fmt/core.h>

namespace mirrorsim::cli {

std::optional<std::uint64_t> parse_count_flag(std::string_view where, std::string_view text,
                                              std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    fmt::print(stderr, "{}: '{}' is not a whole number from {} to {}\n", where, text, min, max);
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_seconds_flag(std::string_view where, std::string_view text,
                                         double max) {
  double value = 0;
  const bool plain = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!plain || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value <= 0 || value > max) {
    fmt::print(stderr, "{}: '{}' is not a number of seconds above 0 and at most {}\n", where, text,
               max);
    return std::nullopt;
  }
  return value;
}

}  // namespace mirrorsim::cli
