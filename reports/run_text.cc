#include "reports/run_text.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "engine/known_bugs.h"
#include "reports/convergence_text.h"
#include "reports/run_metrics_text.h"
#include "reports/swarm_json.h"
#include "scenarios/scenario_units.h"
#include "scenarios/scenario_writer.h"

namespace mirrorsim::reports {
namespace {

std::string hex(std::uint64_t v) {
  return fmt::format("{:016x}", v);
}

std::string disk_line(const char* role, const scenarios::DiskSpec& d) {
  std::string kind = d.kind == scenarios::DiskKind::kCluster
                         ? "cluster " + bytes_text(d.cluster_bytes)
                         : std::string("raw");
  std::string backing;
  switch (d.backing) {
    case scenarios::Backing::kNone:
      break;
    case scenarios::Backing::kAttached:
      backing = ", backing attached";
      break;
    case scenarios::Backing::kAtPivot:
      backing = ", backing attached at pivot";
      break;
  }
  // The unkind keys, only when set (a line without them reads as before).
  std::string unkind;
  if (d.io_model != sim::IoModel::kAtomic) unkind += ", split I/O";
  if (d.completion_delay_us != 0) {
    unkind += fmt::format(", completions {}{} us late{}", d.reorder ? "up to " : "",
                          d.completion_delay_us, d.reorder ? " (reordered)" : "");
  }
  if (d.write_cache) unkind += ", volatile write cache";
  return fmt::format(
      "  {:<7} {} {}{}{}{}, latency {} us, {}/s{}, queue depth {}{}\n", role,
      bytes_text(d.length_bytes), kind, backing, d.old_data ? ", holds data" : "",
      d.zero_init ? "" : ", not zero-initialised", d.latency_us,
      d.bandwidth_bytes_per_s == 0
          ? std::string("unlimited")
          : fmt::format("{:g} MB", static_cast<double>(d.bandwidth_bytes_per_s) / 1e6),
      // The bandwidth model: a real device's (shared) or each request's own.
      d.bandwidth_bytes_per_s == 0 ? ""
      : d.shared_bandwidth         ? " shared by requests in flight"
                                   : " for each request (not shared)",
      d.queue_depth, unkind);
}

std::string event_text(const engine::JobEvent& e) {
  switch (e.kind) {
    case engine::JobEventKind::kStateChange:
      return "state " + std::string(engine::state_name(e.state));
    case engine::JobEventKind::kReady:
      return "READY";
    case engine::JobEventKind::kError:
      return fmt::format("ERROR {} errno {} action {}", e.operation, e.error, e.action);
    case engine::JobEventKind::kCompleted:
      if (!e.message.empty()) return "COMPLETED with error: " + e.message;
      return e.pivoted ? "COMPLETED (pivoted)" : "COMPLETED (no pivot)";
    case engine::JobEventKind::kCancelled:
      return "CANCELLED";
  }
  return "?";
}

}  // namespace

std::string bytes_text(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  double v = static_cast<double>(b);
  while (v >= 1024 && u < 5 && (b % 1024 == 0 || v >= 10 * 1024)) {
    v /= 1024;
    ++u;
    if (b % 1024 != 0) break;
    b /= 1024;
  }
  if (v == static_cast<double>(static_cast<std::uint64_t>(v))) {
    return fmt::format("{} {}", static_cast<std::uint64_t>(v), units[u]);
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string time_text(engine::TimeNs ns) {
  return fmt::format("{:.6f} s", ns / 1e9);
}

std::string describe_setup(const scenarios::Scenario& s, std::uint64_t seed,
                           const std::vector<std::string>& bugs) {
  std::string out =
      fmt::format("scenario {}  seed {}\n", s.name.empty() ? "(unnamed)" : s.name, seed);
  if (!s.description.empty()) out += "  " + s.description + "\n";
  if (s.base) out += disk_line("base", *s.base);
  out += disk_line("source", s.source);
  out += disk_line("target", s.target);
  const scenarios::MirrorSpec& m = s.mirror;
  out += fmt::format(
      "  mirror  sync {}, copy-mode {}, granularity {}, buf-size {}, speed {}, on-source-error {}, "
      "on-target-error {}, unmap {}, target-is-zero {}\n",
      scenarios::name_of(m.sync), scenarios::name_of(m.copy_mode),
      m.granularity_bytes == 0 ? std::string("default") : bytes_text(m.granularity_bytes),
      m.buf_size_bytes == 0 ? std::string("default") : bytes_text(m.buf_size_bytes),
      m.speed_bytes_per_s == 0 ? std::string("unlimited") : bytes_text(m.speed_bytes_per_s) + "/s",
      scenarios::name_of(m.on_source_error), scenarios::name_of(m.on_target_error), m.unmap,
      m.target_is_zero);
  // Shown only when set, so that the setup of older cases reads as before.
  if (m.algorithm != engine::Algorithm::kQemu) {
    out +=
        fmt::format("  algorithm {}, region {}, copy ops {} (docs/algorithms.md)\n",
                    engine::algorithm_name(m.algorithm),
                    m.region_bytes == 0 ? std::string("default") : bytes_text(m.region_bytes),
                    m.max_copy_ops == 0 ? std::string("default") : std::to_string(m.max_copy_ops));
  }
  if (m.start_us != 0 || !s.prefill.empty()) {
    out += fmt::format("  before  {} prefill write(s); the job starts at {} us\n", s.prefill.size(),
                       m.start_us);
  }
  const auto torn = std::count_if(s.faults.begin(), s.faults.end(),
                                  [](const scenarios::FaultSpec& f) { return f.rule.torn; });
  const std::string torn_text = torn == 0 ? "" : fmt::format(" ({} torn)", torn);
  out += fmt::format("  faults  {} rule(s){}; commands {}; bugs {}\n", s.faults.size(), torn_text,
                     s.commands.size(),
                     bugs.empty() ? std::string("none") : fmt::format("{}", fmt::join(bugs, ", ")));
  if (s.swarm) out += "  swarm   " + scenarios::describe_swarm(*s.swarm) + "\n";
  return out;
}

std::string describe_report(const properties::RunReport& r) {
  std::string out;
  out += "outcome: " + r.outcome_line() + "\n";
  if (r.job_started) {
    out += fmt::format(
        "job: granularity {}, buf-size {}, max op {}, cow {}\n",
        bytes_text(r.resolved.granularity_bytes), bytes_text(r.resolved.buf_size_bytes),
        bytes_text(r.resolved.max_io_bytes),
        r.resolved.cow ? "on (target cluster " + bytes_text(r.resolved.target_cluster_bytes) + ")"
                       : std::string("off"));
  }
  out += "events:\n";
  for (const engine::JobEvent& e : r.events) {
    out += fmt::format("  {:>14}  {}\n", time_text(e.time), event_text(e));
  }
  if (!r.commands.empty()) {
    out += "commands:\n";
    for (const properties::CommandRecord& c : r.commands) {
      out += fmt::format("  {:>14}  {}{}\n", time_text(c.time), c.action,
                         c.accepted ? "" : " (refused: " + c.note + ")");
    }
  }
  const engine::JobMetrics& m = r.metrics;
  out += "metrics:\n";
  out += fmt::format("  time to READY {}, time to end {}\n",
                     m.time_to_ready_ns < 0 ? std::string("never") : time_text(m.time_to_ready_ns),
                     m.time_to_end_ns < 0 ? std::string("never") : time_text(m.time_to_end_ns));
  out +=
      fmt::format("  read {}, written {}, zeroed {}, discarded {}, COW extra {}\n",
                  bytes_text(m.bytes_read), bytes_text(m.bytes_written), bytes_text(m.bytes_zeroed),
                  bytes_text(m.bytes_discarded), bytes_text(m.cow_extra_bytes));
  out += fmt::format(
      "  ops: {} copy, {} zero, {} discard, {} active writes; {} iterations, {} bitmap passes; "
      "{} errors\n",
      m.copy_ops, m.zero_ops, m.discard_ops, m.active_writes, m.iterations, m.bitmap_passes,
      m.errors);
  out += fmt::format("  peak buffer {}, peak ops in flight {}; downtime {}\n",
                     bytes_text(m.peak_buffer_bytes), m.peak_in_flight, time_text(m.downtime_ns));
  out += fmt::format(
      "  guest: {} requests, {} errors, write latency p50 {} us, p99 {} us; faults injected {}\n",
      r.guest_requests, r.guest_errors, r.guest_write_p50_ns / 1000, r.guest_write_p99_ns / 1000,
      r.faults_injected);
  out += run_metrics_text(r.run_metrics);
  out += convergence_text(r);
  out += "properties:\n";
  for (const properties::Verdict& v : r.verdicts) {
    out += fmt::format("  {:<9} {}", properties::verdict_status_name(v.status), v.property);
    if (v.status == properties::VerdictStatus::kViolated ||
        v.status == properties::VerdictStatus::kInconclusive) {
      out += ": " + v.message;
    }
    out += "\n";
  }
  out += fmt::format("virtual time {}, {} events, event-log hash {}\n",
                     time_text(r.sim.end_time_ns), r.sim.events, hex(r.sim.log_hash));
  return out;
}

std::string describe_verdicts(const properties::RunReport& r) {
  std::string out = "outcome: " + r.outcome_line() + "\n";
  for (const properties::Verdict& v : r.verdicts) {
    out += fmt::format("  {:<9} {}", properties::verdict_status_name(v.status), v.property);
    if (v.status == properties::VerdictStatus::kViolated ||
        v.status == properties::VerdictStatus::kInconclusive) {
      out += ": " + v.message;
    }
    out += "\n";
  }
  out += fmt::format("event-log hash {}\n", hex(r.sim.log_hash));
  return out;
}

nlohmann::json report_json(const properties::RunReport& r) {
  nlohmann::json j;
  j["scenario"] = r.scenario_name;
  j["seed"] = r.seed;
  j["bugs"] = r.bugs;
  j["swarm"] = swarm_json(r.swarm);
  j["outcome"] = r.outcome_line();
  j["passed"] = r.passed();
  // The run hit its limit while still progressing: neither passed nor failed.
  j["inconclusive"] = r.inconclusive() != nullptr;
  // Converged, or not (an outcome: an outrun job passes), with its figures.
  j["converged"] = r.convergence.converged;
  j["convergence"] = convergence_json(r);
  j["warnings"] = r.warnings();
  j["hash"] = hex(r.sim.log_hash);
  j["virtual_time_ns"] = r.sim.end_time_ns;
  j["events_dispatched"] = r.sim.events;
  // The job's parameters after defaults and rounding (null: it never started).
  const engine::ResolvedParams& p = r.resolved;
  j["job"] = r.job_started ? nlohmann::json{{"length_bytes", p.length_bytes},
                                            {"granularity_bytes", p.granularity_bytes},
                                            {"buf_size_bytes", p.buf_size_bytes},
                                            {"max_op_bytes", p.max_io_bytes},
                                            {"max_in_flight_ops", p.max_in_flight_ops},
                                            {"target_cluster_bytes", p.target_cluster_bytes},
                                            {"cow", p.cow},
                                            {"target_fills_zeroes", p.target_fills_zeroes}}
                           : nlohmann::json(nullptr);
  nlohmann::json events = nlohmann::json::array();
  for (const engine::JobEvent& e : r.events) {
    events.push_back({{"time_ns", e.time}, {"event", event_text(e)}});
  }
  j["events"] = events;
  nlohmann::json commands = nlohmann::json::array();
  for (const properties::CommandRecord& c : r.commands) {
    commands.push_back(
        {{"time_ns", c.time}, {"action", c.action}, {"accepted", c.accepted}, {"note", c.note}});
  }
  j["commands"] = commands;
  const engine::JobMetrics& m = r.metrics;
  j["metrics"] = {{"time_to_ready_ns", m.time_to_ready_ns},
                  {"time_to_end_ns", m.time_to_end_ns},
                  {"read_bytes", m.bytes_read},
                  {"written_bytes", m.bytes_written},
                  {"zeroed_bytes", m.bytes_zeroed},
                  {"discarded_bytes", m.bytes_discarded},
                  {"cow_extra_bytes", m.cow_extra_bytes},
                  {"copy_ops", m.copy_ops},
                  {"zero_ops", m.zero_ops},
                  {"discard_ops", m.discard_ops},
                  {"active_writes", m.active_writes},
                  {"iterations", m.iterations},
                  {"bitmap_passes", m.bitmap_passes},
                  {"errors", m.errors},
                  {"peak_buffer_bytes", m.peak_buffer_bytes},
                  {"peak_in_flight", m.peak_in_flight},
                  {"downtime_ns", m.downtime_ns},
                  {"guest_requests", r.guest_requests},
                  {"guest_errors", r.guest_errors},
                  {"guest_write_p50_ns", r.guest_write_p50_ns},
                  {"guest_write_p99_ns", r.guest_write_p99_ns},
                  {"faults_injected", r.faults_injected}};
  j["metrics"].update(run_metrics_json(r.run_metrics));
  nlohmann::json verdicts = nlohmann::json::array();
  for (const properties::Verdict& v : r.verdicts) {
    verdicts.push_back({{"property", v.property},
                        {"status", properties::verdict_status_name(v.status)},
                        {"message", v.message}});
  }
  j["properties"] = verdicts;
  const std::optional<properties::FailureKind> kind = properties::failure_kind(r.verdicts);
  j["failure_kind"] = kind ? nlohmann::json(properties::failure_kind_name(*kind)) : nullptr;
  return j;
}

namespace {

// "64KiB" under a key ending in _bytes, "1ms" under one ending in _us: the
// number (bytes, microseconds), which is what a reader of the JSON computes with.
void numbers_for_units(nlohmann::json& j) {
  if (j.is_array()) {
    for (nlohmann::json& item : j) numbers_for_units(item);
    return;
  }
  if (!j.is_object()) return;
  for (auto& [key, value] : j.items()) {
    if (value.is_string()) {
      const std::string text = value.get<std::string>();
      const scenarios::Quantity q = key.ends_with("_bytes") ? scenarios::parse_size_text(text)
                                    : key.ends_with("_us")  ? scenarios::parse_time_text(text)
                                                            : scenarios::Quantity{};
      if (q.status == scenarios::Quantity::Status::kOk) value = q.value;
    } else {
      numbers_for_units(value);
    }
  }
}

}  // namespace

nlohmann::json scenario_json(const scenarios::Scenario& scenario) {
  std::ostringstream text;
  text << toml::json_formatter{toml::parse(scenarios::write_scenario(scenario))};
  nlohmann::json j = nlohmann::json::parse(text.str());
  numbers_for_units(j);
  return j;
}

}  // namespace mirrorsim::reports
