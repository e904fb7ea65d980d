// `mirrorsim compare A B [--metric M]... [--top N] [--csv FILE] [--fail-on-change]`:
// two sweeps of the same grid (reports/sweep_compare.h), for instance one
// sweep file run by two engine builds or two profiles. A and B are sweep
// output folders, results.jsonl or results.csv files.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct CompareCommandOptions {
  std::string a;
  std::string b;
  std::vector<std::string> metrics;  // empty: a default set
  std::size_t top = 10;
  std::string csv;  // "": no CSV
  bool fail_on_change = false;
};

CLI::App* add_compare_command(CLI::App& app, CompareCommandOptions& options);
int compare_command(const CompareCommandOptions& options);

}  // namespace mirrorsim::cli
