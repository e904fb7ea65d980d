// mirrorsim: the command line. Thin: parses flags and calls the libraries.
// Exit codes: see exit_codes.h.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "cli/check_command.h"
#include "cli/compare_command.h"
#include "cli/exit_codes.h"
#include "cli/export_command.h"
#include "cli/list_command.h"
#include "cli/qemu_command.h"
#include "cli/qemu_diff_command.h"
#include "cli/run_command.h"
#include "cli/sweep_command.h"

int main(int argc, char** argv) {
  using namespace mirrorsim::cli;
  // Line-buffered even into a pipe or file, so that a killed campaign's log
  // ends with the last line it printed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::vector<std::string> command_line(argv, argv + argc);
  CLI::App app{"mirrorsim: deterministic simulation and property tests for block mirror jobs"};
  app.set_version_flag("--version", std::string("mirrorsim ") + MIRRORSIM_VERSION);
  app.require_subcommand(1);
  app.footer(kExitCodeHelp);

  RunCommandOptions run_options;
  CLI::App* run = add_run_command(app, run_options);
  CheckCommandOptions check_options;
  CLI::App* check = add_check_command(app, check_options);
  check_options.command_line = command_line;
  MergeCommandOptions merge_options;
  CLI::App* merge = add_merge_command(app, merge_options);
  merge_options.command_line = command_line;
  MutantsCommandOptions mutants_options;
  CLI::App* mutants = add_mutants_command(app, mutants_options);
  SweepCommandOptions sweep_options;
  CLI::App* sweep = add_sweep_command(app, sweep_options);
  CompareCommandOptions compare_options;
  CLI::App* compare = add_compare_command(app, compare_options);
  QemuCommandOptions qemu_options;
  CLI::App* qemu = add_qemu_command(app, qemu_options);
  QemuDiffOptions qemu_diff_options;
  CLI::App* qemu_diff = add_qemu_diff_command(app, qemu_diff_options);
  ExportOptions export_options;
  CLI::App* export_app = add_export_command(app, export_options);
  ListCommandOptions list_options;
  CLI::App* list = add_list_command(app, list_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitPassed : kExitBadInput;
  }

  try {
    if (*run) return run_command(run_options);
    if (*check) return check_command(check_options);
    if (*merge) return merge_command(merge_options);
    if (*mutants) return mutants_command(mutants_options);
    if (*sweep) return sweep_command(sweep_options);
    if (*compare) return compare_command(compare_options);
    if (*list) return list_command(list_options);
    if (*qemu) return qemu_command(qemu_options);
    if (*qemu_diff) return qemu_diff_command(qemu_diff_options);
    if (*export_app) return export_command(export_options);
  } catch (const std::exception& e) {
    fmt::print(stderr, "mirrorsim: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitPassed;
}
