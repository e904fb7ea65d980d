#include "cli/sweep_command.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "cli/campaign_output.h"
#include "cli/exit_codes.h"
#include "cli/input_errors.h"
#include "properties/atomic_file.h"
#include "properties/case_protocol.h"
#include "properties/interrupt.h"
#include "properties/scenario_build.h"
#include "properties/worker_pool.h"
#include "properties/world.h"
#include "reports/sweep_plots.h"
#include "reports/sweep_results.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/sweep_spec.h"
#include "sim/guest/trace.h"

namespace mirrorsim::cli {
namespace {

namespace fs = std::filesystem;
using reports::Row;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path run_file(const fs::path& out, std::uint64_t index) {
  return out / "runs" / fmt::format("{:06}.json", index);
}

// What makes two sweeps the same: the spec and the base scenario, as text.
std::string identity(const scenarios::SweepSpec& spec) {
  return nlohmann::json{{"spec", read_text(spec.file)}, {"base", read_text(spec.base)}}.dump(1) +
         "\n";
}

struct Sweep {
  scenarios::SweepSpec spec;
  std::vector<scenarios::SweepCell> cells;
  fs::path out;

  std::uint64_t runs() const { return cells.size() * spec.seeds.size(); }
  std::uint64_t cell_of(std::uint64_t run) const { return run / spec.seeds.size(); }
  std::uint64_t seed_of(std::uint64_t run) const { return spec.seeds[run % spec.seeds.size()]; }

  scenarios::Scenario scenario_of(std::uint64_t cell, bool check_trace_rows) const {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    load.check_trace_rows = check_trace_rows;
    load.overrides = cells[cell].overrides;
    load.note = [](const std::string&) {};  // the first load printed them
    return scenarios::load_scenario(spec.base, load);
  }

  // In a worker process: one run, its row kept on disk before it is reported.
  properties::CaseOutcome run(std::uint64_t index) const {
    const std::uint64_t cell = cell_of(index);
    const scenarios::Scenario scenario = scenario_of(cell, false);
    properties::RunOptions options;
    options.seed = seed_of(index);
    const properties::RunReport report = properties::run_scenario(scenario, options);
    const Row row = reports::sweep_row(report, spec, cells[cell], cell, seed_of(index), index);
    properties::write_file_atomically(run_file(out, index), row.dump() + "\n");
    return properties::outcome_of(report, index);
  }

  void keep_crash(std::uint64_t index, const std::string& how) const {
    const std::uint64_t cell = cell_of(index);
    const Row row = reports::sweep_crash_row(spec, cells[cell], cell, seed_of(index), index, how);
    properties::write_file_atomically(run_file(out, index), row.dump() + "\n");
  }
};

// Runs what is not on disk yet; false when interrupted.
bool run_missing(const Sweep& sweep, int jobs, std::uint64_t& ran, std::uint64_t& crashed) {
  std::deque<std::uint64_t> todo;
  for (std::uint64_t i = 0; i < sweep.runs(); ++i) {
    if (!fs::exists(run_file(sweep.out, i))) todo.push_back(i);
  }
  if (todo.empty()) return true;
  properties::WorkerPool pool(jobs, [&sweep](std::uint64_t index) { return sweep.run(index); });
  while (!todo.empty() || pool.in_flight() > 0) {
    if (properties::interrupted()) {
      pool.stop_all();
      return false;
    }
    while (pool.has_room() && !todo.empty()) {
      pool.assign(todo.front());
      todo.pop_front();
    }
    properties::WorkerPool::News news = pool.wait(200);
    ran += news.outcomes.size();
    for (const properties::WorkerDeath& death : news.deaths) {
      if (death.running && !properties::interrupted()) {
        sweep.keep_crash(*death.running, "worker " + death.how);
        ++ran;
        ++crashed;
      }
      for (std::uint64_t i : death.unstarted) todo.push_front(i);
    }
  }
  return true;
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepCommandOptions& o) {
  CLI::App* s = app.add_subcommand(
      "sweep", "run a grid of scenarios over keys and seeds; write CSV tables and plots");
  s->add_option("spec", o.spec, "sweep file (TOML): base, seeds, [[axes]], [[plots]]")->required();
  s->add_option("--out", o.out, "output folder (default sweep-<spec name>); reused to resume");
  s->add_option("--jobs", o.jobs, "worker processes (default: one per core)");
  return s;
}

int sweep_command(const SweepCommandOptions& o) {
  const auto jobs = parse_jobs("mirrorsim sweep: --jobs", o.jobs);
  if (!jobs) return kExitBadInput;
  Sweep sweep;
  const bool read = read_user_input("sweep", o.spec, [&] {
    sweep.spec = scenarios::load_sweep_spec(o.spec);
    sweep.cells = scenarios::sweep_cells(sweep.spec);
    // Every cell must load before anything runs: a bad value is bad input, not a crash.
    for (std::uint64_t c = 0; c < sweep.cells.size(); ++c) sweep.scenario_of(c, c == 0);
  });
  if (!read) return kExitBadInput;
  sweep.out =
      o.out.empty() ? fs::path("sweep-" + fs::path(o.spec).stem().string()) : fs::path(o.out);
  const fs::path identity_file = sweep.out / "sweep.json";
  const std::string me = identity(sweep.spec);
  try {
    properties::probe_writable_directory(sweep.out / "runs");
    if (fs::exists(identity_file) && read_text(identity_file) != me) {
      fmt::print(
          stderr,
          "mirrorsim sweep: {}: holds the results of another sweep (its sweep.json differs); "
          "allowed: a new --out, or the same spec and base to resume\n",
          sweep.out.string());
      return kExitBadInput;
    }
    properties::write_file_atomically(identity_file, me);
  } catch (const properties::FileWriteError& e) {
    fmt::print(stderr, "mirrorsim sweep: {}\n", e.what());
    return kExitInternal;
  }

  properties::install_interrupt_handlers();
  std::uint64_t ran = 0;
  std::uint64_t crashed = 0;
  const std::uint64_t before = sweep.runs();
  bool whole = false;
  try {
    whole = run_missing(sweep, *jobs, ran, crashed);
    std::vector<Row> rows;
    for (std::uint64_t i = 0; i < sweep.runs(); ++i) {
      if (fs::exists(run_file(sweep.out, i))) {
        rows.push_back(Row::parse(read_text(run_file(sweep.out, i))));
      }
    }
    properties::write_file_atomically(sweep.out / "results.csv", reports::results_csv(rows));
    properties::write_file_atomically(sweep.out / "results.jsonl", reports::results_jsonl(rows));
    const std::vector<Row> summary = reports::sweep_summary(sweep.spec, sweep.cells, rows);
    properties::write_file_atomically(sweep.out / "summary.csv", reports::results_csv(summary));
    std::uint64_t failed = 0;
    for (const Row& r : rows) failed += r["failure_kind"].is_null() ? 0 : 1;
    fmt::print(
        "sweep {}: {} cells x {} seeds = {} runs; {} ran now, {} kept from before, {} "
        "missing\n",
        sweep.spec.file.string(), sweep.cells.size(), sweep.spec.seeds.size(), before, ran,
        rows.size() - ran, before - rows.size());
    if (failed > 0) {
      fmt::print(
          "  {} runs violated a property or crashed ({} crashed): see failure_kind in "
          "results.csv; replay one with mirrorsim run BASE --seed N --set KEY=VALUE...\n",
          failed, crashed);
    }
    fmt::print("  {}/results.csv, summary.csv", sweep.out.string());
    const std::vector<std::string> problems =
        whole ? reports::draw_sweep_plots(sweep.spec, rows, sweep.out / "plots")
              : std::vector<std::string>{};
    if (!sweep.spec.plots.empty() && whole)
      fmt::print(", plots/ ({} plots)", sweep.spec.plots.size());
    fmt::print("\n");
    for (const std::string& p : problems) fmt::print(stderr, "mirrorsim sweep: plot {}\n", p);
    if (!whole) {
      fmt::print(stderr, "mirrorsim sweep: interrupted; run the same command again to resume\n");
      return kExitInterrupted;
    }
    return problems.empty() ? kExitPassed : kExitInternal;
  } catch (const properties::FileWriteError& e) {
    fmt::print(stderr, "mirrorsim sweep: {}\n", e.what());
    return kExitInternal;
  } catch (const nlohmann::json::exception& e) {
    fmt::print(stderr,
               "mirrorsim sweep: {}/runs: a run file does not read back ({}); remove it "
               "to run it again\n",
               sweep.out.string(), e.what());
    return kExitInternal;
  }
}

}  // namespace mirrorsim::cli
