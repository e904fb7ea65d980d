// `mirrorsim export qemu CASE.toml [-o DIR] [--seed N] [--run] [--undo]`:
// writes DIR/replay.py, a self-contained Python 3 script that replays the
// case on real QEMU, imposing the simulated interleaving with blkdebug
// holds where it can (reports/qemu_export.h); --run runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct ExportOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string out = "qemu-export";
  bool run = false;
  bool undo = false;
};

CLI::App* add_export_command(CLI::App& app, ExportOptions& options);
int export_command(const ExportOptions& options);

}  // namespace mirrorsim::cli
