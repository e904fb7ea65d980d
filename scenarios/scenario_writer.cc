#include "scenarios/scenario_writer.h"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios {
namespace {

constexpr auto kMaxTomlInteger =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// A TOML basic string.
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

std::string count(std::uint64_t value) {
  return value <= kMaxTomlInteger ? fmt::format("{}", value)
                                  : toml_string(fmt::format("{}", value));
}

std::string size(std::uint64_t bytes) {
  if (auto unit = size_with_unit(bytes)) return toml_string(*unit);
  return count(bytes);
}

std::string time(std::uint64_t us) {
  if (auto unit = time_with_unit(us)) return toml_string(*unit);
  return us <= kMaxTomlInteger ? fmt::format("{}", us) : toml_string(fmt::format("{}us", us));
}

// Shortest form that reads back as the same double, always with a '.' or
// an exponent so that it reads as a float.
std::string real(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string boolean(bool value) {
  return value ? "true" : "false";
}

template <typename Enum>
std::string name(Enum value) {
  return toml_string(name_of(value));
}

class Writer {
 public:
  void line(std::string_view key, const std::string& value) {
    out_ += fmt::format("{} = {}\n", key, value);
  }
  void section(std::string_view header) { out_ += fmt::format("\n{}\n", header); }
  void text(std::string_view raw) { out_ += raw; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_disk(Writer& w, std::string_view table, const DiskSpec& disk) {
  w.section(fmt::format("[{}]", table));
  w.line("kind", name(disk.kind));
  w.line("length", size(disk.length_bytes));
  w.line("cluster_size", size(disk.cluster_bytes));
  w.line("backing", name(disk.backing));
  w.line("backing_name", toml_string(disk.backing_name));
  w.line("zero_init", boolean(disk.zero_init));
  w.line("discard_reads_zero", boolean(disk.discard_reads_zero));
  w.line("old_data", boolean(disk.old_data));
  w.line("capacity", size(disk.capacity_bytes));
  w.line("latency_us", time(disk.latency_us));
  w.line("bandwidth_bytes_s", size(disk.bandwidth_bytes_s));
  w.line("shared_bandwidth", boolean(disk.shared_bandwidth));
  w.line("jitter_us", time(disk.jitter_us));
  w.line("queue_depth", count(disk.queue_depth));
  w.line("flush_latency_us", time(disk.flush_latency_us));
}

void write_mirror(Writer& w, const MirrorSpec& mirror) {
  w.section("[mirror]");
  w.line("sync", name(mirror.sync));
  w.line("copy_mode", name(mirror.copy_mode));
  w.line("granularity", size(mirror.granularity_bytes));
  w.line("buf_size", size(mirror.buf_size_bytes));
  w.line("speed", size(mirror.speed_bytes_s));
  w.line("on_source_error", name(mirror.on_source_error));
  w.line("on_target_error", name(mirror.on_target_error));
  w.line("unmap", boolean(mirror.unmap));
  w.line("target_is_zero", boolean(mirror.target_is_zero));
  std::string bugs;
  for (const std::string& bug : mirror.bugs) bugs += (bugs.empty() ? "" : ", ") + toml_string(bug);
  w.line("bugs", "[" + bugs + "]");
}

std::string size_distribution(const sim::SizeDistribution& distribution) {
  if (const auto* fixed = std::get_if<sim::FixedSize>(&distribution)) return size(fixed->bytes);
  if (const auto* uniform = std::get_if<sim::UniformSize>(&distribution)) {
    return fmt::format("{{ min = {}, max = {} }}", size(uniform->min_bytes),
                       size(uniform->max_bytes));
  }
  std::string list;
  for (std::uint64_t bytes : std::get<sim::ChoiceSize>(distribution).bytes) {
    list += (list.empty() ? "" : ", ") + size(bytes);
  }
  return "[" + list + "]";
}

void write_generator(Writer& w, const sim::WorkloadParams& p) {
  w.line("kind", toml_string("generator"));
  w.line("rate_iops", real(p.rate_iops));
  w.line("arrival", name(p.arrival));
  w.line("burst_on_us", time(p.burst_on_us));
  w.line("burst_off_us", time(p.burst_off_us));
  w.line("size", size_distribution(p.size));
  w.line("align", size(p.align_bytes));
  w.line("locality", name(p.locality));
  w.line("hot_fraction", real(p.hot_fraction));
  w.line("hot_share", real(p.hot_share));
  w.line("hot_offset", size(p.hot_offset_bytes));
  w.line("zipf_theta", real(p.zipf_theta));
  w.line("mix", fmt::format("{{ write = {}, write_zeroes = {}, discard = {}, read = {} }}",
                            real(p.mix.write), real(p.mix.write_zeroes), real(p.mix.discard),
                            real(p.mix.read)));
  w.line("start_us", time(p.start_us));
  w.line("stop_us", time(p.stop_us));
  w.line("max_requests", count(p.max_requests));
  if (p.phases.empty()) w.line("phases", "[]");
  for (const sim::Phase& phase : p.phases) {
    w.section("[[workload.phases]]");
    w.line("duration_us", time(phase.duration_us));
    w.line("rate_iops", real(phase.rate_iops));
  }
}

void write_workload(Writer& w, const WorkloadSpec& workload) {
  w.section("[workload]");
  if (std::holds_alternative<NoWorkload>(workload)) {
    w.line("kind", toml_string("none"));
  } else if (const auto* trace = std::get_if<TraceWorkload>(&workload)) {
    w.line("kind", toml_string("trace"));
    w.line("trace", toml_string(trace->path.string()));
    w.line("format", name(trace->format));
  } else {
    write_generator(w, std::get<sim::WorkloadParams>(workload));
  }
}

void write_fault(Writer& w, const FaultRule& rule) {
  w.section("[[faults]]");
  w.line("disk", name(rule.disk));
  w.line("op", name(rule.op));
  w.line("offset", size(rule.offset_bytes));
  w.line("length", size(rule.length_bytes));
  w.line("from_us", time(rule.from_us));
  w.line("to_us", time(rule.to_us));
  w.line("after_n", count(rule.after_n));
  w.line("probability", real(rule.probability));
  w.line("once", boolean(rule.once));
  w.line("errno", name(rule.error));
}

void write_command(Writer& w, const Command& command) {
  w.section("[[commands]]");
  w.line("action", name(command.kind));
  if (command.trigger == CommandTrigger::kAt) {
    w.line("at_us", time(command.time_us));
  } else {
    w.line("on_ready", "true");
    w.line("delay_us", time(command.time_us));
  }
  if (command.kind == CommandKind::kSetSpeed) w.line("speed", size(command.speed_bytes_s));
}

}  // namespace

std::string write_scenario(const Scenario& scenario) {
  Writer w;
  w.text(
      "# mirrorsim scenario. Every field is written out, so this file replays the same\n"
      "# run even where a later build changes a default.\n");
  w.line("name", toml_string(scenario.name));
  w.line("description", toml_string(scenario.description));
  w.line("seed", count(scenario.seed));
  if (scenario.faults.empty()) w.line("faults", "[]");
  if (scenario.commands.empty()) w.line("commands", "[]");
  w.section("[limits]");
  w.line("max_time_us", time(scenario.limits.max_time_us));
  w.line("max_events", count(scenario.limits.max_events));
  write_disk(w, "source", scenario.source);
  write_disk(w, "target", scenario.target);
  if (scenario.base) write_disk(w, "base", *scenario.base);
  write_mirror(w, scenario.mirror);
  write_workload(w, scenario.workload);
  for (const FaultRule& rule : scenario.faults) write_fault(w, rule);
  for (const Command& command : scenario.commands) write_command(w, command);
  return w.take();
}

}  // namespace mirrorsim::scenarios
