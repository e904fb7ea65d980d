// `mirrorsim qemu-replay CASE.toml [--seed N] [--out DIR] [--run]`: writes a
// script that replays the case on real QEMU (reports/qemu_replay.h) and,
// with --run, runs it and names what each side holds where they differ.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "properties/run_report.h"
#include "reports/qemu_replay.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::cli {

struct QemuCommandOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string out = "qemu-replay";
  bool run = false;
};

CLI::App* add_qemu_command(CLI::App& app, QemuCommandOptions& options);
int qemu_command(const QemuCommandOptions& options);

// Shared with `qemu-diff`: where the simulated job became READY and ended,
// and the guest's requests in the order the simulated run issued them.
reports::SimulatedTimeline timeline_of(const properties::RunReport& report);
std::vector<sim::GuestRequest> guest_requests(const properties::RunReport& report);

// Runs a replay script with `interpreter` ("sh", "python3"), echoing its
// output and naming what each side holds where they differ; the script's
// verdict as mirrorsim's exit code.
int run_replay_script(const std::string& interpreter, const std::filesystem::path& script,
                      const reports::QemuReplay& replay, const std::string& arguments = "");

}  // namespace mirrorsim::cli
