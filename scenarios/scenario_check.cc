#include "scenarios/scenario_check.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/block_device.h"
#include "scenarios/scenario_units.h"
#include "sim/disks/disk_op.h"

namespace mirrorsim::scenarios {
namespace {

using Problem = std::optional<ScenarioProblem>;

Problem problem(std::string key, std::string what, std::string allowed) {
  return ScenarioProblem{std::move(key), std::move(what), std::move(allowed)};
}

bool is_power_of_two(std::uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

std::string bytes_text(std::uint64_t bytes) {
  if (auto unit = size_with_unit(bytes)) return *unit;
  return fmt::format("{} bytes", bytes);
}

Problem check_time(const std::string& key, std::uint64_t us) {
  if (us > kMaxTimeUs) {
    return problem(key, fmt::format("{} us is too far in the future", us),
                   fmt::format("at most {} us", kMaxTimeUs));
  }
  return std::nullopt;
}

Problem check_sector_multiple(const std::string& key, std::uint64_t bytes) {
  if (bytes % engine::kSectorSize != 0) {
    return problem(key, fmt::format("{} bytes is not a multiple of 512", bytes),
                   "a multiple of 512 bytes (the engine works in 512-byte sectors)");
  }
  return std::nullopt;
}

// The unkind-disk keys: source and target only, and reorder needs a delay to draw.
Problem check_unkind(const std::string& name, const DiskSpec& disk) {
  const std::string at = name + ".";
  const DiskSpec def;
  if (name == "base") {
    // The base is read through the source's and the target's images (their
    // io model and delays apply), never served as a disk of its own, so
    // these would silently do nothing.
    const char* key = disk.io_model != def.io_model                         ? "io_model"
                      : disk.completion_delay_us != def.completion_delay_us ? "completion_delay_us"
                      : disk.reorder != def.reorder                         ? "reorder"
                      : disk.write_cache != def.write_cache                 ? "write_cache"
                                                                            : nullptr;
    if (key != nullptr) {
      return problem(at + key,
                     "the base image is not served as a disk of its own (it is read through "
                     "the source and the target)",
                     fmt::format("{} on [source] or [target]; on [base] only its default", key));
    }
  }
  if (auto p = check_time(at + "completion_delay_us", disk.completion_delay_us)) return p;
  if (disk.reorder && disk.completion_delay_us == 0) {
    return problem(at + "reorder", "reorder = true without a completion delay to draw from",
                   "reorder = true only with completion_delay_us > 0");
  }
  return std::nullopt;
}

Problem check_disk(const std::string& name, const DiskSpec& disk, bool have_base) {
  const std::string at = name + ".";
  if (auto p = check_sector_multiple(at + "length_bytes", disk.length_bytes)) return p;
  if (disk.length_bytes > kMaxDiskBytes) {
    return problem(at + "length_bytes",
                   fmt::format("{} is too large", bytes_text(disk.length_bytes)),
                   fmt::format("at most {}", bytes_text(kMaxDiskBytes)));
  }
  if (disk.kind == DiskKind::kRaw) {
    if (disk.cluster_bytes != 0) {
      return problem(at + "cluster_bytes", "a raw disk has no clusters",
                     "0, or kind = \"cluster\"");
    }
    if (disk.backing != Backing::kNone) {
      return problem(at + "backing", "a raw disk has no backing image",
                     "\"none\", or kind = \"cluster\"");
    }
  } else if (!is_power_of_two(disk.cluster_bytes) || disk.cluster_bytes < kMinClusterBytes ||
             disk.cluster_bytes > kMaxClusterBytes) {
    return problem(at + "cluster_bytes",
                   is_power_of_two(disk.cluster_bytes)
                       ? fmt::format("{} is out of range", bytes_text(disk.cluster_bytes))
                       : fmt::format("{} is not a power of two", bytes_text(disk.cluster_bytes)),
                   "a power of two from 512 bytes to 2MiB");
  }
  if (disk.backing == Backing::kNone) {
    if (!disk.backing_name.empty()) {
      return problem(at + "backing_name", "a backing name without a backing image",
                     "\"\" when backing = \"none\"");
    }
  } else {
    if (name == "base") {
      return problem(at + "backing", "the base disk has a backing image of its own",
                     "\"none\" (one level of backing)");
    }
    if (disk.backing_name != "base") {
      return problem(
          at + "backing_name",
          fmt::format("backing image '{}' is not a disk of the scenario", disk.backing_name),
          "\"base\"");
    }
    if (!have_base) {
      return problem(at + "backing", "names backing image 'base' but there is no [base] disk",
                     "a [base] table, or backing = \"none\"");
    }
  }
  if (disk.old_data && disk.zero_init) {
    return problem(at + "old_data", "a disk with old data cannot also be zero_init",
                   "old_data = true only with zero_init = false");
  }
  if (auto p = check_sector_multiple(at + "capacity_bytes", disk.capacity_bytes)) return p;
  if (auto p = check_time(at + "latency_us", disk.latency_us)) return p;
  if (auto p = check_time(at + "jitter_us", disk.jitter_us)) return p;
  if (auto p = check_time(at + "flush_latency_us", disk.flush_latency_us)) return p;
  if (disk.faults_end_us) {
    if (auto p = check_time(at + "faults_end_us", *disk.faults_end_us)) return p;
  }
  if (disk.queue_depth < 1 || disk.queue_depth > kMaxQueueDepth) {
    return problem(at + "queue_depth", fmt::format("{} is out of range", disk.queue_depth),
                   fmt::format("1 to {}", kMaxQueueDepth));
  }
  return check_unkind(name, disk);
}

Problem check_mirror(const MirrorSpec& mirror, const LoadOptions& options) {
  const std::uint64_t g = mirror.granularity_bytes;
  if (g != 0 && (!is_power_of_two(g) || g < engine::kGranularityMinBytes ||
                 g > engine::kGranularityMaxBytes)) {
    return problem("mirror.granularity_bytes",
                   is_power_of_two(g) ? fmt::format("{} is out of range", bytes_text(g))
                                      : fmt::format("{} is not a power of two", bytes_text(g)),
                   "0 (default) or a power of two from 512 bytes to 64MiB");
  }
  std::string known;
  for (const std::string& name : options.known_bugs) known += (known.empty() ? "" : ", ") + name;
  if (known.empty()) known = "none (no bug switches are known to this loader)";
  for (std::size_t i = 0; i < mirror.bugs.size(); ++i) {
    const std::string key = fmt::format("mirror.bugs[{}]", i);
    const std::string& name = mirror.bugs[i];
    if (std::find(options.known_bugs.begin(), options.known_bugs.end(), name) ==
        options.known_bugs.end()) {
      return problem(key, fmt::format("unknown bug '{}'", name), known);
    }
    if (std::find(mirror.bugs.begin(), mirror.bugs.begin() + static_cast<std::ptrdiff_t>(i),
                  name) != mirror.bugs.begin() + static_cast<std::ptrdiff_t>(i)) {
      return problem(key, fmt::format("bug '{}' is listed twice", name), "each bug once");
    }
  }
  if (auto p = check_time("mirror.start_us", mirror.start_us)) return p;
  const std::uint64_t region = mirror.region_bytes;
  if (region != 0 && (!is_power_of_two(region) || region < engine::kCopyUnitMinBytes ||
                      region > engine::kCopyUnitMaxBytes)) {
    return problem("mirror.region_bytes",
                   is_power_of_two(region)
                       ? fmt::format("{} is out of range", bytes_text(region))
                       : fmt::format("{} is not a power of two", bytes_text(region)),
                   "0 (default) or a power of two from 512 bytes to 64MiB");
  }
  if (mirror.max_copy_ops > engine::kMaxCopyOpsLimit) {
    return problem("mirror.max_copy_ops", fmt::format("{} is out of range", mirror.max_copy_ops),
                   fmt::format("0 (default) or 1 to {}", engine::kMaxCopyOpsLimit));
  }
  if (mirror.switch_bytes % engine::kSectorSize != 0) {
    return problem("mirror.switch_bytes",
                   fmt::format("{} is not a multiple of 512 bytes", mirror.switch_bytes),
                   "0 (default) or a multiple of 512 bytes");
  }
  if (mirror.max_passes > engine::kMaxPassesLimit) {
    return problem("mirror.max_passes", fmt::format("{} is out of range", mirror.max_passes),
                   fmt::format("0 (default) or 1 to {}", engine::kMaxPassesLimit));
  }
  if (auto p = check_time("mirror.max_downtime_us", mirror.max_downtime_us)) return p;
  return std::nullopt;
}

// The part of a TraceError message before "; allowed: ", and the part after.
std::pair<std::string, std::string> split_allowed(const std::string& message) {
  const std::string marker = "; allowed: ";
  const std::size_t at = message.find(marker);
  if (at == std::string::npos) return {message, "a well-formed trace (see sim/guest/trace.h)"};
  return {message.substr(0, at), message.substr(at + marker.size())};
}

Problem check_workload(const Scenario& scenario, const LoadOptions& options) {
  if (scenario.max_outstanding == 0 || scenario.max_outstanding > kMaxMaxOutstanding) {
    return problem("workload.max_outstanding",
                   fmt::format("{} is out of range", scenario.max_outstanding),
                   fmt::format("1 to {}", kMaxMaxOutstanding));
  }
  if (const auto* params = std::get_if<sim::WorkloadParams>(&scenario.workload)) {
    if (auto p = sim::check_workload_params(*params)) {
      return problem("workload." + p->key, p->what, p->allowed);
    }
    return std::nullopt;
  }
  const auto* trace = std::get_if<TraceWorkload>(&scenario.workload);
  if (trace == nullptr) return std::nullopt;
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(trace->path, error);
  if (!std::filesystem::is_regular_file(status)) {
    const std::string what =
        !std::filesystem::exists(status) ? "does not exist"
        : std::filesystem::is_directory(status)
            ? "is a directory"
            : "is not a regular file (it is read twice: to check it, then to run it)";
    return problem("workload.trace", fmt::format("trace file '{}' {}", trace->path.string(), what),
                   "an existing file (a relative path is relative to the scenario file)");
  }
  if (!std::isfinite(trace->time_scale) || trace->time_scale <= 0.0 ||
      trace->time_scale > kMaxTimeScale) {
    return problem("workload.time_scale", fmt::format("{} is out of range", trace->time_scale),
                   "a number greater than 0, at most 1e6 (0.5 replays twice as fast)");
  }
  if (auto p = check_time("workload.start_offset_us", trace->start_offset_us)) return p;
  if (auto p = check_sector_multiple("workload.offset_shift_bytes", trace->offset_shift_bytes)) {
    return p;
  }
  if (trace->wrap && scenario.source.length_bytes == 0) {
    return problem("workload.wrap", "wrap on a source of length 0", "a source with a length");
  }
  if (auto p = check_sector_multiple("workload.scale_from_bytes", trace->scale_from_bytes)) {
    return p;
  }
  if (trace->scale_from_bytes != 0 && scenario.source.length_bytes == 0) {
    return problem("workload.scale_from_bytes", "scaling to a source of length 0",
                   "a source with a length");
  }
  if (!options.check_trace_rows) return std::nullopt;
  try {
    sim::read_trace(trace->path, trace->format, trace_options(scenario, *trace));
  } catch (const sim::TraceError& e) {
    auto [what, allowed] = split_allowed(e.what());
    return problem("workload.trace", what, allowed);
  }
  return std::nullopt;
}

// A rule's time in whole microseconds (what a file can hold), or a problem.
Problem check_rule_time(const std::string& key, engine::TimeNs ns) {
  if (ns < 0 || ns % engine::kNsPerUs != 0) {
    return problem(key, fmt::format("{} ns is not a whole number of microseconds", ns),
                   "a time in whole microseconds");
  }
  return check_time(key, static_cast<std::uint64_t>(ns / engine::kNsPerUs));
}

Problem check_fault(const Scenario& scenario, std::size_t index) {
  const FaultSpec& fault = scenario.faults[index];
  const sim::FaultRule& rule = fault.rule;
  const std::string at = fmt::format("faults[{}].", index);
  const DiskSpec* disk = &scenario.target;
  if (fault.disk == FaultDisk::kSource) disk = &scenario.source;
  if (fault.disk == FaultDisk::kBase) {
    // The base is read through the source's and the target's images, never
    // as a disk of its own, so a rule on it would silently never fire.
    return problem(at + "disk", "faults on the base image are not simulated",
                   "\"source\", \"target\"");
  }
  const bool to_end = rule.length_bytes == sim::kWholeDisk;
  if (auto p = check_sector_multiple(at + "offset_bytes", rule.offset_bytes)) return p;
  if (!to_end) {
    if (auto p = check_sector_multiple(at + "length_bytes", rule.length_bytes)) return p;
  }
  if (rule.length_bytes == 0) {
    return problem(at + "length_bytes", "a rule of length 0 in memory",
                   "sim::kWholeDisk (written as 0: to the end of the disk) or a positive length");
  }
  if (rule.offset_bytes > disk->length_bytes ||
      (!to_end && rule.length_bytes > disk->length_bytes - rule.offset_bytes)) {
    return problem(at + (rule.offset_bytes > disk->length_bytes ? "offset_bytes" : "length_bytes"),
                   fmt::format("the range ends past the end of the {} disk ({})",
                               name_of(fault.disk), bytes_text(disk->length_bytes)),
                   "a range inside the disk (length 0 = to the end)");
  }
  if (auto p = check_rule_time(at + "from_us", rule.from_ns)) return p;
  if (rule.to_ns != sim::kForever) {
    if (auto p = check_rule_time(at + "to_us", rule.to_ns)) return p;
    if (rule.to_ns <= rule.from_ns) {
      return problem(at + "to_us", "the window ends before it starts",
                     "0 (no end) or a time after from_us");
    }
  }
  if (!std::isfinite(rule.probability) || rule.probability < 0.0 || rule.probability > 1.0) {
    return problem(at + "probability", fmt::format("{} is out of range", rule.probability),
                   "a number from 0 to 1");
  }
  if (rule.torn && rule.op && !sim::changes_content(*rule.op)) {
    return problem(at + "torn",
                   fmt::format("a '{}' request moves no data to tear", sim::disk_op_name(*rule.op)),
                   "torn = true only with op \"write\", \"write_zeroes\", \"discard\" or "
                   "\"any\"");
  }
  const auto errnos = fault_errno_names();
  if (std::none_of(errnos.begin(), errnos.end(),
                   [&rule](const NamedValue<int>& e) { return e.value == rule.error; })) {
    return problem(at + "errno", fmt::format("errno {} cannot be injected", rule.error),
                   "\"EIO\", \"ENOSPC\", \"EINVAL\"");
  }
  return std::nullopt;
}

Problem check_prefill(const Scenario& scenario, std::size_t index) {
  const Prefill& prefill = scenario.prefill[index];
  const std::string at = fmt::format("prefill[{}].", index);
  const DiskSpec* disk = &scenario.source;
  if (prefill.disk == PrefillDisk::kBase) {
    if (!scenario.base)
      return problem(at + "disk", "\"base\" without a [base] disk",
                     "\"source\", or a [base] table");
    disk = &*scenario.base;
  }
  if (auto p = check_sector_multiple(at + "offset_bytes", prefill.offset_bytes)) return p;
  if (auto p = check_sector_multiple(at + "length_bytes", prefill.length_bytes)) return p;
  if (prefill.length_bytes == 0) {
    return problem(at + "length_bytes", "a write of 0 bytes", "a multiple of 512 above 0");
  }
  if (prefill.offset_bytes > disk->length_bytes ||
      prefill.length_bytes > disk->length_bytes - prefill.offset_bytes) {
    return problem(
        at + (prefill.offset_bytes > disk->length_bytes ? "offset_bytes" : "length_bytes"),
        fmt::format("the range ends past the end of the {} disk ({})", name_of(prefill.disk),
                    bytes_text(disk->length_bytes)),
        "a range inside the disk");
  }
  return std::nullopt;
}

Problem check_command(const Command& command, std::size_t index) {
  const std::string at = fmt::format("commands[{}].", index);
  if (auto p = check_time(at + (command.trigger == CommandTrigger::kAt ? "at_us" : "delay_us"),
                          command.time_us)) {
    return p;
  }
  if (command.kind != CommandKind::kSetSpeed && command.speed_bytes_per_s != 0) {
    return problem(at + "speed_bytes_per_s",
                   fmt::format("'{}' takes no speed", name_of(command.kind)),
                   "speed_bytes_per_s only with action = \"set_speed\"");
  }
  if (command.kind != CommandKind::kPowerLoss &&
      command.power_loss_mode != Command{}.power_loss_mode) {
    return problem(at + "mode", fmt::format("'{}' takes no mode", name_of(command.kind)),
                   "mode only with action = \"power_loss\"");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ScenarioProblem> check_scenario(const Scenario& scenario,
                                              const LoadOptions& options) {
  if (scenario.limits.max_time_us == 0) {
    return problem("limits.max_time_us", "a limit of 0", fmt::format("1 to {} us", kMaxTimeUs));
  }
  if (auto p = check_time("limits.max_time_us", scenario.limits.max_time_us)) return p;
  if (scenario.limits.max_events == 0) {
    return problem("limits.max_events", "a limit of 0", "at least 1 event");
  }
  const bool have_base = scenario.base.has_value();
  if (auto p = check_disk("source", scenario.source, have_base)) return p;
  if (auto p = check_disk("target", scenario.target, have_base)) return p;
  if (have_base) {
    if (auto p = check_disk("base", *scenario.base, have_base)) return p;
  }
  if (auto p = check_mirror(scenario.mirror, options)) return p;
  if (auto p = check_workload(scenario, options)) return p;
  for (std::size_t i = 0; i < scenario.prefill.size(); ++i) {
    if (auto p = check_prefill(scenario, i)) return p;
  }
  for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
    if (auto p = check_fault(scenario, i)) return p;
  }
  for (std::size_t i = 0; i < scenario.commands.size(); ++i) {
    if (auto p = check_command(scenario.commands[i], i)) return p;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::scenarios
