#include "scenarios/scenario_overrides.h"

#include <cctype>
#include <cstddef>
#include <stdexcept>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "scenarios/scenario_error.h"

namespace mirrorsim::scenarios {
namespace {

using Step = std::variant<std::string, std::size_t>;  // a key, or an array index

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

// "faults[0].errno" and "faults.0.errno" both give {"faults", 0, "errno"}.
std::vector<Step> split_path(std::string_view path) {
  const auto bad = [&path](std::string_view why) {
    throw std::invalid_argument(
        fmt::format("--set {}: {}; allowed: a key path such as "
                    "mirror.granularity_bytes or faults[0].errno",
                    path, why));
  };
  std::vector<Step> steps;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t end = i;
    while (end < path.size() && key_char(path[end])) ++end;
    const std::string_view word = path.substr(i, end - i);
    if (word.empty()) bad("an empty key");
    if (all_digits(word) && !steps.empty()) {
      steps.emplace_back(static_cast<std::size_t>(std::stoul(std::string(word))));
    } else {
      steps.emplace_back(std::string(word));
    }
    while (end < path.size() && path[end] == '[') {
      const std::size_t close = path.find(']', end);
      if (close == std::string_view::npos) bad("a '[' without ']'");
      const std::string_view index = path.substr(end + 1, close - end - 1);
      if (!all_digits(index)) bad(fmt::format("'[{}]' is not an index", index));
      steps.emplace_back(static_cast<std::size_t>(std::stoul(std::string(index))));
      end = close + 1;
    }
    if (end == path.size()) break;
    if (path[end] != '.') bad(fmt::format("'{}' cannot be in a key", path[end]));
    i = end + 1;
  }
  return steps;
}

std::string canonical(const std::vector<Step>& steps) {
  std::string out;
  for (const Step& step : steps) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!out.empty()) out += '.';
      out += *key;
    } else {
      out += fmt::format("[{}]", std::get<std::size_t>(step));
    }
  }
  return out;
}

// The value as TOML when it is one ("4096", "true", "\"full\"", "[1, 2]"),
// else the text as a string ("full", "64KiB").
toml::table value_table(const std::string& text) {
  try {
    toml::table parsed = toml::parse("v = " + text, std::string_view("--set"));
    if (parsed.size() == 1 && parsed.contains("v")) return parsed;
  } catch (const toml::parse_error&) {
    // not TOML: a bare string
  }
  toml::table as_string;
  as_string.insert("v", text);
  return as_string;
}

void apply_one(toml::table& doc, const KeyOverride& o, const std::string& file) {
  const std::vector<Step> steps = split_path(o.path);
  const std::string path = canonical(steps);
  const auto fail = [&](std::string problem, std::string allowed) {
    throw ScenarioError(file, 0, path, fmt::format("{} (from {})", problem, describe_override(o)),
                        std::move(allowed));
  };
  toml::node* at = &doc;
  std::string walked;
  for (std::size_t n = 0; n < steps.size(); ++n) {
    const bool last = n + 1 == steps.size();
    if (const auto* key = std::get_if<std::string>(&steps[n])) {
      toml::table* table = at->as_table();
      if (table == nullptr)
        fail(fmt::format("{} is not a table", walked), "a key path into tables");
      if (last) {
        toml::table value = value_table(o.value);
        table->insert_or_assign(*key, std::move(*value.get("v")));
        return;
      }
      toml::node* next = table->get(*key);
      if (next == nullptr && std::holds_alternative<std::size_t>(steps[n + 1])) {
        fail(fmt::format("the file has no {}", canonical({steps.begin(), steps.begin() + n + 1})),
             "an index of an array the file has");
      }
      if (next == nullptr) next = &table->insert(*key, toml::table{}).first->second;
      at = next;
    } else {
      const std::size_t index = std::get<std::size_t>(steps[n]);
      toml::array* array = at->as_array();
      if (array == nullptr) fail(fmt::format("{} is not an array", walked), "a key path");
      if (index >= array->size()) {
        fail(fmt::format("{} has {} entries", walked, array->size()),
             fmt::format("an index below {}", array->size()));
      }
      if (last) {
        toml::table value = value_table(o.value);
        array->replace(array->cbegin() + static_cast<std::ptrdiff_t>(index),
                       std::move(*value.get("v")));
        return;
      }
      at = array->get(index);
    }
    walked = canonical(
        std::vector<Step>(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(n) + 1));
  }
}

}  // namespace

KeyOverride parse_override(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    throw std::invalid_argument(
        fmt::format("--set {}: no '='; allowed: KEY=VALUE, e.g. target.cluster_bytes=1MiB", text));
  }
  KeyOverride o{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
  o.path = canonical(split_path(o.path));
  return o;
}

std::string describe_override(const KeyOverride& o) {
  return fmt::format("--set {}={}", o.path, o.value);
}

void apply_overrides(toml::table& doc, std::span<const KeyOverride> overrides,
                     const std::string& file) {
  for (const KeyOverride& o : overrides) apply_one(doc, o, file);
}

const KeyOverride* override_of(std::span<const KeyOverride> overrides, std::string_view key) {
  const KeyOverride* found = nullptr;
  for (const KeyOverride& o : overrides) {
    const bool holds = key == o.path || (key.starts_with(o.path) &&
                                         (key[o.path.size()] == '.' || key[o.path.size()] == '['));
    if (holds) found = &o;
  }
  return found;
}

}  // namespace mirrorsim::scenarios
