// Typed reading of a parsed TOML document, for the scenario loader.
//
// Every value read goes through here, so every error has the same shape
// (ScenarioError: file, line, key path, problem, allowed) and every key that
// was read has its line remembered for errors found later by the checker.
// A TableReader rejects keys it was not told about as soon as it is built,
// listing the allowed ones. Internal to scenarios/.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "scenarios/scenario.h"
#include "scenarios/scenario_keys.h"

namespace mirrorsim::scenarios::toml_detail {

// The file name and the line of each key path read so far.
class TomlContext {
 public:
  using NoteSink = std::function<void(const std::string& line)>;

  // `note` receives the notes (empty: stderr).
  explicit TomlContext(std::string file, NoteSink note = {})
      : file_(std::move(file)), note_(std::move(note)) {}

  [[noreturn]] void fail(std::uint64_t line, const std::string& key, std::string problem,
                         std::string allowed) const;
  [[noreturn]] void fail(const toml::node& node, const std::string& key, std::string problem,
                         std::string allowed) const;

  void remember(const std::string& key, const toml::node& node);
  // The line of `key`, or of its closest remembered parent; 1 if none.
  std::uint64_t line_of(std::string key) const;

  // "<file>:<line>: note: key '<old_key>' is deprecated; write '<key>'",
  // once per old key name.
  void note_renamed(std::uint64_t line, std::string_view old_key, std::string_view key);

 private:
  std::string file_;
  NoteSink note_;
  std::set<std::string, std::less<>> noted_;
  std::map<std::string, std::uint64_t, std::less<>> lines_;
};

// Value readers: `key` is the full key path, for errors.
std::uint64_t read_size(const TomlContext& ctx, const toml::node& node, const std::string& key);
std::uint64_t read_time_us(const TomlContext& ctx, const toml::node& node, const std::string& key);
// A non-negative integer; a string of decimal digits too (for values above 2^63-1).
std::uint64_t read_count(const TomlContext& ctx, const toml::node& node, const std::string& key);
double read_real(const TomlContext& ctx, const toml::node& node, const std::string& key);
bool read_bool(const TomlContext& ctx, const toml::node& node, const std::string& key);
std::string read_string(const TomlContext& ctx, const toml::node& node, const std::string& key);
// "an integer", "a string", ...: for "wrong type" messages.
std::string_view describe_type(const toml::node& node);

template <typename Enum>
Enum read_enum(const TomlContext& ctx, const toml::node& node, const std::string& key) {
  const std::string name = read_string(ctx, node, key);
  if (auto value = parse_enum<Enum>(name)) return *value;
  ctx.fail(node, key, "'" + name + "' is not a choice here", allowed_names<Enum>());
}

// The keys of one table. Optional reads leave `out` alone when the key is absent.
// A key's old name (renamed_keys()) reads as the key, with a note; both
// names in one table are an error.
class TableReader {
 public:
  // `tables`: whose keys this table holds, from the key table (scenario_keys.h).
  TableReader(TomlContext& ctx, const toml::table& table, std::string path,
              std::initializer_list<KeyTable> tables);

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const;
  TomlContext& context() const { return ctx_; }

  // The node of `key` (remembering its line), or nullptr.
  const toml::node* find(std::string_view key) const;
  // The node of `key`, or a "missing" error listing `allowed`.
  const toml::node& require(std::string_view key, std::string_view allowed) const;

  void size(std::string_view key, std::uint64_t& out) const;
  void time_us(std::string_view key, std::uint64_t& out) const;
  void count(std::string_view key, std::uint64_t& out) const;
  void count(std::string_view key, std::uint32_t& out) const;
  void real(std::string_view key, double& out) const;
  void boolean(std::string_view key, bool& out) const;
  void text(std::string_view key, std::string& out) const;
  template <typename Enum>
  void choice(std::string_view key, Enum& out) const {
    if (const toml::node* node = find(key)) out = read_enum<Enum>(ctx_, *node, key_path(key));
  }
  // A choice among named values of a type without an enum here (NamedValue).
  template <typename T>
  void named(std::string_view key, std::span<const NamedValue<T>> names, T& out) const {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const std::string name = read_string(ctx_, *node, key_path(key));
    if (auto value = parse_in(names, name)) {
      out = *value;
      return;
    }
    std::string allowed;
    for (const NamedValue<T>& n : names)
      allowed += (allowed.empty() ? "" : ", ") + std::string(n.name);
    ctx_.fail(*node, key_path(key), "'" + name + "' is not a choice here", allowed);
  }
  // A sub-table or an array, or a type error; nullptr when absent.
  const toml::table* subtable(std::string_view key) const;
  const toml::array* array(std::string_view key) const;

 private:
  TomlContext& ctx_;
  const toml::table& table_;
  std::string path_;
  std::vector<RenamedKey> renamed_;
};

// The tables of an array of tables ([[faults]]), each with its key path
// "<key>[i]"; other elements are errors.
std::vector<std::pair<const toml::table*, std::string>> tables_of(const TableReader& parent,
                                                                  std::string_view key);

}  // namespace mirrorsim::scenarios::toml_detail
