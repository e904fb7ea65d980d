// Two sweeps of the same grid, compared cell by cell: typically the same
// sweep file run by two engine builds, or with two profiles (`--set
// mirror.profile=...` in the base, or an axis). Cells whose outcome changed
// come first, then the cells whose metrics moved most.
//
// A cell is identified by its inputs: a row's columns that name a scenario
// key ("mirror.granularity_bytes": a section, a dot, a key), except the
// job's effective parameters ("job.*"). Runs pair by cell and seed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/sweep_results.h"

namespace mirrorsim::reports {

// A file that is not a sweep's results: the one-line message names the file
// and, where there is one, the line.
class CompareInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A sweep's rows from a sweep output folder (its results.jsonl), a
// results.jsonl, or a results.csv. Throws CompareInputError.
std::vector<Row> read_sweep_rows(const std::filesystem::path& path);

// One side's runs of one cell.
struct CellSide {
  std::size_t runs = 0;
  // Runs by outcome class: the failure kind of a failed run ("correctness",
  // "liveness", "crash", ...), else "converged" or "not converged".
  std::map<std::string, std::size_t> classes;
  std::map<std::string, Stats> metrics;  // over the runs where the metric applies
};

struct CellComparison {
  Row inputs;  // axis key -> value
  std::optional<CellSide> a;
  std::optional<CellSide> b;
  std::size_t paired_runs = 0;  // same cell and seed on both sides
  std::size_t same_hashes = 0;  // of those, with the same event-log hash
  bool outcome_changed() const;
  // (B - A) / |A| of a metric's means; null when either side lacks it or A is 0.
  std::optional<double> relative_change(const std::string& metric) const;
};

struct SweepComparison {
  std::vector<std::string> axes;
  std::vector<std::string> metrics;
  // Outcome changed first, then by the largest relative change of the
  // first metric, then in input order.
  std::vector<CellComparison> cells;
  std::size_t rows_a = 0;
  std::size_t rows_b = 0;
};

// Throws CompareInputError when the two sides vary different keys, or a
// metric is in neither.
SweepComparison compare_sweeps(const std::vector<Row>& a, const std::vector<Row>& b,
                               const std::vector<std::string>& metrics);

// The cell's outcome, e.g. "3 converged" or "2 converged, 1 liveness".
std::string outcome_text(const CellSide& side);

// The report a person reads: counts, the cells whose outcome changed, then
// per metric the `top` cells that moved most. Labels name the two sides.
std::string comparison_text(const SweepComparison& c, const std::string& label_a,
                            const std::string& label_b, std::size_t top);

// One row per cell, in the comparison's order, for a CSV.
std::vector<Row> comparison_rows(const SweepComparison& c);

}  // namespace mirrorsim::reports
