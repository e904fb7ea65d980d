#include "cli/export_command.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "cli/input_errors.h"
#include "cli/qemu_command.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_export.h"
#include "scenarios/scenario_loader.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim::cli {
namespace {

namespace fs = std::filesystem;

// The simulated run's copy ops in start order, each with its end (ops of
// the same range end in the order they started: an op's end record names
// its range, not the op).
std::vector<reports::SimCopyOp> copy_ops(const properties::RunReport& report) {
  std::vector<reports::SimCopyOp> ops;
  for (const sim::LogRecord& r : report.log) {
    if (static_cast<engine::OpKind>(r.subject) != engine::OpKind::kCopy) continue;
    if (r.kind == sim::EventKind::kMirrorOpStart) {
      ops.push_back({r.a, r.b, r.time, report.sim.end_time_ns});
    } else if (r.kind == sim::EventKind::kMirrorOpEnd) {
      for (reports::SimCopyOp& op : ops) {
        if (op.offset == r.a && op.length == r.b && op.end == report.sim.end_time_ns) {
          op.end = r.time;
          break;
        }
      }
    }
  }
  return ops;
}

}  // namespace

CLI::App* add_export_command(CLI::App& app, ExportOptions& o) {
  CLI::App* e = app.add_subcommand("export", "write a case for another tool (export qemu)");
  CLI::App* q = e->add_subcommand(
      "qemu",
      "a Python 3 script that replays the case on real QEMU, holding copy ops with "
      "blkdebug where the simulated interleaving matters (exit of --run: 0 agrees, 1 "
      "differs, 4 cannot judge, 6 QEMU crashed)");
  q->add_option("file", o.file, "scenario file (TOML), e.g. a shrunk failure")->required();
  q->add_option("-o,--out", o.out, "folder for replay.py and the images (default: qemu-export)");
  q->add_option("--seed", o.seed, "run seed (overrides the file's)");
  q->add_flag("--run", o.run, "run the script and print its verdict");
  q->add_flag("--undo", o.undo, "with --run: release the holds before the guest request (control)");
  e->require_subcommand(1);
  return e;
}

int export_command(const ExportOptions& o) {
  reports::QemuExport exported;
  reports::QemuReplay naming;  // for naming the bytes of a difference
  const bool read = read_user_input("export qemu", o.file, [&] {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenarios::Scenario scenario = scenarios::load_scenario(o.file, load);
    if (o.seed) scenario.seed = *o.seed;
    properties::RunOptions options;
    options.retain_log = true;
    const properties::RunReport report = properties::run_scenario(scenario, options);
    naming.requests = guest_requests(report);
    exported =
        reports::qemu_export(scenario, timeline_of(report), naming.requests, copy_ops(report));
  });
  if (!read) return kExitBadInput;

  const fs::path dir = o.out;
  const fs::path script = dir / "replay.py";
  std::error_code error;
  fs::create_directories(dir, error);
  std::ofstream file(script, std::ios::binary | std::ios::trunc);
  file << exported.script;
  file.close();
  if (error || !file) {
    fmt::print(stderr, "mirrorsim export qemu: cannot write {}\n", script.string());
    return kExitInternal;
  }
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add, error);
  fmt::print("wrote {}: {} guest requests ({} sent to QEMU), {} note(s), {} hold(s)\n",
             script.string(), naming.requests.size(), exported.replayed_requests,
             exported.notes.size(), exported.holds.size());
  for (const reports::QemuHold& h : exported.holds) {
    fmt::print("  hold {}: copy op [{}, +{}) at blkdebug event {}\n", h.tag, h.op.offset,
               h.op.length, h.event);
  }
  fmt::print("  holds: {}\n", exported.holds_why);
  if (!o.run) {
    fmt::print("run it where QEMU is installed: python3 {}\n", script.string());
    return kExitPassed;
  }
  return run_replay_script("python3", script, naming, o.undo ? "--undo" : "");
}

}  // namespace mirrorsim::cli
