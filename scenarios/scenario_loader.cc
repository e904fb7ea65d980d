#include "scenarios/scenario_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "scenarios/scenario_check.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_keys.h"
#include "scenarios/scenario_overrides.h"
#include "scenarios/scenario_toml.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios {
namespace {

using toml_detail::read_enum;
using toml_detail::read_size;
using toml_detail::read_time_us;
using toml_detail::TableReader;
using toml_detail::tables_of;
using toml_detail::TomlContext;

constexpr std::string_view kWorkloadKinds = "none, generator, trace";

Limits read_limits(TomlContext& ctx, const toml::table* table) {
  Limits limits;
  if (table == nullptr) return limits;
  TableReader in(ctx, *table, "limits", {KeyTable::kLimits});
  in.time_us("max_time_us", limits.max_time_us);
  in.count("max_events", limits.max_events);
  return limits;
}

DiskSpec read_disk(TomlContext& ctx, const toml::table* table, const std::string& name) {
  DiskSpec disk;
  if (table == nullptr) return disk;
  TableReader in(ctx, *table, name, {KeyTable::kDisk});
  in.choice("kind", disk.kind);
  in.size("length_bytes", disk.length_bytes);
  if (disk.kind == DiskKind::kCluster) disk.cluster_bytes = kDefaultClusterBytes;
  in.size("cluster_bytes", disk.cluster_bytes);
  in.choice("backing", disk.backing);
  if (disk.backing != Backing::kNone) disk.backing_name = "base";
  in.text("backing_name", disk.backing_name);
  in.boolean("zero_init", disk.zero_init);
  in.boolean("discard_reads_zero", disk.discard_reads_zero);
  in.boolean("old_data", disk.old_data);
  in.size("capacity_bytes", disk.capacity_bytes);
  in.time_us("latency_us", disk.latency_us);
  in.size("bandwidth_bytes_per_s", disk.bandwidth_bytes_per_s);
  in.boolean("shared_bandwidth", disk.shared_bandwidth);
  in.time_us("jitter_us", disk.jitter_us);
  in.count("queue_depth", disk.queue_depth);
  in.time_us("flush_latency_us", disk.flush_latency_us);
  if (const toml::node* end = in.find("faults_end_us")) {
    disk.faults_end_us = read_time_us(ctx, *end, in.key_path("faults_end_us"));
  }
  in.choice("io_model", disk.io_model);
  in.time_us("completion_delay_us", disk.completion_delay_us);
  in.boolean("reorder", disk.reorder);
  in.boolean("write_cache", disk.write_cache);
  return disk;
}

MirrorSpec read_mirror(TomlContext& ctx, const toml::table* table) {
  MirrorSpec mirror;
  if (table == nullptr) {
    ctx.fail(1, "mirror.sync", "missing (there is no [mirror] section)", allowed_names<SyncMode>());
  }
  TableReader in(ctx, *table, "mirror", {KeyTable::kMirror});
  mirror.sync =
      read_enum<SyncMode>(ctx, in.require("sync", allowed_names<SyncMode>()), in.key_path("sync"));
  in.choice("copy_mode", mirror.copy_mode);
  in.size("granularity_bytes", mirror.granularity_bytes);
  in.size("buf_size_bytes", mirror.buf_size_bytes);
  in.size("speed_bytes_per_s", mirror.speed_bytes_per_s);
  in.choice("on_source_error", mirror.on_source_error);
  in.choice("on_target_error", mirror.on_target_error);
  in.boolean("unmap", mirror.unmap);
  in.boolean("target_is_zero", mirror.target_is_zero);
  in.choice("profile", mirror.profile);
  if (const toml::array* bugs = in.array("bugs")) {
    for (std::size_t i = 0; i < bugs->size(); ++i) {
      const std::string key = fmt::format("mirror.bugs[{}]", i);
      ctx.remember(key, *bugs->get(i));
      mirror.bugs.push_back(toml_detail::read_string(ctx, *bugs->get(i), key));
    }
  }
  in.time_us("start_us", mirror.start_us);
  in.choice("algorithm", mirror.algorithm);
  in.size("region_bytes", mirror.region_bytes);
  in.count("max_copy_ops", mirror.max_copy_ops);
  in.size("switch_bytes", mirror.switch_bytes);
  in.count("max_passes", mirror.max_passes);
  in.time_us("max_downtime_us", mirror.max_downtime_us);
  in.choice("on_downtime_limit", mirror.on_downtime_limit);
  return mirror;
}

sim::SizeDistribution read_size_distribution(TomlContext& ctx, const toml::node& node,
                                             const std::string& key) {
  if (const toml::array* list = node.as_array()) {
    sim::ChoiceSize choice;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string element_key = fmt::format("{}[{}]", key, i);
      ctx.remember(element_key, *list->get(i));
      choice.bytes.push_back(read_size(ctx, *list->get(i), element_key));
    }
    return choice;
  }
  if (const toml::table* table = node.as_table()) {
    TableReader in(ctx, *table, key, {KeyTable::kSizeRange});
    sim::UniformSize uniform;
    uniform.min_bytes =
        read_size(ctx, in.require("min_bytes", kSizeForms), in.key_path("min_bytes"));
    uniform.max_bytes =
        read_size(ctx, in.require("max_bytes", kSizeForms), in.key_path("max_bytes"));
    return uniform;
  }
  if (node.is_integer() || node.is_string()) return sim::FixedSize{read_size(ctx, node, key)};
  ctx.fail(node, key, fmt::format("{} is the wrong type", toml_detail::describe_type(node)),
           "a size, a list of sizes to pick from, or a table {min, max}");
}

sim::WorkloadParams read_generator(TomlContext& ctx, const toml::table& table,
                                   std::uint64_t& max_outstanding) {
  TableReader in(ctx, table, "workload", {KeyTable::kWorkload, KeyTable::kGenerator});
  in.count("max_outstanding", max_outstanding);
  sim::WorkloadParams params;
  in.real("rate_iops", params.rate_iops);
  in.choice("arrival", params.arrival);
  in.time_us("burst_on_us", params.burst_on_us);
  in.time_us("burst_off_us", params.burst_off_us);
  if (const toml::node* size = in.find("size_bytes")) {
    params.size = read_size_distribution(ctx, *size, in.key_path("size_bytes"));
  }
  in.size("align_bytes", params.align_bytes);
  in.choice("locality", params.locality);
  in.real("hot_fraction", params.hot_fraction);
  in.real("hot_share", params.hot_share);
  in.size("hot_offset_bytes", params.hot_offset_bytes);
  in.real("zipf_theta", params.zipf_theta);
  if (const toml::table* mix_table = in.subtable("mix")) {
    TableReader mix(ctx, *mix_table, "workload.mix", {KeyTable::kMix});
    params.mix = sim::OpMix{0.0, 0.0, 0.0, 0.0};  // weights not given are 0
    mix.real("write", params.mix.write);
    mix.real("write_zeroes", params.mix.write_zeroes);
    mix.real("discard", params.mix.discard);
    mix.real("read", params.mix.read);
  }
  for (const auto& [phase_table, path] : tables_of(in, "phases")) {
    TableReader phase(ctx, *phase_table, path, {KeyTable::kPhase});
    sim::Phase p;
    p.duration_us =
        read_time_us(ctx, phase.require("duration_us", kTimeForms), phase.key_path("duration_us"));
    p.rate_iops = toml_detail::read_real(
        ctx, phase.require("rate_iops", "a number of requests per second (0 = quiet)"),
        phase.key_path("rate_iops"));
    params.phases.push_back(p);
  }
  in.time_us("start_us", params.start_us);
  in.time_us("stop_us", params.stop_us);
  in.count("max_requests", params.max_requests);
  in.count("flush_every", params.flush_every);
  return params;
}

TraceWorkload read_trace_workload(TomlContext& ctx, const toml::table& table,
                                  const std::filesystem::path& base_dir,
                                  std::uint64_t& max_outstanding) {
  TableReader in(ctx, table, "workload", {KeyTable::kWorkload, KeyTable::kTrace});
  in.count("max_outstanding", max_outstanding);
  TraceWorkload trace;
  const toml::node& node = in.require("trace", "a path to a CSV or fio iolog file");
  const std::string path = toml_detail::read_string(ctx, node, in.key_path("trace"));
  if (path.empty()) {
    ctx.fail(node, in.key_path("trace"), "an empty path", "a path to a CSV or fio iolog file");
  }
  std::filesystem::path resolved(path);
  if (resolved.is_relative()) resolved = base_dir / resolved;
  trace.path = std::filesystem::absolute(resolved).lexically_normal();
  in.choice("format", trace.format);
  in.real("time_scale", trace.time_scale);
  in.time_us("start_offset_us", trace.start_offset_us);
  in.boolean("loop", trace.loop);
  in.size("offset_shift_bytes", trace.offset_shift_bytes);
  in.size("scale_from_bytes", trace.scale_from_bytes);
  in.boolean("wrap", trace.wrap);
  return trace;
}

// Also reads max_outstanding, a key of every kind (the guest's, not the generator's).
WorkloadSpec read_workload(TomlContext& ctx, const toml::table* table,
                           const std::filesystem::path& base_dir, std::uint64_t& max_outstanding) {
  if (table == nullptr) return NoWorkload{};
  std::string kind = table->contains("trace") ? "trace" : "generator";
  if (const toml::node* node = table->get("kind")) {
    kind = toml_detail::read_string(ctx, *node, "workload.kind");
    if (kind != "none" && kind != "generator" && kind != "trace") {
      ctx.fail(*node, "workload.kind", fmt::format("'{}' is not a choice here", kind),
               std::string(kWorkloadKinds));
    }
  }
  if (kind == "trace") return read_trace_workload(ctx, *table, base_dir, max_outstanding);
  if (kind == "generator") return read_generator(ctx, *table, max_outstanding);
  TableReader in(ctx, *table, "workload", {KeyTable::kWorkload});
  in.count("max_outstanding", max_outstanding);
  return NoWorkload{};
}

// A time in microseconds, as the simulator's nanoseconds. Checked here, not
// by check_scenario(), because a larger time would not fit.
void read_time_ns(TomlContext& ctx, const TableReader& in, std::string_view key,
                  engine::TimeNs& out) {
  const toml::node* node = in.find(key);
  if (node == nullptr) return;
  const std::uint64_t us = read_time_us(ctx, *node, in.key_path(key));
  if (us > kMaxTimeUs) {
    ctx.fail(*node, in.key_path(key), fmt::format("{} us is too far in the future", us),
             fmt::format("at most {} us", kMaxTimeUs));
  }
  out = static_cast<engine::TimeNs>(us) * engine::kNsPerUs;
}

FaultSpec read_fault(TomlContext& ctx, const toml::table& table, const std::string& path) {
  TableReader in(ctx, table, path, {KeyTable::kFault});
  FaultSpec fault;
  sim::FaultRule& rule = fault.rule;
  in.choice("disk", fault.disk);
  in.named("op", fault_op_names(), rule.op);
  in.size("offset_bytes", rule.offset_bytes);
  in.size("length_bytes", rule.length_bytes);
  if (rule.length_bytes == 0) rule.length_bytes = sim::kWholeDisk;
  read_time_ns(ctx, in, "from_us", rule.from_ns);
  read_time_ns(ctx, in, "to_us", rule.to_ns);
  if (rule.to_ns == 0) rule.to_ns = sim::kForever;
  in.count("after_n", rule.after);
  in.real("probability", rule.probability);
  in.boolean("once", rule.once);
  in.named("errno", fault_errno_names(), rule.error);
  in.boolean("torn", rule.torn);
  return fault;
}

Prefill read_prefill(TomlContext& ctx, const toml::table& table, const std::string& path) {
  TableReader in(ctx, table, path, {KeyTable::kPrefill});
  Prefill prefill;
  in.choice("disk", prefill.disk);
  in.choice("op", prefill.op);
  prefill.offset_bytes =
      read_size(ctx, in.require("offset_bytes", kSizeForms), in.key_path("offset_bytes"));
  prefill.length_bytes =
      read_size(ctx, in.require("length_bytes", kSizeForms), in.key_path("length_bytes"));
  return prefill;
}

Command read_command(TomlContext& ctx, const toml::table& table, const std::string& path) {
  TableReader in(ctx, table, path, {KeyTable::kCommand});
  constexpr std::string_view kWhen = "at_us = <time>, or on_ready = true with an optional delay_us";
  Command command;
  command.kind = read_enum<CommandKind>(ctx, in.require("action", allowed_names<CommandKind>()),
                                        in.key_path("action"));
  const toml::node* at = in.find("at_us");
  const toml::node* delay = in.find("delay_us");
  bool on_ready = false;
  in.boolean("on_ready", on_ready);
  if (at != nullptr && on_ready) {
    ctx.fail(*at, in.key_path("at_us"), "both at_us and on_ready = true", std::string(kWhen));
  }
  if (delay != nullptr && !on_ready) {
    ctx.fail(*delay, in.key_path("delay_us"), "delay_us without on_ready = true",
             std::string(kWhen));
  }
  if (at != nullptr) {
    command.trigger = CommandTrigger::kAt;
    command.time_us = read_time_us(ctx, *at, in.key_path("at_us"));
  } else if (on_ready) {
    command.trigger = CommandTrigger::kOnReady;
    in.time_us("delay_us", command.time_us);
  } else {
    ctx.fail(ctx.line_of(path), path, "no time given", std::string(kWhen));
  }
  constexpr std::string_view kSpeed = "speed_bytes_per_s";
  const toml::node* speed = in.find(kSpeed);
  if (command.kind == CommandKind::kSetSpeed) {
    command.speed_bytes_per_s =
        read_size(ctx, in.require(kSpeed, "the new speed limit in bytes/s (0 = unlimited)"),
                  in.key_path(kSpeed));
  } else if (speed != nullptr) {
    ctx.fail(*speed, in.key_path(kSpeed), fmt::format("'{}' takes no speed", name_of(command.kind)),
             "speed_bytes_per_s only with action = \"set_speed\"");
  }
  const toml::node* mode = in.find("mode");
  if (command.kind == CommandKind::kPowerLoss) {
    in.choice("mode", command.power_loss_mode);
  } else if (mode != nullptr) {
    ctx.fail(*mode, in.key_path("mode"), fmt::format("'{}' takes no mode", name_of(command.kind)),
             "mode only with action = \"power_loss\"");
  }
  return command;
}

// Informational: recorded by the generator, never read by a run.
SwarmOptions read_swarm(TomlContext& ctx, const toml::table& table) {
  TableReader in(ctx, table, "swarm", {KeyTable::kSwarm});
  SwarmOptions swarm;
  for (const SwarmSwitch& sw : swarm_switches()) in.boolean(sw.name, swarm.*sw.member);
  in.choice("sync", swarm.sync);
  return swarm;
}

Scenario read_scenario(TomlContext& ctx, const toml::table& doc,
                       const std::filesystem::path& base_dir) {
  TableReader in(ctx, doc, "", {KeyTable::kTop});
  Scenario scenario;
  in.text("name", scenario.name);
  in.text("description", scenario.description);
  in.count("seed", scenario.seed);
  scenario.limits = read_limits(ctx, in.subtable("limits"));
  scenario.source = read_disk(ctx, in.subtable("source"), "source");
  scenario.target = read_disk(ctx, in.subtable("target"), "target");
  if (const toml::table* base = in.subtable("base")) scenario.base = read_disk(ctx, base, "base");
  scenario.mirror = read_mirror(ctx, in.subtable("mirror"));
  scenario.workload =
      read_workload(ctx, in.subtable("workload"), base_dir, scenario.max_outstanding);
  for (const auto& [table, path] : tables_of(in, "prefill")) {
    scenario.prefill.push_back(read_prefill(ctx, *table, path));
  }
  for (const auto& [table, path] : tables_of(in, "faults")) {
    scenario.faults.push_back(read_fault(ctx, *table, path));
  }
  for (const auto& [table, path] : tables_of(in, "commands")) {
    scenario.commands.push_back(read_command(ctx, *table, path));
  }
  if (const toml::table* swarm = in.subtable("swarm")) scenario.swarm = read_swarm(ctx, *swarm);
  return scenario;
}

}  // namespace

Scenario parse_scenario(std::string_view text, std::string_view source_name,
                        const LoadOptions& options) {
  const std::string file(source_name);
  if (text.empty()) {
    throw ScenarioError(file, 0, "file", "empty (0 bytes)",
                        "a scenario file: at least [mirror] with sync = \"full\", \"top\" or "
                        "\"none\"");
  }
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    const auto line = 1 + static_cast<std::uint64_t>(std::count(
                              text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    throw ScenarioError(file, line, "file", "a NUL byte (this is not a text file)",
                        "a TOML text file");
  }
  toml::table doc;
  try {
    doc = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    throw ScenarioError(file, std::max<std::uint64_t>(error.source().begin.line, 1), "syntax",
                        std::string(error.description()), "TOML 1.0 (https://toml.io)");
  }
  apply_overrides(doc, options.overrides, file);
  TomlContext ctx(file, options.note);
  const std::filesystem::path base_dir = std::filesystem::path(file).parent_path();
  try {
    Scenario scenario = read_scenario(ctx, doc, base_dir);
    if (auto problem = check_scenario(scenario, options)) {
      ctx.fail(ctx.line_of(problem->key), problem->key, std::move(problem->what),
               std::move(problem->allowed));
    }
    return scenario;
  } catch (const ScenarioError& e) {
    // A value that came from --set has no line in the file: say where it came from.
    const KeyOverride* from = override_of(options.overrides, e.key());
    if (from == nullptr) throw;
    throw ScenarioError(e.file(), 0, e.key(),
                        fmt::format("{} (from {})", e.problem(), describe_override(*from)),
                        e.allowed());
  }
}

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options) {
  const std::string name = file.string();
  const auto fail = [&name](std::string problem) {
    throw ScenarioError(
        name, 0, "file", std::move(problem),
        fmt::format("a readable scenario file of at most {} MiB", kMaxScenarioFileBytes >> 20));
  };
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(fmt::format("cannot open: {}", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) fail("is a directory, not a file");
  // Read at most one byte past the limit: /dev/zero or a huge file stops there.
  std::string text;
  std::size_t size = 0;
  while (size <= kMaxScenarioFileBytes) {
    if (size == text.size()) {
      text.resize(std::min<std::size_t>(std::max<std::size_t>(2 * size, 16 * 1024),
                                        kMaxScenarioFileBytes + 1));
    }
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(fmt::format("cannot read: {}", std::strerror(errno)));
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > kMaxScenarioFileBytes) {
    fail(fmt::format("larger than {} MiB (or endless, like /dev/zero)",
                     kMaxScenarioFileBytes >> 20));
  }
  text.resize(size);
  return parse_scenario(text, name, options);
}

}  // namespace mirrorsim::scenarios
