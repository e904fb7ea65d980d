// `mirrorsim qemu-diff CASE.toml [--seed N] [--out DIR] [--profile P]`:
// runs the case in the simulator and on real QEMU (the qemu-replay script
// with QEMU's mirror trace on) and prints both side by side
// (reports/qemu_diff.h). Exit 0 when they agree, 1 on a difference, 2 bad
// input, 3 cannot run (QEMU missing), 4 cannot judge (guest requests during
// the job: the op order is compared only up to the first, or QEMU refused
// or timed out).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace mirrorsim::cli {

struct QemuDiffOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string out = "qemu-diff";
  std::string profile = "qemu-7.2";  // the QEMU Debian 12 installs
};

CLI::App* add_qemu_diff_command(CLI::App& app, QemuDiffOptions& options);
int qemu_diff_command(const QemuDiffOptions& options);

}  // namespace mirrorsim::cli
