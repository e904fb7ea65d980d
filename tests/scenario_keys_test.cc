// The key table (scenarios/scenario_keys.h) against the loader and the
// writer: every key in it is read by the loader and changes the scenario,
// every stated default is what the loader assumes for a missing key, the
// writer writes exactly the table's keys, and docs/scenario.md is the
// table's current rendering.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "properties/scenario_build.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_keys.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_writer.h"

namespace mirrorsim::scenarios {
namespace {

const std::filesystem::path kRoot = std::filesystem::path(__FILE__).parent_path().parent_path();
const std::filesystem::path kData = kRoot / "tests" / "data";
const std::string kMirror = "[mirror]\nsync = \"full\"\n";

using Key = std::pair<KeyTable, std::string>;

// A value other than the default for every key, valid in the document
// doc() builds for it. A key added to the table needs one here.
const std::map<Key, std::string>& examples() {
  using T = KeyTable;
  static const std::map<Key, std::string> m = {
      {{T::kTop, "name"}, "\"x\""},
      {{T::kTop, "description"}, "\"about x\""},
      {{T::kTop, "seed"}, "7"},
      {{T::kTop, "limits"}, "{ max_events = 5 }"},
      {{T::kTop, "source"}, "{ latency_us = 5 }"},
      {{T::kTop, "target"}, "{ latency_us = 5 }"},
      {{T::kTop, "base"}, "{ kind = \"cluster\" }"},
      {{T::kTop, "mirror"}, "{ sync = \"top\" }"},
      {{T::kTop, "workload"}, "{ rate_iops = 5 }"},
      {{T::kTop, "prefill"}, "[{ offset_bytes = 0, length_bytes = 4096 }]"},
      {{T::kTop, "faults"}, "[{ once = true }]"},
      {{T::kTop, "commands"}, "[{ action = \"pause\", at_us = 5 }]"},
      {{T::kTop, "swarm"}, "{ cow = true }"},
      {{T::kLimits, "max_time_us"}, "\"1s\""},
      {{T::kLimits, "max_events"}, "1000"},
      {{T::kDisk, "kind"}, "\"cluster\""},
      {{T::kDisk, "length_bytes"}, "\"1MiB\""},
      {{T::kDisk, "cluster_bytes"}, "\"1MiB\""},
      {{T::kDisk, "backing"}, "\"attached\""},
      {{T::kDisk, "zero_init"}, "false"},
      {{T::kDisk, "discard_reads_zero"}, "true"},
      {{T::kDisk, "old_data"}, "true"},
      {{T::kDisk, "capacity_bytes"}, "\"1MiB\""},
      {{T::kDisk, "latency_us"}, "\"5ms\""},
      {{T::kDisk, "bandwidth_bytes_per_s"}, "\"100MiB\""},
      {{T::kDisk, "shared_bandwidth"}, "false"},
      {{T::kDisk, "jitter_us"}, "20"},
      {{T::kDisk, "queue_depth"}, "4"},
      {{T::kDisk, "flush_latency_us"}, "\"2ms\""},
      {{T::kDisk, "faults_end_us"}, "\"50ms\""},
      {{T::kDisk, "io_model"}, "\"split\""},
      {{T::kDisk, "completion_delay_us"}, "\"2ms\""},
      {{T::kDisk, "reorder"}, "true"},
      {{T::kDisk, "write_cache"}, "true"},
      {{T::kMirror, "sync"}, "\"top\""},
      {{T::kMirror, "copy_mode"}, "\"write-blocking\""},
      {{T::kMirror, "granularity_bytes"}, "\"4KiB\""},
      {{T::kMirror, "buf_size_bytes"}, "\"1MiB\""},
      {{T::kMirror, "speed_bytes_per_s"}, "\"10MiB\""},
      {{T::kMirror, "on_source_error"}, "\"ignore\""},
      {{T::kMirror, "on_target_error"}, "\"stop\""},
      {{T::kMirror, "unmap"}, "false"},
      {{T::kMirror, "target_is_zero"}, "true"},
      {{T::kMirror, "bugs"}, "[\"cow-no-round\"]"},
      {{T::kMirror, "profile"}, "\"qemu-7.2\""},
      {{T::kMirror, "start_us"}, "\"5ms\""},
      {{T::kMirror, "algorithm"}, "\"io-mirror\""},
      {{T::kMirror, "region_bytes"}, "\"64KiB\""},
      {{T::kMirror, "max_copy_ops"}, "8"},
      {{T::kMirror, "switch_bytes"}, "\"1MiB\""},
      {{T::kMirror, "max_passes"}, "3"},
      {{T::kMirror, "max_downtime_us"}, "\"20ms\""},
      {{T::kMirror, "on_downtime_limit"}, "\"abort\""},
      {{T::kWorkload, "kind"}, "\"none\""},
      {{T::kWorkload, "max_outstanding"}, "8"},
      {{T::kGenerator, "rate_iops"}, "5.0"},
      {{T::kGenerator, "arrival"}, "\"uniform\""},
      {{T::kGenerator, "burst_on_us"}, "\"50ms\""},
      {{T::kGenerator, "burst_off_us"}, "\"150ms\""},
      {{T::kGenerator, "size_bytes"}, "{ min_bytes = \"4KiB\", max_bytes = \"64KiB\" }"},
      {{T::kGenerator, "align_bytes"}, "\"64KiB\""},
      {{T::kGenerator, "locality"}, "\"hotspot\""},
      {{T::kGenerator, "hot_fraction"}, "0.5"},
      {{T::kGenerator, "hot_share"}, "0.5"},
      {{T::kGenerator, "hot_offset_bytes"}, "\"1MiB\""},
      {{T::kGenerator, "zipf_theta"}, "1.2"},
      {{T::kGenerator, "mix"}, "{ write = 1, read = 1 }"},
      {{T::kGenerator, "phases"}, "[{ duration_us = \"1s\", rate_iops = 5 }]"},
      {{T::kGenerator, "start_us"}, "\"1ms\""},
      {{T::kGenerator, "stop_us"}, "\"3s\""},
      {{T::kGenerator, "max_requests"}, "1000"},
      {{T::kGenerator, "flush_every"}, "3"},
      {{T::kTrace, "trace"}, "\"trace_v2.iolog\""},
      {{T::kTrace, "format"}, "\"csv\""},
      {{T::kTrace, "time_scale"}, "0.5"},
      {{T::kTrace, "start_offset_us"}, "\"1ms\""},
      {{T::kTrace, "loop"}, "true"},
      {{T::kTrace, "offset_shift_bytes"}, "\"4KiB\""},
      {{T::kTrace, "scale_from_bytes"}, "\"1TiB\""},
      {{T::kTrace, "wrap"}, "true"},
      {{T::kSizeRange, "min_bytes"}, "\"8KiB\""},
      {{T::kSizeRange, "max_bytes"}, "\"128KiB\""},
      {{T::kMix, "write"}, "2.0"},
      {{T::kMix, "write_zeroes"}, "1.0"},
      {{T::kMix, "discard"}, "1.0"},
      {{T::kMix, "read"}, "2.0"},
      {{T::kPhase, "duration_us"}, "\"2s\""},
      {{T::kPhase, "rate_iops"}, "50.0"},
      {{T::kPrefill, "disk"}, "\"base\""},
      {{T::kPrefill, "op"}, "\"discard\""},
      {{T::kPrefill, "offset_bytes"}, "\"4KiB\""},
      {{T::kPrefill, "length_bytes"}, "\"8KiB\""},
      {{T::kFault, "disk"}, "\"source\""},
      {{T::kFault, "op"}, "\"write\""},
      {{T::kFault, "offset_bytes"}, "\"1MiB\""},
      {{T::kFault, "length_bytes"}, "\"1MiB\""},
      {{T::kFault, "from_us"}, "\"1s\""},
      {{T::kFault, "to_us"}, "\"2s\""},
      {{T::kFault, "after_n"}, "5"},
      {{T::kFault, "probability"}, "0.5"},
      {{T::kFault, "once"}, "true"},
      {{T::kFault, "errno"}, "\"ENOSPC\""},
      {{T::kFault, "torn"}, "true"},
      {{T::kCommand, "action"}, "\"pause\""},
      {{T::kCommand, "at_us"}, "\"5ms\""},
      {{T::kCommand, "on_ready"}, "true"},
      {{T::kCommand, "delay_us"}, "\"10ms\""},
      {{T::kCommand, "speed_bytes_per_s"}, "\"1MiB\""},
      {{T::kCommand, "mode"}, "\"in_order_prefix\""},
      {{T::kSwarm, "sync"}, "\"top\""},
  };
  static const std::map<Key, std::string> with_swarm = [] {
    std::map<Key, std::string> all = m;
    for (const SwarmSwitch& sw : swarm_switches()) all[{T::kSwarm, std::string(sw.name)}] = "true";
    return all;
  }();
  return with_swarm;
}

// Keys with a single valid value (their default): nothing else to try.
const std::set<Key> kOnlyValue = {{KeyTable::kDisk, "backing_name"}};

// For a required key, what the document holds when no value is given.
const std::map<Key, std::string> kBaseline = {
    {{KeyTable::kMirror, "sync"}, "\"full\""},
    {{KeyTable::kTrace, "trace"}, "\"trace_sample.csv\""},
    {{KeyTable::kSizeRange, "min_bytes"}, "\"4KiB\""},
    {{KeyTable::kSizeRange, "max_bytes"}, "\"64KiB\""},
    {{KeyTable::kPhase, "duration_us"}, "\"1s\""},
    {{KeyTable::kPhase, "rate_iops"}, "10"},
    {{KeyTable::kPrefill, "offset_bytes"}, "0"},
    {{KeyTable::kPrefill, "length_bytes"}, "4096"},
    {{KeyTable::kCommand, "action"}, "\"complete\""},
    {{KeyTable::kCommand, "at_us"}, "0"},
    {{KeyTable::kCommand, "speed_bytes_per_s"}, "0"},
    {{KeyTable::kTop, "mirror"}, "{ sync = \"full\" }"},
};

// A valid scenario file in which `key` of `table` is `value`; without a
// value, the key is absent (or at its baseline, when it is required).
std::string doc(KeyTable table, const std::string& key, const std::optional<std::string>& value) {
  const Key id{table, key};
  std::optional<std::string> v = value;
  if (!v && kBaseline.contains(id)) v = kBaseline.at(id);
  const std::string kv = v ? key + " = " + *v + "\n" : "";
  const auto other = [&](const std::string& name, const std::string& line) {
    return name == key ? kv : line;
  };
  switch (table) {
    case KeyTable::kTop:
      if (key == "mirror") return kv;
      return kv + kMirror;
    case KeyTable::kLimits:
      return kMirror + "[limits]\n" + kv;
    case KeyTable::kDisk: {
      std::string context;
      if (key == "cluster_bytes" || key == "backing" || key == "backing_name") {
        context += "kind = \"cluster\"\n";
      }
      if (key == "backing_name") context += "backing = \"attached\"\n";
      if (key == "old_data") context += "zero_init = false\n";
      if (key == "reorder") context += "completion_delay_us = 5\n";
      return kMirror + "[base]\nkind = \"cluster\"\n[source]\n" + context + kv;
    }
    case KeyTable::kMirror:
      return "[mirror]\n" + other("sync", "sync = \"full\"\n") + (key == "sync" ? "" : kv);
    case KeyTable::kWorkload:
      return kMirror + "[workload]\n" + kv;
    case KeyTable::kGenerator:
      return kMirror + "[workload]\n" + (key == "burst_off_us" ? "burst_on_us = \"50ms\"\n" : "") +
             kv;
    case KeyTable::kTrace:
      return kMirror + "[workload]\n" + other("trace", "trace = \"trace_sample.csv\"\n") +
             (key == "trace" ? "" : kv);
    case KeyTable::kSizeRange: {
      const auto part = [&](const std::string& name) {
        const Key k{table, name};
        return name + " = " + (name == key && value ? *value : kBaseline.at(k));
      };
      return kMirror + "[workload]\nsize_bytes = { " + part("min_bytes") + ", " +
             part("max_bytes") + " }\n";
    }
    case KeyTable::kMix: {
      const std::string fixed = key == "read" ? "write = 1" : "read = 1";
      return kMirror + "[workload]\nmix = { " + fixed + (v ? ", " + key + " = " + *v : "") + " }\n";
    }
    case KeyTable::kPhase:
      return kMirror + "[workload]\n[[workload.phases]]\n" +
             other("duration_us", "duration_us = \"1s\"\n") +
             other("rate_iops", "rate_iops = 10\n");
    case KeyTable::kPrefill:
      return kMirror + "[base]\nkind = \"cluster\"\n[[prefill]]\n" +
             other("offset_bytes", "offset_bytes = 0\n") +
             other("length_bytes", "length_bytes = 4096\n") +
             (key == "offset_bytes" || key == "length_bytes" ? "" : kv);
    case KeyTable::kFault:
      return kMirror + "[[faults]]\n" + kv;
    case KeyTable::kSwarm:
      return kMirror + "[swarm]\n" + kv;
    case KeyTable::kCommand: {
      std::string c = kMirror + "[[commands]]\n";
      c += key == "action"              ? kv
           : key == "speed_bytes_per_s" ? "action = \"set_speed\"\n"
           : key == "mode"              ? "action = \"power_loss\"\n"
                                        : "action = \"pause\"\n";
      if (key == "on_ready") return c + (v == "true" ? kv : "at_us = 0\n" + kv);
      if (key == "delay_us") return c + "on_ready = true\n" + kv;
      if (key == "action") return c + "at_us = 0\n";
      return c + (key == "at_us" ? kv : "at_us = 0\n" + kv);
    }
  }
  return "";
}

Scenario load(const std::string& text) {
  LoadOptions options;
  options.known_bugs = properties::known_bug_names();
  return parse_scenario(text, (kData / "keys.toml").string(), options);
}

std::string describe(const KeyInfo& key) {
  return std::string(key_table_title(key.table)) + " " + key.key;
}

TEST(ScenarioKeys, EveryKeyIsReadByTheLoaderAndChangesTheScenario) {
  std::size_t checked = 0;
  for (const KeyInfo& key : scenario_keys()) {
    SCOPED_TRACE(describe(key));
    const Key id{key.table, key.key};
    if (kOnlyValue.contains(id)) continue;
    ASSERT_TRUE(examples().contains(id)) << "the test needs an example value for this key";
    const std::string with = doc(key.table, key.key, examples().at(id));
    const std::string without = doc(key.table, key.key, std::nullopt);
    Scenario a;
    Scenario b;
    ASSERT_NO_THROW(a = load(with)) << with;
    ASSERT_NO_THROW(b = load(without)) << without;
    EXPECT_NE(a, b) << "setting the key changed nothing:\n" << with;
    ++checked;
  }
  EXPECT_EQ(checked, scenario_keys().size() - kOnlyValue.size());
}

TEST(ScenarioKeys, StatedDefaultsAreTheLoadersDefaults) {
  std::size_t checked = 0;
  for (const KeyInfo& key : scenario_keys()) {
    if (key.default_value.empty()) continue;
    SCOPED_TRACE(describe(key) + " = " + key.default_value);
    const std::string with = doc(key.table, key.key, key.default_value);
    const std::string without = doc(key.table, key.key, std::nullopt);
    Scenario a;
    ASSERT_NO_THROW(a = load(with)) << with;
    EXPECT_EQ(a, load(without)) << with << "\nversus\n" << without;
    ++checked;
  }
  EXPECT_GT(checked, 60u);
}

TEST(ScenarioKeys, AKeyOutsideTheTableIsRejectedWithTheTablesKeys) {
  try {
    load(kMirror + "[[faults]]\ncolour = 1\n");
    FAIL();
  } catch (const ScenarioError& e) {
    std::string names;
    for (std::string_view name : key_names({KeyTable::kFault})) {
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    EXPECT_EQ(e.key(), "faults[0].colour");
    EXPECT_EQ(e.allowed(), names);
  }
}

// The keys of a parsed TOML table, into `out`.
void collect(const toml::table& table, std::set<std::string>& out) {
  for (auto&& [key, node] : table) out.insert(std::string(key.str()));
}

std::set<std::string> table_keys(std::initializer_list<KeyTable> tables) {
  std::set<std::string> out;
  for (std::string_view name : key_names(tables)) out.insert(std::string(name));
  return out;
}

TEST(ScenarioKeys, TheWriterWritesExactlyTheTablesKeys) {
  Scenario generated;
  generated.mirror.sync = SyncMode::kTop;
  generated.base.emplace();
  sim::WorkloadParams params;
  params.size = sim::UniformSize{};
  params.phases = {sim::Phase{}};
  params.flush_every = 2;
  generated.workload = params;
  generated.faults = {FaultSpec{}};
  generated.prefill = {Prefill{PrefillDisk::kBase, 0, 4096, PrefillOp::kWriteZeroes}};
  generated.mirror.start_us = 3;
  generated.mirror.algorithm = engine::Algorithm::kIoMirror;
  generated.mirror.region_bytes = 4096;
  generated.mirror.max_copy_ops = 2;
  generated.mirror.switch_bytes = 1024;
  generated.mirror.max_passes = 3;
  generated.mirror.max_downtime_us = 20;
  generated.mirror.on_downtime_limit = engine::DowntimeAction::kAbort;
  generated.source.faults_end_us = 5;
  // Keys written only when they differ from the default.
  generated.source.io_model = sim::IoModel::kSplit;
  generated.source.completion_delay_us = 7;
  generated.source.reorder = true;
  generated.source.write_cache = true;
  generated.faults[0].rule.torn = true;
  generated.max_outstanding = 8;
  generated.swarm = SwarmOptions{};
  for (const SwarmSwitch& sw : swarm_switches()) {
    if (!sw.written_when_off) (*generated.swarm).*sw.member = true;
  }
  generated.commands = {Command{CommandKind::kSetSpeed, CommandTrigger::kAt, 5, 7},
                        Command{CommandKind::kComplete, CommandTrigger::kOnReady, 0, 0},
                        Command{CommandKind::kPowerLoss, CommandTrigger::kAt, 9, 0,
                                sim::PowerLossMode::kInOrderPrefix}};
  Scenario traced;
  traced.workload = TraceWorkload{
      kData / "trace_sample.csv", sim::TraceFormat::kCsv, 2.0, 5, true, 512, 1 << 30, true};
  traced.max_outstanding = 8;
  Scenario idle;
  idle.max_outstanding = 8;

  std::map<KeyTable, std::set<std::string>> written;
  std::set<std::string> workload_kinds;
  for (const Scenario* s : std::vector<const Scenario*>{&generated, &traced, &idle}) {
    const toml::table doc = toml::parse(write_scenario(*s));
    collect(doc, written[KeyTable::kTop]);
    collect(*doc["limits"].as_table(), written[KeyTable::kLimits]);
    for (const char* disk : {"source", "target", "base"}) {
      if (const toml::table* t = doc[disk].as_table()) collect(*t, written[KeyTable::kDisk]);
    }
    collect(*doc["mirror"].as_table(), written[KeyTable::kMirror]);
    const toml::table& workload = *doc["workload"].as_table();
    std::set<std::string> keys;
    collect(workload, keys);
    const std::string kind = workload["kind"].value_or(std::string());
    workload_kinds.insert(kind);
    if (kind == "generator") {
      EXPECT_EQ(keys, table_keys({KeyTable::kWorkload, KeyTable::kGenerator}));
      collect(*workload["size_bytes"].as_table(), written[KeyTable::kSizeRange]);
      collect(*workload["mix"].as_table(), written[KeyTable::kMix]);
      collect(*workload["phases"][0].as_table(), written[KeyTable::kPhase]);
    } else if (kind == "trace") {
      EXPECT_EQ(keys, table_keys({KeyTable::kWorkload, KeyTable::kTrace}));
    } else {
      EXPECT_EQ(keys, table_keys({KeyTable::kWorkload}));
    }
    if (const toml::array* faults = doc["faults"].as_array()) {
      for (const toml::node& f : *faults) collect(*f.as_table(), written[KeyTable::kFault]);
    }
    if (const toml::array* commands = doc["commands"].as_array()) {
      for (const toml::node& c : *commands) collect(*c.as_table(), written[KeyTable::kCommand]);
    }
    if (const toml::array* prefill = doc["prefill"].as_array()) {
      for (const toml::node& p : *prefill) collect(*p.as_table(), written[KeyTable::kPrefill]);
    }
    if (const toml::table* swarm = doc["swarm"].as_table()) {
      collect(*swarm, written[KeyTable::kSwarm]);
    }
  }
  EXPECT_EQ(workload_kinds, (std::set<std::string>{"generator", "trace", "none"}));
  for (KeyTable table : {KeyTable::kTop, KeyTable::kLimits, KeyTable::kDisk, KeyTable::kMirror,
                         KeyTable::kSizeRange, KeyTable::kMix, KeyTable::kPhase, KeyTable::kPrefill,
                         KeyTable::kFault, KeyTable::kCommand, KeyTable::kSwarm}) {
    EXPECT_EQ(written[table], table_keys({table})) << key_table_title(table);
  }
}

TEST(ScenarioKeys, TheWriterMarksValuesThatDifferFromTheDefault) {
  Scenario s;
  s.source.latency_us = 10;
  s.target.kind = DiskKind::kCluster;
  s.target.cluster_bytes = 64 * kKiB;  // the default of a cluster disk: not marked
  s.mirror.granularity_bytes = 4096;
  s.faults = {FaultSpec{}};
  s.faults[0].rule.probability = 0.5;
  s.target.faults_end_us = 50'000;
  const std::string text = write_scenario(s);
  const auto line_of = [&text](const std::string& table, const std::string& key) {
    const std::size_t section = text.find("\n" + table + "\n");
    EXPECT_NE(section, std::string::npos) << table;
    const std::size_t at = text.find("\n" + key + " = ", section);
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  };
  EXPECT_EQ(line_of("[source]", "latency_us"), "latency_us = 10  # differs from default (100)");
  EXPECT_EQ(line_of("[source]", "kind"), "kind = \"raw\"");
  EXPECT_EQ(line_of("[target]", "kind"), "kind = \"cluster\"  # differs from default (\"raw\")");
  EXPECT_EQ(line_of("[target]", "cluster_bytes"), "cluster_bytes = \"64KiB\"");
  EXPECT_EQ(line_of("[mirror]", "granularity_bytes"),
            "granularity_bytes = \"4KiB\"  # differs from default (0)");
  EXPECT_EQ(line_of("[mirror]", "sync"), "sync = \"full\"");  // required: never marked
  EXPECT_EQ(line_of("[[faults]]", "probability"),
            "probability = 0.5  # differs from default (1.0)");
  EXPECT_EQ(line_of("[[faults]]", "op"), "op = \"any\"");
  EXPECT_EQ(line_of("[target]", "faults_end_us"),
            "faults_end_us = \"50ms\"  # differs from default (none)");
  EXPECT_EQ(load(text), s);  // the comments change nothing
}

// Keys newer than the saved cases are written only when they differ from
// the default, so that a case that does not use them is written byte for
// byte as before they existed (and keeps its digest); when set, they are
// marked like any other.
TEST(ScenarioKeys, TheWriterLeavesOutNewKeysAtTheirDefaults) {
  Scenario s;
  s.base.emplace();
  s.faults = {FaultSpec{}};
  s.swarm = SwarmOptions{};
  const std::string plain = write_scenario(s);
  for (const char* key : {"io_model",
                          "completion_delay_us",
                          "reorder",
                          "write_cache",
                          "torn",
                          "flush_every",
                          "split_io",
                          "late_completions",
                          "torn_faults",
                          "guest_flush",
                          "power_loss",
                          "start_us",
                          "prefill",
                          "time_scale",
                          "start_offset_us",
                          "loop",
                          "offset_shift_bytes",
                          "scale_from_bytes",
                          "wrap",
                          "algorithm",
                          "region_bytes",
                          "max_copy_ops",
                          "switch_bytes",
                          "max_passes",
                          "max_downtime_us",
                          "on_downtime_limit"}) {
    EXPECT_EQ(plain.find(std::string("\n") + key + " = "), std::string::npos) << key << "\n"
                                                                              << plain;
  }
  s.target.io_model = sim::IoModel::kSplit;
  s.target.completion_delay_us = 2000;
  s.target.reorder = true;
  s.target.write_cache = true;
  s.faults[0].rule.torn = true;
  s.swarm->split_io = true;
  s.swarm->power_loss = true;
  EXPECT_EQ(plain.find("[[prefill]]"), std::string::npos) << plain;
  s.mirror.start_us = 5000;
  s.mirror.algorithm = engine::Algorithm::kIoMirror;
  s.mirror.region_bytes = 64 * 1024;
  s.prefill = {Prefill{}};
  s.prefill[0].length_bytes = 4096;
  const std::string text = write_scenario(s);
  for (const char* line : {"io_model = \"split\"  # differs from default (\"atomic\")",
                           "completion_delay_us = \"2ms\"  # differs from default (0)",
                           "reorder = true  # differs from default (false)",
                           "torn = true  # differs from default (false)",
                           "write_cache = true  # differs from default (false)",
                           "power_loss = true  # differs from default (false)",
                           "split_io = true  # differs from default (false)",
                           "start_us = \"5ms\"  # differs from default (0)",
                           "algorithm = \"io-mirror\"  # differs from default (\"qemu\")",
                           "region_bytes = \"64KiB\"  # differs from default (0)", "[[prefill]]"}) {
    EXPECT_NE(text.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n"
                                                                             << text;
  }
  EXPECT_EQ(text.find("late_completions"), std::string::npos) << text;
  EXPECT_EQ(load(text), s);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ScenarioKeys, DocsAreTheTablesReference) {
  const std::filesystem::path docs = kRoot / "docs" / "scenario.md";
  ASSERT_TRUE(std::filesystem::exists(docs)) << docs;
  EXPECT_EQ(read_file(docs), key_reference())
      << "docs/scenario.md is out of date: run `mirrorsim list keys > docs/scenario.md`";
  // Every key appears in the reference under its table.
  const std::string reference = key_reference();
  for (const KeyInfo& key : scenario_keys()) {
    const std::size_t table = reference.find("## " + std::string(key_table_title(key.table)));
    ASSERT_NE(table, std::string::npos) << describe(key);
    EXPECT_NE(reference.find("| `" + key.key + "` |", table), std::string::npos) << describe(key);
  }
}

// Old key names (renamed_keys()) still load, as the new key, with one note
// per old name per file; the file with the old names is scenario_full.toml
// as it was before the rename.
TEST(ScenarioKeys, OldKeyNamesLoadWithOneNoteEach) {
  std::vector<std::string> notes;
  LoadOptions options;
  options.known_bugs = properties::known_bug_names();
  options.note = [&notes](const std::string& line) { notes.push_back(line); };
  const Scenario current = load_scenario(kData / "scenario_full.toml", options);
  EXPECT_TRUE(notes.empty()) << notes.front();
  const std::filesystem::path old_file = kData / "scenario_old_keys.toml";
  const Scenario old = load_scenario(old_file, options);
  EXPECT_EQ(old, current);
  const auto note = [&](int line, const char* old_key, const char* key) {
    return fmt::format("{}:{}: note: key '{}' is deprecated; write '{}'", old_file.string(), line,
                       old_key, key);
  };
  // The first use of each old name as the loader reads the file ([source],
  // [target], then [base]); "length" and "speed" are also used later (in
  // [[faults]] and [[commands]]) without another note.
  const std::set<std::string> expected = {
      note(30, "length", "length_bytes"),
      note(31, "cluster_size", "cluster_bytes"),
      note(37, "bandwidth_bytes_s", "bandwidth_bytes_per_s"),
      note(51, "capacity", "capacity_bytes"),
      note(59, "granularity", "granularity_bytes"),
      note(60, "buf_size", "buf_size_bytes"),
      note(61, "speed", "speed_bytes_per_s"),
      note(74, "size", "size_bytes"),
      note(74, "min", "min_bytes"),
      note(74, "max", "max_bytes"),
      note(75, "align", "align_bytes"),
      note(79, "hot_offset", "hot_offset_bytes"),
      note(97, "offset", "offset_bytes"),
  };
  EXPECT_EQ(std::set<std::string>(notes.begin(), notes.end()), expected);
  EXPECT_EQ(notes.size(), expected.size());
  // Every renamed key is covered by the file.
  std::set<std::string> old_names;
  for (const RenamedKey& r : renamed_keys()) old_names.insert(std::string(r.old_key));
  EXPECT_EQ(old_names.size(), expected.size());
}

TEST(ScenarioKeys, OldAndNewNameOfOneKeyIsAnError) {
  const std::string text = kMirror + "[source]\nlength = \"1MiB\"\nlength_bytes = \"1MiB\"\n";
  try {
    parse_scenario(text, "both.toml");
    FAIL() << "loaded a table with both names of a key";
  } catch (const ScenarioError& error) {
    EXPECT_STREQ(error.what(),
                 "both.toml:4: source.length_bytes: both 'length_bytes' and its old name "
                 "'length'; allowed: 'length_bytes' only");
  }
}

TEST(ScenarioKeys, TheWriterWritesNoOldName) {
  std::vector<std::string> notes;
  LoadOptions options;
  options.known_bugs = properties::known_bug_names();
  const std::string text = write_scenario(load_scenario(kData / "scenario_full.toml", options));
  options.note = [&notes](const std::string& line) { notes.push_back(line); };
  parse_scenario(text, (kData / "written.toml").string(), options);
  EXPECT_TRUE(notes.empty()) << notes.front();
}

}  // namespace
}  // namespace mirrorsim::scenarios
