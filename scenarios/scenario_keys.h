// The keys of scenario files, as one table.
//
// The loader takes the keys each TOML table may hold from here (a key that
// is not in this table is an "unknown key" error listing the table's keys),
// and `mirrorsim list keys` prints this table as the key reference, which is
// also docs/scenario.md. Keys with a unit end in it (length_bytes, latency_us,
// speed_bytes_per_s); renamed_keys() lists the older names still read. Each key has its type, unit,
// default (the TOML text the writer would write for it, from the model's own default values),
// allowed values and meaning. tests/scenario_keys_test.cc checks that the
// loader reads every key, that the stated defaults are what the loader
// assumes when a key is absent, and that docs/scenario.md is up to date.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mirrorsim::scenarios {

// The TOML tables of a scenario file, in the order the reference lists them.
enum class KeyTable : std::uint8_t {
  kTop,        // the top level of the file
  kLimits,     // [limits]
  kDisk,       // [source], [target], [base]
  kMirror,     // [mirror]
  kWorkload,   // [workload], whatever its kind
  kGenerator,  // [workload] of kind "generator"
  kTrace,      // [workload] of kind "trace"
  kSizeRange,  // workload.size_bytes = { min_bytes, max_bytes }
  kMix,        // workload.mix = { ... }
  kPhase,      // [[workload.phases]]
  kPrefill,    // [[prefill]]
  kFault,      // [[faults]]
  kCommand,    // [[commands]]
  kSwarm,      // [swarm]
};

struct KeyInfo {
  KeyTable table;
  std::string key;
  std::string type;  // size, time, integer, number, boolean, string, choice, table, ...
  std::string unit;  // bytes, bytes/s, us, requests/s; "" when the type says it all
  // The value a file without the key gets, as TOML; "" when there is none
  // (the key is required, or its absence means something else).
  std::string default_value;
  std::string default_note;  // when the default depends on other keys, or there is none
  std::string allowed;
  std::string meaning;
};

// Every key, grouped by table in KeyTable order.
std::span<const KeyInfo> scenario_keys();

// The keys of one or more tables, in table order (what the loader accepts).
std::vector<std::string_view> key_names(std::initializer_list<KeyTable> tables);

// A key renamed so that its unit comes last ("length" -> "length_bytes").
// The loader still reads the old name, as the new key, and notes it.
struct RenamedKey {
  KeyTable table;
  std::string_view old_key;
  std::string_view key;  // the current name, in scenario_keys()
};

// Every renamed key, in table order; and those of some tables.
std::span<const RenamedKey> renamed_keys();
std::vector<RenamedKey> renamed_keys(std::initializer_list<KeyTable> tables);

// "[source] [target] [base]", "[[faults]]", ...
std::string_view key_table_title(KeyTable table);

// The reference, as Markdown: what `mirrorsim list keys` prints and
// docs/scenario.md holds.
std::string key_reference();

}  // namespace mirrorsim::scenarios
