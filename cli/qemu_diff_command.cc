#include "cli/qemu_diff_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/core.h>

#include "cli/bug_flags.h"
#include "cli/input_errors.h"
#include "cli/qemu_command.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_diff.h"
#include "reports/qemu_replay.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "sim/guest/trace.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim::cli {
namespace {

namespace fs = std::filesystem;

// qemu-diff's exit codes (the command's help says the same).
constexpr int kDiffAgrees = 0;
constexpr int kDiffDiffers = 1;
constexpr int kDiffBadInput = 2;
constexpr int kDiffCannotRun = 3;
constexpr int kDiffCannotJudge = 4;

constexpr std::string_view kTraceFile = "mirror-trace.log";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The simulator's ops as events, from its event log (structured records):
// copies start, every background op ends, the first replayed guest request
// (reads are not replayed) cuts the compared order.
std::vector<reports::OpEvent> sim_events(const properties::RunReport& report) {
  std::vector<reports::OpEvent> events;
  for (const sim::LogRecord& r : report.log) {
    if (r.kind == sim::EventKind::kGuestRequest &&
        static_cast<sim::GuestOp>(r.subject) != sim::GuestOp::kRead) {
      events.push_back({reports::OpEvent::Kind::kGuestRequest, {}});
      continue;
    }
    const auto kind = static_cast<engine::OpKind>(r.subject);
    if (kind == engine::OpKind::kActiveWrite) continue;  // QEMU does not trace them
    if (r.kind == sim::EventKind::kMirrorOpStart && kind == engine::OpKind::kCopy) {
      events.push_back({reports::OpEvent::Kind::kCopyStart, {r.a, r.b}});
    } else if (r.kind == sim::EventKind::kMirrorOpEnd) {
      events.push_back({reports::OpEvent::Kind::kOpEnd, {r.a, r.b}});
    }
  }
  return events;
}

std::string sim_outcome(const properties::RunReport& report) {
  if (!report.job_started) return "failed: " + report.start_error;
  for (const engine::JobEvent& e : report.events) {
    if (e.kind == engine::JobEventKind::kCancelled) return "cancelled";
    if (e.kind == engine::JobEventKind::kCompleted) {
      return e.error == 0 ? "completed" : "failed: " + e.message;
    }
  }
  return "did not end";
}

// The simulator's verdict on the images: the completion-equality property
// (the point-in-time copy after a soft cancel).
std::string sim_image(const properties::RunReport& report) {
  for (std::string_view name :
       {properties::property::kCompletionEquality, properties::property::kPointInTimeCopy}) {
    for (const properties::Verdict& v : report.verdicts) {
      if (v.property != name) continue;
      if (v.status == properties::VerdictStatus::kHolds) return "equal";
      if (v.violated()) return "differ";
    }
  }
  return "not compared";
}

struct ScriptRun {
  int status = -1;   // the script's exit code, -1 when it did not exit
  std::string last;  // its last line (the verdict)
};

// Runs replay.sh, echoing each line with a "qemu: " prefix.
ScriptRun run_script(const fs::path& script) {
  std::string quoted = "'";
  for (char c : script.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string command = "sh " + quoted + "' 2>&1";
  ScriptRun run;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return run;
  char buffer[4096];
  std::string line;
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    line += buffer;
    if (line.back() != '\n') continue;
    fmt::print("qemu: {}", line);
    line.pop_back();
    run.last = line;
    line.clear();
  }
  const int status = pclose(pipe.release());
  if (WIFEXITED(status)) run.status = WEXITSTATUS(status);
  return run;
}

// QEMU's side from its trace, its QMP output and the script's verdict.
reports::DiffSide qemu_side(const fs::path& dir, const ScriptRun& run,
                            std::uint64_t cluster_bytes) {
  reports::DiffSide side;
  side.ops =
      reports::account_of(reports::parse_qemu_trace(read_file(dir / kTraceFile)), cluster_bytes);
  side.outcome = run.status == reports::kReplayQemuCrashed
                     ? "crashed"
                     : reports::qemu_outcome(read_file(dir / "qmp.log"));
  switch (run.status) {
    case reports::kReplayAgrees:
      side.image = "equal";
      break;
    case reports::kReplayDiffers:
      side.image = "differ";
      break;
    default:
      side.image = "not compared";
  }
  return side;
}

}  // namespace

CLI::App* add_qemu_diff_command(CLI::App& app, QemuDiffOptions& o) {
  CLI::App* c = app.add_subcommand(
      "qemu-diff",
      "run a case in the simulator and on real QEMU and compare copy ops, ops in flight per "
      "cluster, outcome and images (exit 0 agree, 1 differ, 2 bad input, 3 cannot run, 4 cannot "
      "judge)");
  c->add_option("file", o.file, "scenario file (TOML)")->required();
  c->add_option("--seed", o.seed, "run seed (overrides the file's)");
  c->add_option("--out", o.out,
                "folder for replay.sh, the images and QEMU's trace (default: "
                "qemu-diff)");
  c->add_option("--profile", o.profile,
                "the simulator's engine profile (default: qemu-7.2, the QEMU Debian 12 installs)");
  return c;
}

int qemu_diff_command(const QemuDiffOptions& o) {
  const std::optional<engine::Profile> profile =
      parse_profile_flag("mirrorsim qemu-diff", o.profile);
  if (!profile) return kDiffBadInput;
  scenarios::Scenario scenario;
  properties::RunReport report;
  reports::QemuReplay replay;
  const bool read = read_user_input("qemu-diff", o.file, [&] {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenario = scenarios::load_scenario(o.file, load);
    require_qemu_algorithm(scenario);
    if (o.seed) scenario.seed = *o.seed;
    scenario.mirror.profile = *profile;
    properties::RunOptions options;
    options.retain_log = true;
    report = properties::run_scenario(scenario, options);
    reports::ReplayOptions replay_options;
    replay_options.trace_file = std::string(kTraceFile);
    replay =
        reports::qemu_replay(scenario, timeline_of(report), guest_requests(report), replay_options);
  });
  if (!read) return kDiffBadInput;

  const fs::path dir = o.out;
  const fs::path script = dir / "replay.sh";
  std::error_code error;
  fs::create_directories(dir, error);
  std::ofstream(script, std::ios::binary | std::ios::trunc) << replay.script;
  if (error || !fs::exists(script)) {
    fmt::print(stderr, "mirrorsim qemu-diff: cannot write {}\n", script.string());
    return kDiffCannotRun;
  }
  fs::remove(dir / kTraceFile, error);  // a trace left by an earlier run must not count
  const ScriptRun run = run_script(script);
  if (run.status == reports::kReplayCannotRun || run.status < 0) {
    fmt::print("cannot run: {}\n", run.last);
    return kDiffCannotRun;
  }

  // Ops in flight are counted per target cluster; a raw target per chunk.
  const std::uint64_t cluster = report.resolved.target_cluster_bytes != 0
                                    ? report.resolved.target_cluster_bytes
                                    : report.resolved.granularity_bytes;
  reports::DiffSide sim_side{reports::account_of(sim_events(report), cluster), sim_outcome(report),
                             sim_image(report)};
  const reports::DiffSide qemu = qemu_side(dir, run, cluster);
  const reports::DiffResult diff =
      reports::compare_sides(sim_side, qemu, engine::profile_name(*profile));
  fmt::print("qemu-diff {} (seed {}); a cluster is {} bytes ({}):\n{}", scenario.name,
             scenario.seed, cluster,
             report.resolved.target_cluster_bytes != 0 ? "the target's" : "a chunk: raw target",
             diff.text);
  if (!diff.agrees) {
    fmt::print("verdict: the simulator and QEMU differ\n");
    return kDiffDiffers;
  }
  if (diff.order_cut || run.status == reports::kReplayCannotJudge) {
    fmt::print(
        "verdict: cannot judge: {}\n",
        diff.order_cut ? "guest requests during the job (ops compared up to the first)" : run.last);
    return kDiffCannotJudge;
  }
  fmt::print("verdict: the simulator and QEMU agree\n");
  return kDiffAgrees;
}

}  // namespace mirrorsim::cli
