#include "reports/run_metrics_text.h"

#include <fmt/core.h>

#include "reports/run_text.h"

namespace mirrorsim::reports {
namespace {

using properties::LatencyPercentiles;

std::string rate_text(const std::optional<double>& v, const char* unit) {
  return v ? fmt::format("{:.1f} {}", *v, unit) : std::string("n/a");
}

std::string latency_text(const std::optional<LatencyPercentiles>& l) {
  if (!l) return "none";
  return fmt::format("p50 {} us, p99 {} us, p99.9 {} us", l->p50_ns / 1000, l->p99_ns / 1000,
                     l->p999_ns / 1000);
}

nlohmann::json latency_json(const std::optional<LatencyPercentiles>& l) {
  if (!l) return nullptr;
  return {{"p50_ns", l->p50_ns}, {"p99_ns", l->p99_ns}, {"p999_ns", l->p999_ns}};
}

nlohmann::json maybe(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string guest_cap_warning(const properties::RunMetrics& m) {
  if (m.guest_cap_hits == 0) return "";
  std::string achieved = "achieved " + rate_text(m.guest_iops, "IOPS");
  if (m.guest_requested_iops)
    achieved += fmt::format(" of {:.1f} requested", *m.guest_requested_iops);
  return fmt::format(
      "the guest hit its cap of {} outstanding requests {} times (arrivals delayed {} in all); "
      "{}",
      m.guest_max_outstanding, m.guest_cap_hits, time_text(m.guest_cap_delay_ns), achieved);
}

std::string run_metrics_text(const properties::RunMetrics& m) {
  std::string out;
  out += fmt::format(
      "  guest achieved: {}, {}{}\n", rate_text(m.guest_iops, "IOPS"),
      m.guest_bytes_per_s ? bytes_text(static_cast<std::uint64_t>(*m.guest_bytes_per_s)) + "/s"
                          : std::string("n/a"),
      m.guest_requested_iops ? "; requested " + rate_text(m.guest_requested_iops, "IOPS")
                             : std::string());
  if (m.guest_cap_hits != 0) out += "  warning: " + guest_cap_warning(m) + "\n";
  out += fmt::format("  guest write latency during the job: {}; before it: {}\n",
                     latency_text(m.guest_write_latency_during_job),
                     latency_text(m.guest_write_latency_before_job));
  out += fmt::format(
      "  needed copying {}, write amplification {}\n", bytes_text(m.needed_copy_bytes),
      m.write_amplification ? fmt::format("{:.3f}", *m.write_amplification) : std::string("n/a"));
  out += fmt::format("  pivot drain {}, target writes {}, dirty at end {}\n",
                     m.pivot_drain_ns ? time_text(*m.pivot_drain_ns) : std::string("n/a"),
                     rate_text(m.target_writes_per_s, "/s"), bytes_text(m.dirty_bytes_at_end));
  return out;
}

nlohmann::json run_metrics_json(const properties::RunMetrics& m) {
  nlohmann::json sizes = nlohmann::json::object();
  for (const auto& [bucket, ops] : m.copy_op_sizes) sizes[std::to_string(bucket)] = ops;
  return {{"guest_iops", maybe(m.guest_iops)},
          {"guest_bytes_per_s", maybe(m.guest_bytes_per_s)},
          {"guest_requested_iops", maybe(m.guest_requested_iops)},
          {"guest_max_outstanding", m.guest_max_outstanding},
          {"guest_cap_hits", m.guest_cap_hits},
          {"guest_cap_delay_ns", m.guest_cap_delay_ns},
          {"guest_write_latency_during_job", latency_json(m.guest_write_latency_during_job)},
          {"guest_write_latency_before_job", latency_json(m.guest_write_latency_before_job)},
          {"needed_copy_bytes", m.needed_copy_bytes},
          {"write_amplification", maybe(m.write_amplification)},
          {"copy_op_sizes", sizes},
          {"pivot_drain_ns", m.pivot_drain_ns ? nlohmann::json(*m.pivot_drain_ns) : nullptr},
          {"target_writes_per_s", maybe(m.target_writes_per_s)},
          {"dirty_bytes_at_end", m.dirty_bytes_at_end}};
}

}  // namespace mirrorsim::reports
