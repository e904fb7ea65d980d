#include "scenarios/scenario_toml.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "scenarios/scenario_error.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios::toml_detail {
namespace {

constexpr std::string_view kCountForms =
    "a non-negative integer (or a string of decimal digits, for values above "
    "9223372036854775807)";

std::uint64_t line_of_node(const toml::node& node) {
  return std::max<std::uint64_t>(node.source().begin.line, 1);
}

// A floating-point value where an integer or string was expected: say NaN
// and infinities by name, they are the common mistake.
std::string float_problem(const toml::node& node) {
  const double value = node.as_floating_point()->get();
  if (std::isnan(value)) return "nan is not a number";
  if (std::isinf(value)) return "inf is not a finite number";
  return fmt::format("{} is a floating-point number", value);
}

[[noreturn]] void wrong_type(const TomlContext& ctx, const toml::node& node, const std::string& key,
                             std::string_view allowed) {
  if (node.is_floating_point()) ctx.fail(node, key, float_problem(node), std::string(allowed));
  ctx.fail(node, key, fmt::format("{} is the wrong type", describe_type(node)),
           std::string(allowed));
}

std::uint64_t read_unit_quantity(const TomlContext& ctx, const toml::node& node,
                                 const std::string& key, Quantity (*parse)(std::string_view),
                                 std::string_view what, std::string_view forms) {
  if (const auto* integer = node.as_integer()) {
    const std::int64_t value = integer->get();
    if (value < 0)
      ctx.fail(node, key, fmt::format("negative {} {}", what, value), std::string(forms));
    return static_cast<std::uint64_t>(value);
  }
  if (const auto* text = node.as_string()) {
    const Quantity quantity = parse(text->get());
    if (quantity.status == Quantity::Status::kOk) return quantity.value;
    ctx.fail(node, key,
             quantity.status == Quantity::Status::kOverflow
                 ? fmt::format("\"{}\" does not fit in 64 bits", text->get())
                 : fmt::format("\"{}\" is not a {}", text->get(), what),
             std::string(forms));
  }
  wrong_type(ctx, node, key, forms);
}

}  // namespace

void TomlContext::fail(std::uint64_t line, const std::string& key, std::string problem,
                       std::string allowed) const {
  throw ScenarioError(file_, std::max<std::uint64_t>(line, 1), key, std::move(problem),
                      std::move(allowed));
}

void TomlContext::fail(const toml::node& node, const std::string& key, std::string problem,
                       std::string allowed) const {
  fail(line_of_node(node), key, std::move(problem), std::move(allowed));
}

void TomlContext::remember(const std::string& key, const toml::node& node) {
  lines_[key] = line_of_node(node);
}

std::uint64_t TomlContext::line_of(std::string key) const {
  while (!key.empty()) {
    if (auto it = lines_.find(key); it != lines_.end()) return it->second;
    const std::size_t cut = key.find_last_of(".[");
    key.resize(cut == std::string::npos ? 0 : cut);
  }
  return 1;
}

void TomlContext::note_renamed(std::uint64_t line, std::string_view old_key, std::string_view key) {
  if (!noted_.emplace(old_key).second) return;
  const std::string text =
      fmt::format("{}:{}: note: key '{}' is deprecated; write '{}'", file_, line, old_key, key);
  if (note_) {
    note_(text);
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
}

std::string_view describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time of day";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::uint64_t read_size(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  return read_unit_quantity(ctx, node, key, parse_size_text, "size", kSizeForms);
}

std::uint64_t read_time_us(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  return read_unit_quantity(ctx, node, key, parse_time_text, "time", kTimeForms);
}

std::uint64_t read_count(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0) {
      ctx.fail(node, key, fmt::format("negative number {}", integer->get()),
               std::string(kCountForms));
    }
    return static_cast<std::uint64_t>(integer->get());
  }
  if (const auto* text = node.as_string()) {
    const std::string& digits = text->get();
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (!digits.empty() && digits.front() != '-' && digits.front() != '+' && error == std::errc{} &&
        end == digits.data() + digits.size()) {
      return value;
    }
    ctx.fail(node, key,
             error == std::errc::result_out_of_range
                 ? fmt::format("\"{}\" does not fit in 64 bits", digits)
                 : fmt::format("\"{}\" is not a decimal number", digits),
             std::string(kCountForms));
  }
  wrong_type(ctx, node, key, kCountForms);
}

double read_real(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  constexpr std::string_view kForms = "a finite number";
  if (const auto* real = node.as_floating_point()) {
    if (!std::isfinite(real->get())) ctx.fail(node, key, float_problem(node), std::string(kForms));
    return real->get();
  }
  if (const auto* integer = node.as_integer()) return static_cast<double>(integer->get());
  wrong_type(ctx, node, key, kForms);
}

bool read_bool(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  if (const auto* value = node.as_boolean()) return value->get();
  wrong_type(ctx, node, key, "true or false");
}

std::string read_string(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  if (const auto* value = node.as_string()) return value->get();
  wrong_type(ctx, node, key, "a string");
}

TableReader::TableReader(TomlContext& ctx, const toml::table& table, std::string path,
                         std::initializer_list<KeyTable> tables)
    : ctx_(ctx), table_(table), path_(std::move(path)), renamed_(renamed_keys(tables)) {
  if (!path_.empty()) ctx_.remember(path_, table_);
  const std::vector<std::string_view> allowed = key_names(tables);
  for (auto&& entry : table_) {
    const toml::key& key = entry.first;  // a named reference: clang 14 cannot capture bindings
    const toml::node& node = entry.second;
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    const auto renamed = std::find_if(renamed_.begin(), renamed_.end(),
                                      [&](const RenamedKey& r) { return r.old_key == key.str(); });
    if (renamed != renamed_.end()) {
      const std::uint64_t line =
          std::max<std::uint64_t>(key.source().begin.line, line_of_node(node));
      if (table_.contains(renamed->key)) {
        ctx_.fail(line, key_path(renamed->key),
                  fmt::format("both '{}' and its old name '{}'", renamed->key, renamed->old_key),
                  fmt::format("'{}' only", renamed->key));
      }
      ctx_.note_renamed(line, renamed->old_key, renamed->key);
      continue;
    }
    std::string names;
    for (std::string_view name : allowed)
      names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
    ctx_.fail(std::max<std::uint64_t>(key.source().begin.line, line_of_node(node)),
              key_path(key.str()), "unknown key", names);
  }
}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const toml::node* TableReader::find(std::string_view key) const {
  const toml::node* node = table_.get(key);
  for (const RenamedKey& r : renamed_) {
    if (node == nullptr && r.key == key) node = table_.get(r.old_key);
  }
  if (node != nullptr) ctx_.remember(key_path(key), *node);
  return node;
}

const toml::node& TableReader::require(std::string_view key, std::string_view allowed) const {
  if (const toml::node* node = find(key)) return *node;
  ctx_.fail(ctx_.line_of(path_), key_path(key), "missing", std::string(allowed));
}

void TableReader::size(std::string_view key, std::uint64_t& out) const {
  if (const toml::node* node = find(key)) out = read_size(ctx_, *node, key_path(key));
}

void TableReader::time_us(std::string_view key, std::uint64_t& out) const {
  if (const toml::node* node = find(key)) out = read_time_us(ctx_, *node, key_path(key));
}

void TableReader::count(std::string_view key, std::uint64_t& out) const {
  if (const toml::node* node = find(key)) out = read_count(ctx_, *node, key_path(key));
}

void TableReader::count(std::string_view key, std::uint32_t& out) const {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  const std::uint64_t value = read_count(ctx_, *node, key_path(key));
  if (value > UINT32_MAX) {
    ctx_.fail(*node, key_path(key), fmt::format("{} is too large", value), "at most 4294967295");
  }
  out = static_cast<std::uint32_t>(value);
}

void TableReader::real(std::string_view key, double& out) const {
  if (const toml::node* node = find(key)) out = read_real(ctx_, *node, key_path(key));
}

void TableReader::boolean(std::string_view key, bool& out) const {
  if (const toml::node* node = find(key)) out = read_bool(ctx_, *node, key_path(key));
}

void TableReader::text(std::string_view key, std::string& out) const {
  if (const toml::node* node = find(key)) out = read_string(ctx_, *node, key_path(key));
}

const toml::table* TableReader::subtable(std::string_view key) const {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  if (const auto* table = node->as_table()) return table;
  wrong_type(ctx_, *node, key_path(key), "a table");
}

const toml::array* TableReader::array(std::string_view key) const {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  if (const auto* array = node->as_array()) return array;
  wrong_type(ctx_, *node, key_path(key), "an array");
}

std::vector<std::pair<const toml::table*, std::string>> tables_of(const TableReader& parent,
                                                                  std::string_view key) {
  std::vector<std::pair<const toml::table*, std::string>> out;
  const toml::array* array = parent.array(key);
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string path = fmt::format("{}[{}]", parent.key_path(key), i);
    const auto* table = element.as_table();
    if (table == nullptr) {
      parent.context().fail(element, path,
                            fmt::format("{} is the wrong type", describe_type(element)),
                            fmt::format("tables ([[{}]] sections)", parent.key_path(key)));
    }
    out.emplace_back(table, path);
  }
  return out;
}

}  // namespace mirrorsim::scenarios::toml_detail
