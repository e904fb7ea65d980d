#include "scenarios/scenario_writer.h"

#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "scenarios/scenario_check.h"
#include "scenarios/scenario_format.h"

namespace mirrorsim::scenarios {
namespace {

constexpr std::string_view kDiffers = "# differs from default";

class Writer {
 public:
  // `key = value`, marked when a file without the key would load another value.
  void line(std::string_view key, const std::string& value,
            const std::optional<std::string>& default_value = std::nullopt) {
    if (default_value && value != *default_value) {
      out_ += fmt::format("{} = {}  {} ({})\n", key, value, kDiffers, *default_value);
    } else {
      out_ += fmt::format("{} = {}\n", key, value);
    }
  }
  void section(std::string_view header) { out_ += fmt::format("\n{}\n", header); }
  void text(std::string_view raw) { out_ += raw; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// What the loader gives a disk table that sets only kind and backing.
DiskSpec disk_defaults(const DiskSpec& disk) {
  DiskSpec d;
  d.kind = disk.kind;
  if (d.kind == DiskKind::kCluster) d.cluster_bytes = kDefaultClusterBytes;
  d.backing = disk.backing;
  if (d.backing != Backing::kNone) d.backing_name = "base";
  return d;
}

void write_disk(Writer& w, std::string_view table, const DiskSpec& disk) {
  const DiskSpec def = disk_defaults(disk);
  w.section(fmt::format("[{}]", table));
  w.line("kind", toml_name(disk.kind), toml_name(DiskSpec{}.kind));
  w.line("length_bytes", toml_size(disk.length_bytes), toml_size(def.length_bytes));
  w.line("cluster_bytes", toml_size(disk.cluster_bytes), toml_size(def.cluster_bytes));
  w.line("backing", toml_name(disk.backing), toml_name(DiskSpec{}.backing));
  w.line("backing_name", toml_string(disk.backing_name), toml_string(def.backing_name));
  w.line("zero_init", toml_bool(disk.zero_init), toml_bool(def.zero_init));
  w.line("discard_reads_zero", toml_bool(disk.discard_reads_zero),
         toml_bool(def.discard_reads_zero));
  w.line("old_data", toml_bool(disk.old_data), toml_bool(def.old_data));
  w.line("capacity_bytes", toml_size(disk.capacity_bytes), toml_size(def.capacity_bytes));
  w.line("latency_us", toml_time(disk.latency_us), toml_time(def.latency_us));
  w.line("bandwidth_bytes_per_s", toml_size(disk.bandwidth_bytes_per_s),
         toml_size(def.bandwidth_bytes_per_s));
  w.line("shared_bandwidth", toml_bool(disk.shared_bandwidth), toml_bool(def.shared_bandwidth));
  w.line("jitter_us", toml_time(disk.jitter_us), toml_time(def.jitter_us));
  w.line("queue_depth", toml_count(disk.queue_depth), toml_count(def.queue_depth));
  w.line("flush_latency_us", toml_time(disk.flush_latency_us), toml_time(def.flush_latency_us));
  // Absent by default (the faults never end), so any value differs from it.
  if (disk.faults_end_us) {
    w.line("faults_end_us", toml_time(*disk.faults_end_us), std::string("none"));
  }
  // Keys newer than the files already saved: written only when they differ
  // from the default, so that a case without them is written byte for byte
  // as before they existed.
  if (disk.io_model != def.io_model) {
    w.line("io_model", toml_name(disk.io_model), toml_name(def.io_model));
  }
  if (disk.completion_delay_us != def.completion_delay_us) {
    w.line("completion_delay_us", toml_time(disk.completion_delay_us),
           toml_time(def.completion_delay_us));
  }
  if (disk.reorder != def.reorder)
    w.line("reorder", toml_bool(disk.reorder), toml_bool(def.reorder));
  if (disk.write_cache != def.write_cache)
    w.line("write_cache", toml_bool(disk.write_cache), toml_bool(def.write_cache));
}

std::string bug_list(const std::vector<std::string>& bugs) {
  std::string list;
  for (const std::string& bug : bugs) list += (list.empty() ? "" : ", ") + toml_string(bug);
  return "[" + list + "]";
}

void write_mirror(Writer& w, const MirrorSpec& mirror) {
  const MirrorSpec def;
  w.section("[mirror]");
  w.line("sync", toml_name(mirror.sync));  // required: no default
  w.line("copy_mode", toml_name(mirror.copy_mode), toml_name(def.copy_mode));
  w.line("granularity_bytes", toml_size(mirror.granularity_bytes),
         toml_size(def.granularity_bytes));
  w.line("buf_size_bytes", toml_size(mirror.buf_size_bytes), toml_size(def.buf_size_bytes));
  w.line("speed_bytes_per_s", toml_size(mirror.speed_bytes_per_s),
         toml_size(def.speed_bytes_per_s));
  w.line("on_source_error", toml_name(mirror.on_source_error), toml_name(def.on_source_error));
  w.line("on_target_error", toml_name(mirror.on_target_error), toml_name(def.on_target_error));
  w.line("unmap", toml_bool(mirror.unmap), toml_bool(def.unmap));
  w.line("target_is_zero", toml_bool(mirror.target_is_zero), toml_bool(def.target_is_zero));
  w.line("bugs", bug_list(mirror.bugs), bug_list(def.bugs));
  w.line("profile", toml_name(mirror.profile), toml_name(def.profile));
  // Newer than the files already saved: written only when set (see write_disk).
  if (mirror.start_us != def.start_us) {
    w.line("start_us", toml_time(mirror.start_us), toml_time(def.start_us));
  }
  // Newer still, each only when set: a QEMU job's file is written as before.
  if (mirror.algorithm != def.algorithm) {
    w.line("algorithm", toml_name(mirror.algorithm), toml_name(def.algorithm));
  }
  if (mirror.region_bytes != def.region_bytes) {
    w.line("region_bytes", toml_size(mirror.region_bytes), toml_size(def.region_bytes));
  }
  if (mirror.max_copy_ops != def.max_copy_ops) {
    w.line("max_copy_ops", toml_count(mirror.max_copy_ops), toml_count(def.max_copy_ops));
  }
  if (mirror.switch_bytes != def.switch_bytes) {
    w.line("switch_bytes", toml_size(mirror.switch_bytes), toml_size(def.switch_bytes));
  }
  if (mirror.max_passes != def.max_passes) {
    w.line("max_passes", toml_count(mirror.max_passes), toml_count(def.max_passes));
  }
  if (mirror.max_downtime_us != def.max_downtime_us) {
    w.line("max_downtime_us", toml_time(mirror.max_downtime_us), toml_time(def.max_downtime_us));
  }
  if (mirror.on_downtime_limit != def.on_downtime_limit) {
    w.line("on_downtime_limit", toml_name(mirror.on_downtime_limit),
           toml_name(def.on_downtime_limit));
  }
}

std::string size_distribution(const sim::SizeDistribution& distribution) {
  if (const auto* fixed = std::get_if<sim::FixedSize>(&distribution)) {
    return toml_size(fixed->bytes);
  }
  if (const auto* uniform = std::get_if<sim::UniformSize>(&distribution)) {
    return fmt::format("{{ min_bytes = {}, max_bytes = {} }}", toml_size(uniform->min_bytes),
                       toml_size(uniform->max_bytes));
  }
  std::string list;
  for (std::uint64_t bytes : std::get<sim::ChoiceSize>(distribution).bytes) {
    list += (list.empty() ? "" : ", ") + toml_size(bytes);
  }
  return "[" + list + "]";
}

std::string op_mix(const sim::OpMix& mix) {
  return fmt::format("{{ write = {}, write_zeroes = {}, discard = {}, read = {} }}",
                     toml_real(mix.write), toml_real(mix.write_zeroes), toml_real(mix.discard),
                     toml_real(mix.read));
}

void write_generator(Writer& w, const sim::WorkloadParams& p) {
  const sim::WorkloadParams def;
  w.line("kind", toml_string("generator"), toml_string("none"));
  w.line("rate_iops", toml_real(p.rate_iops), toml_real(def.rate_iops));
  w.line("arrival", toml_name(p.arrival), toml_name(def.arrival));
  w.line("burst_on_us", toml_time(p.burst_on_us), toml_time(def.burst_on_us));
  w.line("burst_off_us", toml_time(p.burst_off_us), toml_time(def.burst_off_us));
  w.line("size_bytes", size_distribution(p.size), size_distribution(def.size));
  w.line("align_bytes", toml_size(p.align_bytes), toml_size(def.align_bytes));
  w.line("locality", toml_name(p.locality), toml_name(def.locality));
  w.line("hot_fraction", toml_real(p.hot_fraction), toml_real(def.hot_fraction));
  w.line("hot_share", toml_real(p.hot_share), toml_real(def.hot_share));
  w.line("hot_offset_bytes", toml_size(p.hot_offset_bytes), toml_size(def.hot_offset_bytes));
  w.line("zipf_theta", toml_real(p.zipf_theta), toml_real(def.zipf_theta));
  w.line("mix", op_mix(p.mix), op_mix(def.mix));
  w.line("start_us", toml_time(p.start_us), toml_time(def.start_us));
  w.line("stop_us", toml_time(p.stop_us), toml_time(def.stop_us));
  w.line("max_requests", toml_count(p.max_requests), toml_count(def.max_requests));
  // Newer than the files already saved: written only when set (see write_disk).
  if (p.flush_every != def.flush_every) {
    w.line("flush_every", toml_count(p.flush_every), toml_count(def.flush_every));
  }
  if (p.phases.empty()) w.line("phases", "[]");
  for (const sim::Phase& phase : p.phases) {
    w.section("[[workload.phases]]");
    w.line("duration_us", toml_time(phase.duration_us));  // both required
    w.line("rate_iops", toml_real(phase.rate_iops));
  }
}

void write_workload(Writer& w, const WorkloadSpec& workload, std::uint64_t max_outstanding) {
  w.section("[workload]");
  // Newer than the files already saved: written only when set (see write_disk).
  if (max_outstanding != kDefaultMaxOutstanding) {
    w.line("max_outstanding", toml_count(max_outstanding), toml_count(kDefaultMaxOutstanding));
  }
  if (std::holds_alternative<NoWorkload>(workload)) {
    w.line("kind", toml_string("none"), toml_string("none"));
  } else if (const auto* trace = std::get_if<TraceWorkload>(&workload)) {
    w.line("kind", toml_string("trace"), toml_string("none"));
    w.line("trace", toml_string(trace->path.string()));  // required
    w.line("format", toml_name(trace->format), toml_name(TraceWorkload{}.format));
    // Newer than the files already saved: written only when set (see write_disk).
    const TraceWorkload def;
    if (trace->time_scale != def.time_scale) {
      w.line("time_scale", toml_real(trace->time_scale), toml_real(def.time_scale));
    }
    if (trace->start_offset_us != def.start_offset_us) {
      w.line("start_offset_us", toml_time(trace->start_offset_us), toml_time(0));
    }
    if (trace->loop) w.line("loop", "true", toml_bool(false));
    if (trace->offset_shift_bytes != def.offset_shift_bytes) {
      w.line("offset_shift_bytes", toml_size(trace->offset_shift_bytes), toml_size(0));
    }
    if (trace->scale_from_bytes != def.scale_from_bytes) {
      w.line("scale_from_bytes", toml_size(trace->scale_from_bytes), toml_size(0));
    }
    if (trace->wrap) w.line("wrap", "true", toml_bool(false));
  } else {
    write_generator(w, std::get<sim::WorkloadParams>(workload));
  }
}

void write_fault(Writer& w, const FaultSpec& fault) {
  const FaultSpec def;
  const sim::FaultRule& rule = fault.rule;
  w.section("[[faults]]");
  w.line("disk", toml_name(fault.disk), toml_name(def.disk));
  w.line("op", toml_named(fault_op_names(), rule.op), toml_named(fault_op_names(), def.rule.op));
  w.line("offset_bytes", toml_size(rule.offset_bytes), toml_size(def.rule.offset_bytes));
  w.line("length_bytes", toml_rule_length(rule.length_bytes),
         toml_rule_length(def.rule.length_bytes));
  w.line("from_us", toml_rule_time(rule.from_ns), toml_rule_time(def.rule.from_ns));
  w.line("to_us", toml_rule_time(rule.to_ns), toml_rule_time(def.rule.to_ns));
  w.line("after_n", toml_count(rule.after), toml_count(def.rule.after));
  w.line("probability", toml_real(rule.probability), toml_real(def.rule.probability));
  w.line("once", toml_bool(rule.once), toml_bool(def.rule.once));
  w.line("errno", toml_named(fault_errno_names(), rule.error),
         toml_named(fault_errno_names(), def.rule.error));
  // Newer than the files already saved: written only when set (see write_disk).
  if (rule.torn != def.rule.torn) w.line("torn", toml_bool(rule.torn), toml_bool(def.rule.torn));
}

void write_prefill(Writer& w, const Prefill& prefill) {
  const Prefill def;
  w.section("[[prefill]]");
  w.line("disk", toml_name(prefill.disk), toml_name(def.disk));
  w.line("op", toml_name(prefill.op), toml_name(def.op));
  w.line("offset_bytes", toml_size(prefill.offset_bytes));  // required
  w.line("length_bytes", toml_size(prefill.length_bytes));  // required
}

void write_swarm(Writer& w, const SwarmOptions& swarm) {
  const SwarmOptions def;
  w.section("[swarm]");
  w.text("# How the generator drew this case. Informational: a run does not read it.\n");
  for (const SwarmSwitch& sw : swarm_switches()) {
    if (sw.written_when_off || swarm.*sw.member != def.*sw.member) {
      w.line(sw.name, toml_bool(swarm.*sw.member), toml_bool(def.*sw.member));
    }
  }
  w.line("sync", toml_name(swarm.sync), toml_name(def.sync));
}

void write_command(Writer& w, const Command& command) {
  w.section("[[commands]]");
  w.line("action", toml_name(command.kind));  // required
  if (command.trigger == CommandTrigger::kAt) {
    w.line("at_us", toml_time(command.time_us));  // at_us or on_ready is required
  } else {
    w.line("on_ready", "true");
    w.line("delay_us", toml_time(command.time_us), toml_time(0));
  }
  if (command.kind == CommandKind::kSetSpeed)
    w.line("speed_bytes_per_s", toml_size(command.speed_bytes_per_s));
  if (command.kind == CommandKind::kPowerLoss) {
    w.line("mode", toml_name(command.power_loss_mode), toml_name(Command{}.power_loss_mode));
  }
}

}  // namespace

std::string write_scenario(const Scenario& scenario) {
  const Scenario def;
  Writer w;
  w.text(
      "# mirrorsim scenario. Every field is written out, so this file replays the same\n"
      "# run even where a later build changes a default. Lines marked \"differs from\n"
      "# default (X)\" set a value other than X, what a file without the key gets.\n");
  w.line("name", toml_string(scenario.name));  // labels: never marked
  w.line("description", toml_string(scenario.description));
  w.line("seed", toml_count(scenario.seed), toml_count(def.seed));
  if (scenario.faults.empty()) w.line("faults", "[]");
  if (scenario.commands.empty()) w.line("commands", "[]");
  if (scenario.swarm) write_swarm(w, *scenario.swarm);
  w.section("[limits]");
  w.line("max_time_us", toml_time(scenario.limits.max_time_us), toml_time(def.limits.max_time_us));
  w.line("max_events", toml_count(scenario.limits.max_events), toml_count(def.limits.max_events));
  write_disk(w, "source", scenario.source);
  write_disk(w, "target", scenario.target);
  if (scenario.base) write_disk(w, "base", *scenario.base);
  write_mirror(w, scenario.mirror);
  write_workload(w, scenario.workload, scenario.max_outstanding);
  // Newer than the files already saved: a case without prefill has no such section.
  for (const Prefill& prefill : scenario.prefill) write_prefill(w, prefill);
  for (const FaultSpec& fault : scenario.faults) write_fault(w, fault);
  for (const Command& command : scenario.commands) write_command(w, command);
  return w.take();
}

}  // namespace mirrorsim::scenarios
