// A sweep's plots, drawn by gnuplot from the run rows: per [[plots]] entry a
// data file, a gnuplot script and the PNG and SVG it draws, in `dir`:
//  - heatmap: the metric's mean over the runs of each (x, y) pair (seeds and
//    any other axes pooled), with the value printed in each square;
//  - lines: the metric's mean against x, one line per value of `series`,
//    with error bars of the 95% interval; a log x axis for "x" ranges; each
//    `model` expression as a dashed line beside the measurement.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reports/sweep_results.h"
#include "scenarios/sweep_spec.h"

namespace mirrorsim::reports {

// The files one plot is written to, without extension: "3-written_bytes-by-x".
std::string plot_name(const scenarios::SweepSpec& spec, std::size_t plot_index);

// Writes each plot's .dat and .gp and runs `gnuplot` on it. Returns one line
// per plot that could not be drawn (gnuplot missing or failing); empty when
// all were drawn. Throws properties::FileWriteError when a file cannot be written.
std::vector<std::string> draw_sweep_plots(const scenarios::SweepSpec& spec,
                                          const std::vector<Row>& rows,
                                          const std::filesystem::path& dir);

}  // namespace mirrorsim::reports
