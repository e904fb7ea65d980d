// `mirrorsim qemu-replay CASE.toml [--seed N] [--out DIR] [--run]`: writes a
// script that replays the case on real QEMU (reports/qemu_replay.h) and,
// with --run, runs it and names what each side holds where they differ.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct QemuCommandOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string out = "qemu-replay";
  bool run = false;
};

CLI::App* add_qemu_command(CLI::App& app, QemuCommandOptions& options);
int qemu_command(const QemuCommandOptions& options);

}  // namespace mirrorsim::cli
