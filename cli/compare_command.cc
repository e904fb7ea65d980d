#include "cli/compare_command.h"

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "properties/atomic_file.h"
#include "reports/sweep_compare.h"

namespace mirrorsim::cli {
namespace {

// What a researcher looks at first: did it converge, how long, how much
// was copied, and what it cost the guest.
const std::vector<std::string> kDefaultMetrics = {"time_to_ready_s", "written_bytes",
                                                  "guest_write_p99_us"};

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareCommandOptions& o) {
  CLI::App* c = app.add_subcommand(
      "compare",
      "compare two sweeps of the same grid cell by cell (two builds or profiles): cells whose "
      "outcome changed first, then the metrics that moved most");
  c->add_option("a", o.a, "sweep A: an output folder, results.jsonl or results.csv")->required();
  c->add_option("b", o.b, "sweep B: as A")->required();
  c->add_option("--metric", o.metrics,
                "a metric to compare (repeatable; default time_to_ready_s, written_bytes, "
                "guest_write_p99_us)");
  c->add_option("--top", o.top, "cells listed per metric (default 10)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  c->add_option("--csv", o.csv, "also write one row per cell to this CSV file");
  c->add_flag("--fail-on-change", o.fail_on_change,
              "exit 1 when any cell's outcome changed (for CI between two builds)");
  return c;
}

int compare_command(const CompareCommandOptions& o) {
  reports::SweepComparison comparison;
  try {
    const std::vector<reports::Row> a = reports::read_sweep_rows(o.a);
    const std::vector<reports::Row> b = reports::read_sweep_rows(o.b);
    comparison = reports::compare_sweeps(a, b, o.metrics.empty() ? kDefaultMetrics : o.metrics);
  } catch (const reports::CompareInputError& e) {
    fmt::print(stderr, "mirrorsim compare: {}\n", e.what());
    return kExitBadInput;
  }
  fmt::print("{}", reports::comparison_text(comparison, o.a, o.b, o.top));
  if (!o.csv.empty()) {
    try {
      properties::write_file_atomically(o.csv,
                                        reports::results_csv(reports::comparison_rows(comparison)));
    } catch (const std::exception& e) {
      fmt::print(stderr, "mirrorsim compare: cannot write {}: {}\n", o.csv, e.what());
      return kExitInternal;
    }
    fmt::print("\nwrote {}\n", o.csv);
  }
  bool changed = false;
  for (const reports::CellComparison& cell : comparison.cells) changed |= cell.outcome_changed();
  return o.fail_on_change && changed ? kExitCorrectness : kExitPassed;
}

}  // namespace mirrorsim::cli
