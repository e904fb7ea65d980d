#include "reports/sweep_results.h"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "engine/job_observer.h"
#include "properties/verdict.h"
#include "reports/run_text.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::reports {
namespace {}  // namespace

nlohmann::json axis_value(const scenarios::SweepAxis& axis, const std::string& value) {
  const bool bytes = axis.key.ends_with("_bytes") || axis.key.ends_with("_per_s");
  const bool time = axis.key.ends_with("_us");
  if (bytes || time) {
    const scenarios::Quantity q =
        bytes ? scenarios::parse_size_text(value) : scenarios::parse_time_text(value);
    if (q.status == scenarios::Quantity::Status::kOk) return q.value;
  }
  return value;
}

namespace {

Row row_head(const scenarios::SweepSpec& spec, const scenarios::SweepCell& cell,
             std::uint64_t cell_index, std::uint64_t seed, std::uint64_t run_index) {
  Row row;
  row["run"] = run_index;
  row["cell"] = cell_index;
  row["seed"] = seed;
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    row[spec.axes[i].key] = axis_value(spec.axes[i], cell.overrides[i].value);
  }
  return row;
}

double seconds(engine::TimeNs ns) {
  return static_cast<double>(ns) / 1e9;
}

// Student's t for a two-sided 95% interval, by degrees of freedom 1..30.
double t95(std::size_t df) {
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  return df == 0 ? 0 : df <= 30 ? kT[df - 1] : 1.96;
}

std::string csv_field(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_float()) return fmt::format("{:.9g}", v.get<double>());
  if (v.is_number()) return v.dump();
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

Stats stats_of(const std::vector<double>& values) {
  Stats st;
  st.n = values.size();
  if (st.n == 0) return st;
  double sum = 0;
  for (double v : values) sum += v;
  const double n = static_cast<double>(st.n);
  st.mean = sum / n;
  double squares = 0;
  for (double v : values) squares += (v - st.mean) * (v - st.mean);
  st.sd = st.n > 1 ? std::sqrt(squares / (n - 1)) : 0;
  st.ci95 = t95(st.n - 1) * st.sd / std::sqrt(n);
  return st;
}

bool metric_value(const Row& row, const std::string& metric, double& out) {
  if (!row.contains(metric)) return false;
  const Row& v = row[metric];
  if (v.is_boolean()) {
    out = v.get<bool>() ? 1 : 0;
    return true;
  }
  if (!v.is_number()) return false;
  out = v.get<double>();
  return true;
}

std::string axis_label(const scenarios::SweepAxis& axis, const std::string& value) {
  const nlohmann::json v = axis_value(axis, value);
  if (!v.is_number()) return value;
  const auto n = v.get<std::uint64_t>();
  if (axis.key.ends_with("_us")) return fmt::format("{} us", n);
  return bytes_text(n);
}

namespace {

using properties::RunReport;

// The job's resolved parameters and the run's outcome: one table for the
// columns of a run's row and of a crashed run's row (which has no report),
// so the two can never name them differently.
struct JobColumn {
  const char* name;
  Row (*value)(const engine::ResolvedParams&);
};
const JobColumn kJobColumns[] = {
    {"job.granularity_bytes",
     [](const engine::ResolvedParams& p) { return Row(p.granularity_bytes); }},
    {"job.buf_size_bytes", [](const engine::ResolvedParams& p) { return Row(p.buf_size_bytes); }},
    {"job.max_op_bytes", [](const engine::ResolvedParams& p) { return Row(p.max_io_bytes); }},
    {"job.cow", [](const engine::ResolvedParams& p) { return Row(p.cow); }},
};

struct OutcomeColumn {
  const char* name;
  Row (*value)(const RunReport&);
  Row (*crashed)(const std::string& how);
};
Row failure_kind_of(const RunReport& r) {
  const auto kind = properties::failure_kind(r.verdicts);
  return kind ? Row(std::string(properties::failure_kind_name(*kind))) : Row(nullptr);
}
const OutcomeColumn kOutcomeColumns[] = {
    {"outcome", [](const RunReport& r) { return Row(r.outcome_line()); },
     [](const std::string& how) { return Row("crash: " + how); }},
    {"failure_kind", failure_kind_of, [](const std::string&) { return Row("crash"); }},
    // READY, or the bytes left drained (properties/convergence.h); an outrun
    // job is not converged, and passed.
    {"converged", [](const RunReport& r) { return Row(r.convergence.converged); },
     [](const std::string&) { return Row(false); }},
    {"ready_reached", [](const RunReport& r) { return Row(r.convergence.ready_reached); },
     [](const std::string&) { return Row(false); }},
    {"outrun", [](const RunReport& r) { return Row(r.outrun()); },
     [](const std::string&) { return Row(nullptr); }},
    {"passed", [](const RunReport& r) { return Row(r.passed()); },
     [](const std::string&) { return Row(false); }},
};

Row maybe_seconds(const std::optional<engine::TimeNs>& ns) {
  return ns ? Row(seconds(*ns)) : Row(nullptr);
}

}  // namespace

Row sweep_row(const properties::RunReport& report, const scenarios::SweepSpec& spec,
              const scenarios::SweepCell& cell, std::uint64_t cell_index, std::uint64_t seed,
              std::uint64_t run_index) {
  Row row = row_head(spec, cell, cell_index, seed, run_index);
  for (const JobColumn& c : kJobColumns) {
    row[c.name] = report.job_started ? c.value(report.resolved) : Row(nullptr);
  }
  for (const OutcomeColumn& c : kOutcomeColumns) row[c.name] = c.value(report);
  const engine::JobMetrics& m = report.metrics;
  const properties::ConvergenceOutcome& conv = report.convergence;
  row["time_to_ready_s"] = maybe_seconds(conv.time_to_ready_ns);
  row["time_to_end_s"] = m.time_to_end_ns >= 0 ? Row(seconds(m.time_to_end_ns)) : Row(nullptr);
  row["time_to_completion_s"] = maybe_seconds(conv.time_to_completion_ns);
  row["virtual_time_s"] = seconds(report.sim.end_time_ns);
  row["read_bytes"] = m.bytes_read;
  row["written_bytes"] = m.bytes_written;
  row["zeroed_bytes"] = m.bytes_zeroed;
  row["discarded_bytes"] = m.bytes_discarded;
  row["cow_extra_bytes"] = m.cow_extra_bytes;
  row["copy_ops"] = m.copy_ops;
  row["iterations"] = m.iterations;
  row["bitmap_passes"] = m.bitmap_passes;
  row["errors"] = m.errors;
  row["peak_buffer_bytes"] = m.peak_buffer_bytes;
  row["peak_in_flight"] = m.peak_in_flight;
  row["downtime_ms"] = static_cast<double>(m.downtime_ns) / 1e6;
  row["guest_requests"] = report.guest_requests;
  row["guest_errors"] = report.guest_errors;
  row["guest_write_p50_us"] = static_cast<double>(report.guest_write_p50_ns) / 1e3;
  row["guest_write_p99_us"] = static_cast<double>(report.guest_write_p99_ns) / 1e3;
  row["events"] = report.sim.events;
  const properties::RunMetrics& rm = report.run_metrics;
  const auto maybe = [](const std::optional<double>& v) { return v ? Row(*v) : Row(nullptr); };
  const auto us = [](engine::TimeNs ns) { return static_cast<double>(ns) / 1e3; };
  row["guest_iops"] = maybe(rm.guest_iops);
  row["guest_bytes_per_s"] = maybe(rm.guest_bytes_per_s);
  const std::pair<const char*, const std::optional<properties::LatencyPercentiles>*> latencies[] = {
      {"during", &rm.guest_write_latency_during_job},
      {"before", &rm.guest_write_latency_before_job}};
  for (const auto& [when, l] : latencies) {
    const std::string prefix = fmt::format("guest_write_{}_", when);
    row[prefix + "p50_us"] = *l ? Row(us((*l)->p50_ns)) : Row(nullptr);
    row[prefix + "p99_us"] = *l ? Row(us((*l)->p99_ns)) : Row(nullptr);
    row[prefix + "p999_us"] = *l ? Row(us((*l)->p999_ns)) : Row(nullptr);
  }
  row["needed_copy_bytes"] = rm.needed_copy_bytes;
  row["write_amplification"] = maybe(rm.write_amplification);
  row["pivot_drain_us"] = rm.pivot_drain_ns ? Row(us(*rm.pivot_drain_ns)) : Row(nullptr);
  row["target_writes_per_s"] = maybe(rm.target_writes_per_s);
  row["dirty_bytes_at_end"] = rm.dirty_bytes_at_end;
  row["guest_requested_iops"] = maybe(rm.guest_requested_iops);
  row["guest_cap_hits"] = rm.guest_cap_hits;
  row["guest_cap_delay_us"] = us(rm.guest_cap_delay_ns);
  row["convergence_rate_bytes_per_s"] = maybe(conv.rate_over_life);
  row["convergence_rate_last_window_bytes_per_s"] = maybe(conv.rate_over_last_window);
  row["hash"] = fmt::format("{:016x}", report.sim.log_hash);
  return row;
}

Row sweep_crash_row(const scenarios::SweepSpec& spec, const scenarios::SweepCell& cell,
                    std::uint64_t cell_index, std::uint64_t seed, std::uint64_t run_index,
                    const std::string& how) {
  Row row = row_head(spec, cell, cell_index, seed, run_index);
  for (const JobColumn& c : kJobColumns) row[c.name] = nullptr;
  for (const OutcomeColumn& c : kOutcomeColumns) row[c.name] = c.crashed(how);
  for (const std::string& metric : scenarios::sweep_metric_names()) {
    if (!row.contains(metric)) row[metric] = nullptr;
  }
  row["hash"] = nullptr;
  return row;
}

std::string results_csv(const std::vector<Row>& rows) {
  if (rows.empty()) return "";
  std::string out;
  for (auto it = rows.front().begin(); it != rows.front().end(); ++it) {
    out += (it == rows.front().begin() ? "" : ",") + csv_field(it.key());
  }
  out += "\n";
  for (const Row& row : rows) {
    bool first = true;
    for (const auto& [key, value] : rows.front().items()) {
      out += (first ? "" : ",") + csv_field(row.contains(key) ? row[key] : Row(nullptr));
      first = false;
    }
    out += "\n";
  }
  return out;
}

std::string results_jsonl(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& row : rows) out += row.dump() + "\n";
  return out;
}

std::vector<Row> sweep_summary(const scenarios::SweepSpec& spec,
                               const std::vector<scenarios::SweepCell>& cells,
                               const std::vector<Row>& rows) {
  std::map<std::uint64_t, std::vector<const Row*>> by_cell;
  for (const Row& row : rows) by_cell[row["cell"].get<std::uint64_t>()].push_back(&row);
  std::vector<Row> out;
  for (std::uint64_t c = 0; c < cells.size(); ++c) {
    const std::vector<const Row*>& runs = by_cell[c];
    Row s;
    s["cell"] = c;
    for (std::size_t i = 0; i < spec.axes.size(); ++i) {
      s[spec.axes[i].key] = axis_value(spec.axes[i], cells[c].overrides[i].value);
    }
    s["runs"] = runs.size();
    std::size_t converged = 0;
    for (const Row* r : runs) converged += (*r)["converged"].get<bool>() ? 1 : 0;
    s["converged_share"] =
        runs.empty() ? Row(nullptr)
                     : Row(static_cast<double>(converged) / static_cast<double>(runs.size()));
    for (const std::string& metric : scenarios::sweep_metric_names()) {
      std::vector<double> values;
      for (const Row* r : runs) {
        double v = 0;
        if (metric_value(*r, metric, v)) values.push_back(v);
      }
      if (values.empty()) {
        s[metric + "_mean"] = s[metric + "_sd"] = s[metric + "_ci95"] = nullptr;
        continue;
      }
      const Stats st = stats_of(values);
      s[metric + "_mean"] = st.mean;
      s[metric + "_sd"] = st.sd;
      s[metric + "_ci95"] = st.ci95;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mirrorsim::reports
