#include "scenarios/scenario_units.h"

#include <array>
#include <charconv>
#include <utility>

namespace mirrorsim::scenarios {
namespace {

using Unit = std::pair<std::string_view, std::uint64_t>;

constexpr std::array<Unit, 10> kSizeUnits = {{{"", 1},
                                              {"B", 1},
                                              {"K", 1ULL << 10},
                                              {"KiB", 1ULL << 10},
                                              {"M", 1ULL << 20},
                                              {"MiB", 1ULL << 20},
                                              {"G", 1ULL << 30},
                                              {"GiB", 1ULL << 30},
                                              {"T", 1ULL << 40},
                                              {"TiB", 1ULL << 40}}};

constexpr std::array<Unit, 5> kTimeUnits = {
    {{"us", 1}, {"ms", 1'000}, {"s", 1'000'000}, {"min", 60'000'000}, {"h", 3'600'000'000}}};

// Digits, then an optional space, then a unit from `units`.
template <std::size_t N>
Quantity parse_with_units(std::string_view text, const std::array<Unit, N>& units) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return {};
  std::string_view unit = text.substr(digits);
  if (unit.starts_with(' ')) {
    unit.remove_prefix(1);
    if (unit.empty()) return {};
  }
  for (const auto& [name, scale] : units) {
    if (name != unit) continue;
    std::uint64_t number = 0;
    auto [stop, error] = std::from_chars(text.data(), text.data() + digits, number);
    if (error == std::errc::result_out_of_range || number > UINT64_MAX / scale) {
      return {Quantity::Status::kOverflow, 0};
    }
    return {Quantity::Status::kOk, number * scale};
  }
  return {};
}

}  // namespace

Quantity parse_size_text(std::string_view text) {
  return parse_with_units(text, kSizeUnits);
}

Quantity parse_time_text(std::string_view text) {
  return parse_with_units(text, kTimeUnits);
}

std::optional<std::string> size_with_unit(std::uint64_t bytes) {
  if (bytes == 0) return std::nullopt;
  constexpr std::array<Unit, 4> kLargestFirst = {
      {{"TiB", 1ULL << 40}, {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}}};
  for (const auto& [name, scale] : kLargestFirst) {
    if (bytes % scale == 0) return std::to_string(bytes / scale) + std::string(name);
  }
  return std::nullopt;
}

std::optional<std::string> time_with_unit(std::uint64_t us) {
  if (us == 0) return std::nullopt;
  if (us % 1'000'000 == 0) return std::to_string(us / 1'000'000) + "s";
  if (us % 1'000 == 0) return std::to_string(us / 1'000) + "ms";
  return std::nullopt;
}

}  // namespace mirrorsim::scenarios
