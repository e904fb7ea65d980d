#include "cli/export_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "cli/input_errors.h"
#include "cli/qemu_command.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_export.h"
#include "scenarios/scenario_loader.h"
#include "sim/disks/disk_op.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim::cli {
namespace {

namespace fs = std::filesystem;

// The simulated run's copy ops in start order, each with its end (ops of
// the same range end in the order they started: an op's end record names
// its range, not the op).
std::vector<reports::SimCopyOp> copy_ops(const properties::RunReport& report) {
  std::vector<reports::SimCopyOp> ops;
  constexpr std::uint32_t kSourceDisk = properties::kSourceDiskId;
  constexpr std::uint32_t kTargetDisk = properties::kTargetDiskId;
  constexpr std::uint64_t kLengthBits = (std::uint64_t{1} << 56) - 1;
  const engine::TimeNs open = report.sim.end_time_ns;  // not reached (yet)
  // The first op, in start order, that the record belongs to.
  auto first_op = [&](auto belongs) -> reports::SimCopyOp* {
    const auto it = std::find_if(ops.begin(), ops.end(), belongs);
    return it == ops.end() ? nullptr : &*it;
  };
  for (const sim::LogRecord& r : report.log) {
    const auto disk_op = static_cast<sim::DiskOp>(r.b >> 56);
    const std::uint64_t length = r.b & kLengthBits;
    const auto same_range = [&](const reports::SimCopyOp& op) {
      return op.offset == r.a && op.length == length;
    };
    if (r.kind == sim::EventKind::kDiskDataMoved && r.subject == kSourceDisk &&
        disk_op == sim::DiskOp::kRead) {
      // A piece of a copy's read moved: the op still reading that covers it.
      if (auto* op = first_op([&](const reports::SimCopyOp& o) {
            return o.read_end == open && o.offset <= r.a && r.a + length <= o.offset + o.length;
          })) {
        op->pieces.push_back({r.a, length, r.time});
      }
    } else if (r.kind == sim::EventKind::kDiskRequestStart && r.subject == kTargetDisk &&
               disk_op == sim::DiskOp::kWrite) {
      // A copy's write: the first write of its range after its read.
      if (auto* op = first_op([&](const reports::SimCopyOp& o) {
            return same_range(o) && o.read_end != open && o.write_start == open;
          })) {
        op->write_start = r.time;
      }
    } else if (r.kind == sim::EventKind::kDiskRequestEnd && r.subject == kSourceDisk &&
               disk_op == sim::DiskOp::kRead) {
      // A copy's read: the first read of its range to end after it started.
      if (auto* op = first_op(
              [&](const reports::SimCopyOp& o) { return same_range(o) && o.read_end == open; })) {
        op->read_end = r.time;
      }
    } else if ((r.kind == sim::EventKind::kMirrorOpStart ||
                r.kind == sim::EventKind::kMirrorOpEnd) &&
               static_cast<engine::OpKind>(r.subject) == engine::OpKind::kCopy) {
      if (r.kind == sim::EventKind::kMirrorOpStart) {
        ops.push_back({r.a, r.b, r.time, open, open, open, {}});
      } else if (auto* op = first_op([&](const reports::SimCopyOp& o) {
                   return o.offset == r.a && o.length == r.b && o.end == open;
                 })) {
        op->end = r.time;
      }
    }
  }
  return ops;
}

// The source request a guest request becomes.
sim::DiskOp source_op(sim::GuestOp op) {
  switch (op) {
    case sim::GuestOp::kWriteZeroes:
      return sim::DiskOp::kWriteZeroes;
    case sim::GuestOp::kDiscard:
      return sim::DiskOp::kDiscard;
    case sim::GuestOp::kRead:
      return sim::DiskOp::kRead;
    case sim::GuestOp::kFlush:
      return sim::DiskOp::kFlush;
    case sim::GuestOp::kWrite:
      break;
  }
  return sim::DiskOp::kWrite;
}

// When each guest request's data landed on the source: its last piece
// where pieces are logged, else the end of its request to the source.
std::vector<engine::TimeNs> landing_times(const properties::RunReport& report,
                                          std::span<const sim::GuestRequest> requests) {
  constexpr std::uint32_t kSourceDisk = properties::kSourceDiskId;
  constexpr std::uint64_t kLengthBits = (std::uint64_t{1} << 56) - 1;
  std::vector<engine::TimeNs> landed;
  // Requests of the same range end in turn: each end record names one.
  std::set<std::size_t> taken;
  for (const sim::GuestRequest& q : requests) {
    engine::TimeNs piece = 0;
    engine::TimeNs end = q.time;
    for (std::size_t i = 0; i < report.log.size(); ++i) {
      const sim::LogRecord& r = report.log[i];
      if (r.time < q.time || r.subject != kSourceDisk || taken.count(i) != 0) continue;
      if (r.kind != sim::EventKind::kDiskDataMoved && r.kind != sim::EventKind::kDiskRequestEnd) {
        continue;
      }
      const auto op = static_cast<sim::DiskOp>(r.b >> 56);
      if (op == sim::DiskOp::kRead || op == sim::DiskOp::kFlush) continue;
      const std::uint64_t length = r.b & kLengthBits;
      if (r.kind == sim::EventKind::kDiskDataMoved && op == source_op(q.op) && q.offset <= r.a &&
          r.a + length <= q.offset + q.length) {
        piece = std::max(piece, r.time);
      } else if (r.kind == sim::EventKind::kDiskRequestEnd && r.a == q.offset &&
                 length == q.length && op == source_op(q.op)) {
        end = r.time;
        taken.insert(i);
        break;
      }
    }
    landed.push_back(piece != 0 ? piece : end);
  }
  return landed;
}

// What the target lost, when completion equality says so ("... at byte N
// (64 KiB long): ... the source holds guest request #M ...").
std::optional<reports::LostWrite> lost_write(const properties::RunReport& report) {
  static const std::regex kNamed(R"(the source holds guest request #(\d+))");
  static const std::regex kWhere(
      R"(at byte (\d+) \((?:at least )?([0-9.]+) (bytes|KiB|MiB|GiB|TiB) long\))");
  for (const properties::Verdict& v : report.verdicts) {
    std::smatch m;
    if (!v.violated() || v.property != properties::property::kCompletionEquality ||
        !std::regex_search(v.message, m, kNamed)) {
      continue;
    }
    reports::LostWrite lost{std::stoull(m[1]) - 1, 0, 0};
    if (std::regex_search(v.message, m, kWhere)) {
      const std::string unit = m[3];
      const double scale = unit == "bytes" ? 1.0
                           : unit == "KiB" ? 1024.0
                           : unit == "MiB" ? 1048576.0
                           : unit == "GiB" ? 1073741824.0
                                           : 1099511627776.0;
      lost.offset = std::stoull(m[1]);
      lost.length = static_cast<std::uint64_t>(std::stod(m[2]) * scale);
    }
    return lost;
  }
  return std::nullopt;
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
    require_qemu_algorithm(scenario);
    properties::RunOptions options;
    options.retain_log = true;
    const properties::RunReport report = properties::run_scenario(scenario, options);
    naming.requests = guest_requests(report);
    exported =
        reports::qemu_export(scenario, timeline_of(report), naming.requests, copy_ops(report),
                             landing_times(report, naming.requests), lost_write(report));
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
