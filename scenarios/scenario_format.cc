#include "scenarios/scenario_format.h"

#include <limits>

#include <fmt/format.h>

#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios {
namespace {

constexpr auto kMaxTomlInteger =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string toml_count(std::uint64_t value) {
  return value <= kMaxTomlInteger ? fmt::format("{}", value)
                                  : toml_string(fmt::format("{}", value));
}

std::string toml_size(std::uint64_t bytes) {
  if (auto unit = size_with_unit(bytes)) return toml_string(*unit);
  return toml_count(bytes);
}

std::string toml_time(std::uint64_t us) {
  if (auto unit = time_with_unit(us)) return toml_string(*unit);
  return us <= kMaxTomlInteger ? fmt::format("{}", us) : toml_string(fmt::format("{}us", us));
}

std::string toml_real(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string toml_bool(bool value) {
  return value ? "true" : "false";
}

std::string toml_rule_time(engine::TimeNs ns) {
  return toml_time(ns == sim::kForever ? 0 : static_cast<std::uint64_t>(ns / engine::kNsPerUs));
}

std::string toml_rule_length(std::uint64_t length) {
  return toml_size(length == sim::kWholeDisk ? 0 : length);
}

}  // namespace mirrorsim::scenarios
