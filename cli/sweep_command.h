// `mirrorsim sweep SPEC.toml [--out DIR] [--jobs J]`: runs a grid of
// scenarios (scenarios/sweep_spec.h) in worker processes and writes, in DIR,
// results.csv and results.jsonl (a row per run), summary.csv (a row per
// cell) and plots/ (gnuplot PNG and SVG). Each run's row is kept in
// DIR/runs/<n>.json as soon as it ends, so an interrupted sweep resumes
// where it stopped when run again with the same DIR.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct SweepCommandOptions {
  std::string spec;
  std::string out;   // "": sweep-<spec file stem>
  std::string jobs;  // "": one per core
};

CLI::App* add_sweep_command(CLI::App& app, SweepCommandOptions& options);
int sweep_command(const SweepCommandOptions& options);

}  // namespace mirrorsim::cli
