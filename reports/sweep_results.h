// A sweep's tables: one row per run (results.csv, results.jsonl) and one per
// cell (summary.csv: mean, standard deviation and a 95% confidence interval
// over the cell's seeds for every metric, and the share that converged).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "properties/run_report.h"
#include "scenarios/sweep_spec.h"

namespace mirrorsim::reports {

using Row = nlohmann::ordered_json;

// One run's row: run, cell, seed, each axis's value (a number for sizes and
// times), the job's effective parameters, outcome, failure_kind and every
// metric of scenarios::sweep_metric_names() (null when it does not apply,
// e.g. time_to_ready_s of a job that never got there).
Row sweep_row(const properties::RunReport& report, const scenarios::SweepSpec& spec,
              const scenarios::SweepCell& cell, std::uint64_t cell_index, std::uint64_t seed,
              std::uint64_t run_index);
// The row of a run whose worker died: outcome "crash: <how>", metrics null.
Row sweep_crash_row(const scenarios::SweepSpec& spec, const scenarios::SweepCell& cell,
                    std::uint64_t cell_index, std::uint64_t seed, std::uint64_t run_index,
                    const std::string& how);

// results.csv: a header from the first row's keys, then the rows.
std::string results_csv(const std::vector<Row>& rows);
std::string results_jsonl(const std::vector<Row>& rows);

// Per cell, in cell order: the axis values, runs, converged_share, then
// <metric>_mean, <metric>_sd, <metric>_ci95 (the half-width of the 95%
// interval of the mean, Student's t) over the runs where the metric applies.
std::vector<Row> sweep_summary(const scenarios::SweepSpec& spec,
                               const std::vector<scenarios::SweepCell>& cells,
                               const std::vector<Row>& rows);

// Mean, sample standard deviation and the half-width of the 95% interval
// of the mean (Student's t) of some values.
struct Stats {
  std::size_t n = 0;
  double mean = 0;
  double sd = 0;
  double ci95 = 0;
};
Stats stats_of(const std::vector<double>& values);

// A metric's value in a row as a number (a boolean as 0 or 1); false when
// the row has none (null).
bool metric_value(const Row& row, const std::string& metric, double& out);

// The value as a number when the key's unit parser reads it ("64KiB" ->
// 65536 under a key ending in _bytes, "1ms" -> 1000 under _us), else the text.
nlohmann::json axis_value(const scenarios::SweepAxis& axis, const std::string& value);

// The axis value as a table or plot shows it: "64 KiB", "100 us", "full".
std::string axis_label(const scenarios::SweepAxis& axis, const std::string& value);

}  // namespace mirrorsim::reports
