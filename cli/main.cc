// mirrorsim: the command line. Thin: parses flags and calls the libraries.
//
// Exit codes: 0 all properties held, 1 a property was violated, 2 bad input
// (flags, scenario files, traces), 3 an internal error of mirrorsim itself.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 3;

int not_built_yet(const std::string& command, const char* issue) {
  fmt::print(stderr, "mirrorsim {}: not built yet (tracked by issue {})\n", command, issue);
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mirrorsim: deterministic simulation and property tests for block mirror jobs"};
  app.set_version_flag("--version", std::string("mirrorsim ") + MIRRORSIM_VERSION);
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "run one scenario file and check its properties");
  auto* check = app.add_subcommand("check", "run the property campaign (the main job)");
  auto* mutants = app.add_subcommand("mutants", "run the campaign against each known engine bug");
  auto* list = app.add_subcommand("list", "list built-in scenarios, bugs or workloads");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadInput;
  }

  try {
    if (*run) return not_built_yet("run", "#5");
    if (*check) return not_built_yet("check", "#6");
    if (*mutants) return not_built_yet("mutants", "#6");
    if (*list) return not_built_yet("list", "#5");
  } catch (const std::exception& e) {
    fmt::print(stderr, "mirrorsim: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return 0;
}
