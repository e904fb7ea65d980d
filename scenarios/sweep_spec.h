// A sweep file: one base scenario, axes over any of its keys, seeds per
// cell, and the plots to draw (`mirrorsim sweep SPEC.toml`).
//
//   base = "base.toml"                 # a scenario file, relative to this one
//   seeds = 3                          # seeds 1..3 per cell, or a list [1, 7, 9]
//   [[axes]]
//   key = "mirror.granularity_bytes"   # any key `run --set` takes
//   values = ["4KiB", "64KiB", "1MiB"] # TOML values or bare strings, in order
//   [[axes]]
//   key = "mirror.buf_size_bytes"
//   range = "1MiB..64MiB x4"           # multiplicative ("x4") or additive ("+100") steps,
//                                      # both ends included; sizes for *_bytes, times for *_us
//   [[axes]]
//   key = "mirror.copy_mode"
//   values = ["background", "write-blocking"]
//   zip = "mirror.granularity_bytes"   # moves with that axis instead of crossing it
//   [[plots]]
//   kind = "heatmap"                   # an outcome over two axes
//   x = "mirror.granularity_bytes"
//   y = "mirror.buf_size_bytes"
//   metric = "time_to_ready_s"
//   [[plots]]
//   kind = "lines"                     # a metric against one axis, a line per value of another
//   x = "mirror.granularity_bytes"
//   series = "mirror.copy_mode"
//   metric = "written_bytes"
//   model = "1073741824 * (1 - (1 - x / 1073741824)**1000)"  # optional, lines only: a
//                                      # gnuplot expression in x drawn as a dashed line
//                                      # beside the measurement; x is the axis value as
//                                      # results.csv writes it (bytes, us, the number),
//                                      # or 0, 1, ... for an axis of words; a list of
//                                      # expressions draws one line each (the i-th in the
//                                      # colour of the i-th series when there are as many)
//   model_title = "E[distinct chunks] x g"  # optional: the legend, a string or a list
//                                      # as long as model's (default "model")
//   log_x = true                       # optional, lines only: a log x axis (default: for
//                                      # "x" ranges and numbers spanning 100x or more)
//   log_y = true                       # optional, lines only: a log y axis (default false)
//   where = { "mirror.copy_mode" = "background" }  # optional: only the runs with these
//                                      # values of other axes (else they are pooled)
//
// The cells are the cross product of the axis groups (an axis and those
// zipped with it form one group, of equal lengths), the first axis varying
// slowest. Any problem is a ScenarioError naming the file, line and key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/scenario_check.h"

namespace mirrorsim::scenarios {

struct SweepAxis {
  std::string key;                  // the scenario key path, as --set takes it
  std::vector<std::string> values;  // each as --set's value text
  std::string zip;                  // "" or the key of an earlier axis it moves with
  bool multiplicative = false;      // a range with "x" steps: plotted on a log scale
};

struct SweepPlot {
  enum class Kind { kHeatmap, kLines };
  Kind kind = Kind::kLines;
  std::string x;
  std::string y;  // heatmap: the second axis; lines: the axis that names each line ("" = one line)
  std::string metric;
  std::vector<std::string> models;        // gnuplot expressions in x, each a dashed line
  std::vector<std::string> model_titles;  // one per model
  std::optional<bool> log_x;              // unset: chosen from the axis
  bool log_y = false;
  // Only runs with these values: (axis index, value index) pairs.
  std::vector<std::pair<std::size_t, std::size_t>> where;
};

struct SweepSpec {
  std::filesystem::path file;  // the sweep file
  std::filesystem::path base;  // the base scenario, absolute
  std::vector<std::uint64_t> seeds;
  std::vector<SweepAxis> axes;
  std::vector<SweepPlot> plots;
};

// At most this many runs (cells x seeds): a typo in a range, not a study.
inline constexpr std::uint64_t kMaxSweepRuns = 1'000'000;

// Reads and checks a sweep file (not the base scenario: see sweep_cells).
SweepSpec load_sweep_spec(const std::filesystem::path& file);

// One cell: a value index per axis, and the overrides that make it.
struct SweepCell {
  std::vector<std::size_t> value_index;  // per axis
  std::vector<KeyOverride> overrides;    // per axis, in axis order
};
std::vector<SweepCell> sweep_cells(const SweepSpec& spec);

// The metrics a plot may name (the numeric columns of results.csv).
const std::vector<std::string>& sweep_metric_names();

}  // namespace mirrorsim::scenarios
