#include "cli/qemu_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <stdexcept>
#include <vector>

#include <fmt/core.h>

#include "cli/exit_codes.h"
#include "cli/input_errors.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_replay.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "sim/guest/trace.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim::cli {

namespace fs = std::filesystem;

// Runs the script, echoing its output; names both sides of a difference.
int run_replay_script(const std::string& interpreter, const fs::path& script,
                      const reports::QemuReplay& replay, const std::string& arguments) {
  std::string quoted = "'";
  for (char c : script.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string command = interpreter + " " + quoted + "' " + arguments + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    fmt::print(stderr, "mirrorsim qemu-replay: cannot run {}\n", script.string());
    return kExitInternal;
  }
  const std::regex sides(
      R"(^at byte (\d+) the source holds (0x[0-9a-f]{2}), the target (0x[0-9a-f]{2}))");
  std::string line;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    line += buffer;
    if (line.empty() || line.back() != '\n') continue;
    std::fputs(line.c_str(), stdout);
    std::smatch m;
    if (std::regex_search(line, m, sides)) {
      const std::uint64_t offset = std::stoull(m[1]);
      const auto byte = [&](int i) {
        return static_cast<std::uint8_t>(std::stoul(m[i], nullptr, 16));
      };
      fmt::print("  the source's byte: {}\n  the target's byte: {}\n",
                 reports::name_byte(replay, offset, byte(2)),
                 reports::name_byte(replay, offset, byte(3)));
    }
    line.clear();
  }
  if (!line.empty()) std::fputs(line.c_str(), stdout);
  const int status = pclose(pipe.release());
  if (!WIFEXITED(status)) return kExitInternal;
  switch (WEXITSTATUS(status)) {
    case reports::kReplayAgrees:
      return kExitPassed;
    case reports::kReplayDiffers:
      return kExitCorrectness;
    case reports::kReplayQemuCrashed:
      return kExitCrash;
    case reports::kReplayCannotJudge:
      return kExitInconclusive;
    default:
      return kExitInternal;
  }
}

// Where the simulated job became READY and ended: the order the replay keeps.
reports::SimulatedTimeline timeline_of(const properties::RunReport& report) {
  reports::SimulatedTimeline t;
  t.end = report.sim.end_time_ns;
  for (const engine::JobEvent& e : report.events) {
    if (e.kind == engine::JobEventKind::kReady && !t.ready) t.ready = e.time;
    if (e.kind == engine::JobEventKind::kCompleted || e.kind == engine::JobEventKind::kCancelled) {
      t.end = e.time;
      break;
    }
  }
  return t;
}

// The guest's requests as the simulated run issued them, from its event
// log: in their order (the guest queue is first in, first out), each at the
// time it started; the simulated guest stops when the job ends.
std::vector<sim::GuestRequest> guest_requests(const properties::RunReport& report) {
  std::vector<sim::GuestRequest> out;
  for (const sim::LogRecord& r : report.log) {
    if (r.kind != sim::EventKind::kGuestRequest) continue;
    out.push_back(sim::GuestRequest{r.time, static_cast<sim::GuestOp>(r.subject), r.a, r.b, true});
  }
  return out;
}

CLI::App* add_qemu_command(CLI::App& app, QemuCommandOptions& o) {
  CLI::App* c = app.add_subcommand(
      "qemu-replay", "write a script that replays a case on real QEMU (and run it with --run)");
  c->add_option("file", o.file, "scenario file (TOML), e.g. a shrunk failure")->required();
  c->add_option("--seed", o.seed, "run seed (overrides the file's)");
  c->add_option("--out", o.out, "folder for replay.sh and the images (default: qemu-replay)");
  c->add_flag("--run", o.run,
              "run the script and print its verdict (exit 0 agrees, 1 differs, 4 cannot judge, 6 "
              "QEMU crashed)");
  return c;
}

int qemu_command(const QemuCommandOptions& o) {
  reports::QemuReplay replay;
  const bool read = read_user_input("qemu-replay", o.file, [&] {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenarios::Scenario scenario = scenarios::load_scenario(o.file, load);
    require_qemu_algorithm(scenario);
    if (o.seed) scenario.seed = *o.seed;
    // The simulated run gives the order to keep: READY, the job's end.
    properties::RunOptions options;
    options.retain_log = true;
    const properties::RunReport report = properties::run_scenario(scenario, options);
    replay = reports::qemu_replay(scenario, timeline_of(report), guest_requests(report));
  });
  if (!read) return kExitBadInput;

  const fs::path dir = o.out;
  const fs::path script = dir / "replay.sh";
  std::error_code error;
  fs::create_directories(dir, error);
  std::ofstream file(script, std::ios::binary | std::ios::trunc);
  file << replay.script;
  file.close();
  if (error || !file) {
    fmt::print(stderr, "mirrorsim qemu-replay: cannot write {}\n", script.string());
    return kExitInternal;
  }
  // Executable for the user's convenience; a failure is harmless (it runs with sh).
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add, error);
  fmt::print("wrote {}: {} guest requests ({} sent to QEMU), {} note(s)\n", script.string(),
             replay.requests.size(), replay.replayed_requests, replay.notes.size());
  if (!o.run) {
    fmt::print("run it where QEMU is installed: sh {}\n", script.string());
    return kExitPassed;
  }
  return run_replay_script("sh", script, replay);
}

}  // namespace mirrorsim::cli
