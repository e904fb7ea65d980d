#include "reports/qemu_replay.h"

#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace mirrorsim::reports {
namespace {

using engine::TimeNs;
using scenarios::Backing;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::DiskKind;
using scenarios::DiskSpec;
using scenarios::Scenario;

// 'text' for sh: a single quote becomes '\''.
std::string sh_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
constexpr std::string_view kFilterNode = "mirror-top";
constexpr std::string_view kJob = "mirror";

std::string format_of(const DiskSpec& d) {
  return d.kind == DiskKind::kCluster ? "qcow2" : "raw";
}
std::string file_of(const DiskSpec& d, std::string_view name) {
  return fmt::format("{}.{}", name, d.kind == DiskKind::kCluster ? "qcow2" : "img");
}
std::string seconds(TimeNs t) {
  return fmt::format("{:.6f} s", static_cast<double>(t) / 1e9);
}

// One line of the script that sends a QMP command; ids let the log be read.
std::string send(const std::string& execute, const nlohmann::json& arguments, std::string id) {
  nlohmann::json j = {{"execute", execute}};
  if (!arguments.empty()) j["arguments"] = arguments;
  if (!id.empty()) j["id"] = std::move(id);
  return "send " + sh_quote(j.dump()) + "\n";
}

// The images: qemu-img create, then the old data and [[prefill]] with qemu-io.
std::vector<ImageCommand> image_commands(const Scenario& s) {
  std::vector<ImageCommand> out;
  auto create = [&](const DiskSpec& d, std::string_view name) {
    ImageCommand c{
        "qemu-img", {"create", "-q", "-f", format_of(d)}, fmt::format("qemu-img create {}", name)};
    if (d.kind == DiskKind::kCluster) {
      c.args.insert(c.args.end(), {"-o", fmt::format("cluster_size={}", d.cluster_bytes)});
    }
    if (d.backing != Backing::kNone && s.base) {
      c.args.insert(c.args.end(), {"-b", file_of(*s.base, "base"), "-F", format_of(*s.base)});
    }
    c.args.insert(c.args.end(), {file_of(d, name), std::to_string(d.length_bytes)});
    out.push_back(std::move(c));
  };
  auto fill = [&](const DiskSpec& d, std::string_view name, std::uint8_t pattern) {
    if (!d.old_data || d.length_bytes == 0) return;
    out.push_back(
        {"qemu-io",
         {"-f", format_of(d), "-c", fmt::format("write -P {:#04x} 0 {}", pattern, d.length_bytes),
          file_of(d, name)},
         fmt::format("qemu-io on {}", name)});
  };
  if (s.base) {
    create(*s.base, "base");
    fill(*s.base, "base", kBaseOldPattern);
  }
  create(s.source, "source");
  fill(s.source, "source", kSourceOldPattern);
  create(s.target, "target");
  fill(s.target, "target", kTargetOldPattern);
  // [[prefill]]: the state before the job, written into the image files.
  for (const scenarios::Prefill& p : s.prefill) {
    const bool on_base = p.disk == scenarios::PrefillDisk::kBase;
    const DiskSpec& d = on_base && s.base ? *s.base : s.source;
    const std::string name = on_base ? "base" : "source";
    std::string command;
    switch (p.op) {
      case scenarios::PrefillOp::kWrite:
        command =
            fmt::format("write -P {:#04x} {} {}", kPrefillPattern, p.offset_bytes, p.length_bytes);
        break;
      case scenarios::PrefillOp::kWriteZeroes:
        command = fmt::format("write -z -u {} {}", p.offset_bytes, p.length_bytes);
        break;
      case scenarios::PrefillOp::kDiscard:
        command = fmt::format("discard {} {}", p.offset_bytes, p.length_bytes);
        break;
    }
    out.push_back({"qemu-io",
                   {"-f", format_of(d), "-c", command, file_of(d, name)},
                   fmt::format("qemu-io prefill on {}", name)});
  }
  return out;
}

// sh for one image command; exits 3 ("cannot run") when it fails.
std::string sh_image_command(const ImageCommand& c) {
  std::string line = c.tool == "qemu-img" ? "\"$QEMU_IMG\"" : "\"$QEMU_IO\"";
  for (const std::string& a : c.args) {
    line += " " + (a.find(' ') == std::string::npos ? a : sh_quote(a));
  }
  if (c.tool == "qemu-io") line += " >/dev/null";
  return line + fmt::format(" || cannot_run \"{}\"\n", c.what);
}

nlohmann::json blockdev(const DiskSpec& d, std::string_view name,
                        const std::optional<DiskSpec>& base, bool attach_backing) {
  nlohmann::json j = {{"driver", format_of(d)},
                      {"node-name", name},
                      {"file", {{"driver", "file"}, {"filename", file_of(d, name)}}}};
  if (d.kind == DiskKind::kCluster && base && d.backing != Backing::kNone) {
    // "at-pivot": the image names its backing but the job runs without it,
    // as drive-mirror's mode=existing opens the target; the comparison
    // opens the file with its backing.
    j["backing"] = attach_backing ? nlohmann::json("base") : nlohmann::json(nullptr);
  }
  return j;
}

nlohmann::json mirror_arguments(const Scenario& s) {
  const scenarios::MirrorSpec& m = s.mirror;
  nlohmann::json a = {{"job-id", kJob},
                      {"device", "source"},
                      {"target", "target"},
                      {"sync", scenarios::name_of(m.sync)},
                      {"copy-mode", scenarios::name_of(m.copy_mode)},
                      {"on-source-error", scenarios::name_of(m.on_source_error)},
                      {"on-target-error", scenarios::name_of(m.on_target_error)},
                      {"filter-node-name", kFilterNode}};
  if (m.granularity_bytes != 0) a["granularity"] = m.granularity_bytes;
  if (m.buf_size_bytes != 0) a["buf-size"] = m.buf_size_bytes;
  if (m.speed_bytes_per_s != 0) a["speed"] = m.speed_bytes_per_s;
  return a;
}

// What the replay cannot set up, from the scenario alone.
std::vector<std::string> scenario_notes(const Scenario& s) {
  std::vector<std::string> notes;
  if (!s.faults.empty()) {
    notes.push_back(
        fmt::format("{} fault rule(s): QEMU runs without injected errors", s.faults.size()));
  }
  if (!s.mirror.bugs.empty()) {
    notes.push_back("engine bug switches (" + fmt::format("{}", s.mirror.bugs.size()) +
                    ") belong to the simulator's engine, not to QEMU");
  }
  if (!s.mirror.unmap) notes.push_back("unmap = false: QEMU 7.2's blockdev-mirror always unmaps");
  if (s.mirror.target_is_zero)
    notes.push_back("target_is_zero: blockdev-mirror has no such promise");
  for (const auto& [d, name] : {std::pair{&s.source, "source"}, std::pair{&s.target, "target"}}) {
    if (d->capacity_bytes != 0) notes.push_back(fmt::format("{}: a thin capacity (ENOSPC)", name));
    if (!d->zero_init && !d->old_data)
      notes.push_back(
          fmt::format("{}: zero_init = false without old data (QEMU reads zeroes)", name));
    if (d->discard_reads_zero) notes.push_back(fmt::format("{}: discard_reads_zero", name));
  }
  if (s.mirror.start_us != 0) {
    notes.push_back(
        "start_us: guest requests made before the job started are sent after blockdev-mirror");
  }
  if (s.source.length_bytes != s.target.length_bytes) {
    notes.push_back(
        "source and target differ in length: QEMU must refuse the job, as the simulator does");
  }
  return notes;
}

struct Step {
  enum class Kind : std::uint8_t { kReady, kCommand, kGuest };
  TimeNs time = 0;
  Kind kind = Kind::kGuest;
  std::size_t index = 0;  // the command's or the request's
};

bool ends_job(CommandKind k) {
  return k == CommandKind::kComplete || k == CommandKind::kCancel || k == CommandKind::kForceCancel;
}

std::vector<Command> commands_with_implicit_end(const Scenario& s) {
  std::vector<Command> c = s.commands;
  if (std::none_of(c.begin(), c.end(), [](const Command& x) { return ends_job(x.kind); })) {
    c.push_back(Command{});  // complete on READY, as every run gets
  }
  return c;
}

// The replay's steps after blockdev-mirror, in the order the simulated run
// had them.
class ActionWriter {
 public:
  ActionWriter(const Scenario& s, const SimulatedTimeline& t, ReplayPlan& p)
      : s_(s), timeline_(t), p_(p) {}

  void write() {
    const std::vector<Command> commands = commands_with_implicit_end(s_);
    std::vector<Step> steps;
    if (timeline_.ready) steps.push_back({*timeline_.ready, Step::Kind::kReady, 0});
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const Command& c = commands[i];
      if (c.trigger == CommandTrigger::kOnReady && !timeline_.ready) {
        p_.notes.push_back(fmt::format("command {} on READY: the simulated job never became READY",
                                       scenarios::name_of(c.kind)));
        continue;
      }
      const TimeNs at = c.trigger == CommandTrigger::kAt
                            ? static_cast<TimeNs>(c.time_us) * engine::kNsPerUs
                            : *timeline_.ready + static_cast<TimeNs>(c.time_us) * engine::kNsPerUs;
      steps.push_back({at, Step::Kind::kCommand, i});
    }
    for (std::size_t i = 0; i < p_.requests.size(); ++i)
      steps.push_back({p_.requests[i].time, Step::Kind::kGuest, i});
    std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
      return a.time != b.time ? a.time < b.time : a.kind < b.kind;
    });

    for (std::size_t i = 0; i < steps.size() && !ended_; ++i) {
      const Step& step = steps[i];
      if (step.kind == Step::Kind::kReady) {
        add(ReplayAction::Kind::kComment,
            fmt::format("READY came at {} in the simulation", seconds(step.time)));
        add(ReplayAction::Kind::kWaitEvent, "BLOCK_JOB_READY");
        ready_seen_ = true;
      } else if (step.kind == Step::Kind::kGuest) {
        guest(step.index);
      } else if (ends_job(commands[step.index].kind)) {
        // The simulation's guest stops when the job ends; its requests
        // between this command and the pivot are sent before the command,
        // so none of them races the pivot (they reach both disks either way).
        for (std::size_t j = i + 1; j < steps.size(); ++j) {
          if (steps[j].kind == Step::Kind::kGuest) guest(steps[j].index);
        }
        end_job(commands[step.index], step.time);
      } else {
        command(commands[step.index], step.time);
      }
    }
    if (!ended_) {
      add(ReplayAction::Kind::kFinish);
      add(ReplayAction::Kind::kCannotJudge,
          "the simulated job never ended by a command (it failed or ran out of time)");
    }
  }

 private:
  void add(ReplayAction::Kind kind, std::string text = {}, nlohmann::json qmp = {}) {
    p_.actions.push_back({kind, std::move(text), std::move(qmp), 0});
  }
  void qmp(const std::string& execute, const nlohmann::json& arguments, std::string id) {
    nlohmann::json j = {{"execute", execute}};
    if (!arguments.empty()) j["arguments"] = arguments;
    if (!id.empty()) j["id"] = std::move(id);
    add(ReplayAction::Kind::kQmp, {}, std::move(j));
  }

  void guest(std::size_t index) {
    const sim::GuestRequest& q = p_.requests[index];
    const std::uint64_t number = index + 1;
    std::string io;
    switch (q.op) {
      case sim::GuestOp::kWrite:
        io = fmt::format("write -P {:#04x} {} {}", guest_write_pattern(number), q.offset, q.length);
        break;
      case sim::GuestOp::kWriteZeroes:
        io = fmt::format("write -z{} {} {}", q.may_unmap ? " -u" : "", q.offset, q.length);
        break;
      case sim::GuestOp::kDiscard:
        io = fmt::format("discard {} {}", q.offset, q.length);
        break;
      case sim::GuestOp::kRead:
        add(ReplayAction::Kind::kComment,
            fmt::format("guest request #{}: read {} {}, skipped", number, q.offset, q.length));
        return;
      case sim::GuestOp::kFlush:
        io = "flush";
        break;
    }
    ++p_.replayed_requests;
    add(ReplayAction::Kind::kComment,
        fmt::format("guest request #{} at {}", number, seconds(q.time)));
    p_.actions.push_back({ReplayAction::Kind::kGuestIo, io, {}, number});
  }

  void command(const Command& c, TimeNs at) {
    const std::string id = fmt::format("c{}", ++commands_sent_);
    const std::string head =
        fmt::format("command {} at {}", scenarios::name_of(c.kind), seconds(at));
    const nlohmann::json job = {{"device", kJob}};
    switch (c.kind) {
      case CommandKind::kPause:
        add(ReplayAction::Kind::kComment, head);
        return qmp("block-job-pause", job, id);
      case CommandKind::kResume:
        add(ReplayAction::Kind::kComment, head);
        return qmp("block-job-resume", job, id);
      case CommandKind::kSetSpeed:
        add(ReplayAction::Kind::kComment, head);
        return qmp("block-job-set-speed", {{"device", kJob}, {"speed", c.speed_bytes_per_s}}, id);
      case CommandKind::kWriteBlocking:
        p_.notes.push_back("write_blocking: QEMU 7.2 cannot switch a running job's copy mode");
        return add(ReplayAction::Kind::kComment,
                   fmt::format("NOTE: command write_blocking at {} is not replayed", seconds(at)));
      case CommandKind::kPowerLoss:
        p_.notes.push_back("power_loss: a host crash is not replayed (QEMU runs on)");
        return add(ReplayAction::Kind::kComment,
                   fmt::format("NOTE: command power_loss at {} is not replayed", seconds(at)));
      default:
        return add(ReplayAction::Kind::kComment, head);  // the ending ones: end_job()
    }
  }

  void end_job(const Command& c, TimeNs at) {
    ended_ = true;
    const std::string id = fmt::format("c{}", ++commands_sent_);
    add(ReplayAction::Kind::kComment,
        fmt::format("command {} at {}", scenarios::name_of(c.kind), seconds(at)));
    if (c.kind == CommandKind::kComplete) {
      qmp("block-job-complete", {{"device", kJob}}, id);
      add(ReplayAction::Kind::kWaitEvent, "BLOCK_JOB_COMPLETED");
      add(ReplayAction::Kind::kFinish);
      add(ReplayAction::Kind::kCompare);
      return;
    }
    const bool force = c.kind == CommandKind::kForceCancel;
    qmp("block-job-cancel", {{"device", kJob}, {"force", force}}, id);
    // BLOCK_JOB_COMPLETED (a soft cancel past READY) or BLOCK_JOB_CANCELLED.
    add(ReplayAction::Kind::kWaitEvent, "BLOCK_JOB_C");
    add(ReplayAction::Kind::kFinish);
    if (force || !ready_seen_) {
      add(ReplayAction::Kind::kCannotJudge,
          "the case cancels the job before READY or by force: the target is not meant to equal "
          "the source");
    } else {
      add(ReplayAction::Kind::kComment,
          "A soft cancel past READY leaves a point-in-time copy: the guest has stopped.");
      add(ReplayAction::Kind::kCompare);
    }
  }

  const Scenario& s_;
  const SimulatedTimeline& timeline_;
  ReplayPlan& p_;
  bool ready_seen_ = false;
  bool ended_ = false;
  std::uint64_t commands_sent_ = 0;
};

// The actions as sh lines (replay.sh).
std::string sh_actions(std::span<const ReplayAction> actions) {
  std::string out;
  for (const ReplayAction& a : actions) {
    switch (a.kind) {
      case ReplayAction::Kind::kComment:
        out += "# " + a.text + "\n";
        break;
      case ReplayAction::Kind::kWaitEvent:
        out += a.text == "BLOCK_JOB_C" ? "wait_for '\"event\": \"BLOCK_JOB_C' \"the job's end\"\n"
                                       : fmt::format("wait_for '\"event\": \"{0}\"' {0}\n", a.text);
        break;
      case ReplayAction::Kind::kQmp:
        out += "send " + sh_quote(a.qmp.dump()) + "\n";
        break;
      case ReplayAction::Kind::kGuestIo:
        out += "send " +
               sh_quote(nlohmann::json{
                   {"execute", "human-monitor-command"},
                   {"arguments",
                    {{"command-line", fmt::format("qemu-io {} \"{}\"", kFilterNode, a.text)}}},
                   {"id", fmt::format("g{}", a.request)}}
                            .dump()) +
               "\n";
        break;
      case ReplayAction::Kind::kFinish:
        out += "finish_qemu\n";
        break;
      case ReplayAction::Kind::kCompare:
        out += "compare\n";
        break;
      case ReplayAction::Kind::kCannotJudge:
        out += "cannot_judge " + sh_quote(a.text) + "\n";
        break;
    }
  }
  return out;
}

// The helpers every script starts with: POSIX sh, grep, sed, mkfifo, sleep.
constexpr std::string_view kPrelude = R"SH(set -u
cd "$(dirname "$0")" || exit 3
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_IMG=${QEMU_IMG:-qemu-img}
QEMU_IO=${QEMU_IO:-qemu-io}
TIMEOUT=${REPLAY_TIMEOUT:-120}
qemu_pid=

verdict() { # $1: exit code, $2: the verdict line
  print_notes
  if [ "$HAS_NOTES" = 1 ]; then echo "$2 (not replayed: see the notes above)"; else echo "$2"; fi
  exit "$1"
}
cannot_run() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; verdict 3 "cannot run: $1"; }
cannot_judge() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; verdict 4 "cannot judge: $1"; }
for tool in "$QEMU" "$QEMU_IMG" "$QEMU_IO"; do
  command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool is not installed"
done
# QEMU exited before the replay asked it to: a crash (a signal, as an
# assertion's abort) is a finding of its own.
qemu_died() {
  wait "$qemu_pid"
  status=$?
  qemu_pid=
  [ "$status" -le 128 ] || verdict 6 "QEMU crashed (signal $((status - 128))): $(tail -n 1 qemu.err)"
  cannot_judge "QEMU exited with status $status: $(tail -n 1 qemu.err)"
}
trap '' PIPE
send() { printf '%s\n' "$1" >&3 2>/dev/null || qemu_died; }
# Polls QMP's output for a line; QEMU's exit or the timeout ends the replay.
wait_for() { # $1: a grep pattern, $2: what it is
  waited=0
  while ! grep -q "$1" qmp.log; do
    check_refused
    kill -0 "$qemu_pid" 2>/dev/null || qemu_died
    waited=$((waited + 1))
    [ "$waited" -le $((TIMEOUT * 10)) ] || cannot_judge "no $2 after $TIMEOUT s"
    sleep 0.1 2>/dev/null || sleep 1
  done
}
# A QMP error, or an HMP qemu-io that failed, stops the replay.
check_refused() {
  refused=$(grep -e '"error"' -e '"return": "Error' qmp.log | head -n 1)
  [ -z "$refused" ] || cannot_judge "QEMU refused a command: $refused"
}
finish_qemu() {
  send '{"execute": "quit"}'
  exec 3>&-
  wait "$qemu_pid"
  status=$?
  qemu_pid=
  [ "$status" -le 128 ] || verdict 6 "QEMU crashed (signal $((status - 128))): $(tail -n 1 qemu.err)"
  check_refused
}
byte_at() { # $1: format, $2: file, $3: offset
  "$QEMU_IO" -r -f "$1" -c "read -v $3 1" "$2" 2>/dev/null |
    sed -n 's/^[0-9a-f]*: *\([0-9a-f][0-9a-f]\) .*/0x\1/p'
}
)SH";

}  // namespace

std::uint8_t guest_write_pattern(std::uint64_t number) {
  return static_cast<std::uint8_t>(1 + (number - 1) % 0xa0);
}

ReplayPlan plan_replay(const Scenario& s, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests) {
  ReplayPlan p;
  p.requests.assign(requests.begin(), requests.end());
  p.notes = scenario_notes(s);
  p.images = image_commands(s);
  if (s.base) p.base_node = blockdev(*s.base, "base", std::nullopt, false);
  p.source_node = blockdev(s.source, "source", s.base, true);
  p.target_node = blockdev(s.target, "target", s.base, s.target.backing == Backing::kAttached);
  p.mirror = mirror_arguments(s);
  p.source_file = file_of(s.source, "source");
  p.target_file = file_of(s.target, "target");
  p.source_format = format_of(s.source);
  p.target_format = format_of(s.target);
  ActionWriter(s, timeline, p).write();
  return p;
}

QemuReplay qemu_replay(const Scenario& s, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests, const ReplayOptions& options) {
  const ReplayPlan plan = plan_replay(s, timeline, requests);
  QemuReplay r;
  r.requests = plan.requests;
  r.notes = plan.notes;
  r.replayed_requests = plan.replayed_requests;

  std::string script = "#!/bin/sh\n";
  script += fmt::format("# Replays the mirrorsim case '{}' (seed {}) on real QEMU; written by\n",
                        s.name, s.seed);
  script += R"SH(# `mirrorsim qemu-replay`. Needs qemu-system-x86_64, qemu-img and qemu-io.
# Run: sh replay.sh. Prints one verdict line; exit 0 when the target equals
# the source, 1 when they differ, 3 when it cannot run, 4 when it cannot judge,
# 6 when QEMU crashed.
#
# Order kept: the guest's requests in the simulation's order, and each
# command and request before or after READY as in the simulation (the script
# waits for BLOCK_JOB_READY there). Not kept: the timing, and how requests
# interleave with the job's copy operations (QEMU runs at its own speed).
# Requests the simulation issued between the ending command and the job's
# end are sent just before that command. Reads are skipped.
#
# Byte patterns: guest request #n writes 0x01 + (n - 1) % 160; old data:
)SH";
  script += fmt::format("# base {:#04x}, source {:#04x}, target {:#04x}; zeroes are 0x00.\n",
                        kBaseOldPattern, kSourceOldPattern, kTargetOldPattern);
  for (const std::string& note : r.notes) script += "# NOTE: " + note + "\n";
  script += "\n";
  script += fmt::format("HAS_NOTES={}\nprint_notes() {{\n  :\n", r.notes.empty() ? 0 : 1);
  for (const std::string& note : r.notes) script += "  echo " + sh_quote("note: " + note) + "\n";
  script += "}\n";
  script += kPrelude;
  script +=
      "rm -f base.qcow2 base.img source.qcow2 source.img target.qcow2 target.img "
      "qmp.in qmp.log qemu.err" +
      (options.trace_file.empty() ? std::string() : " " + sh_quote(options.trace_file)) + "\n\n";
  script += "# The images. Old data is one byte pattern per disk over the whole disk.\n";
  for (const ImageCommand& c : plan.images) script += sh_image_command(c);

  const std::string source_fmt = format_of(s.source);
  const std::string target_fmt = format_of(s.target);
  script +=
      fmt::format(R"SH(
compare() {{
  out=$("$QEMU_IMG" compare -f {0} -F {1} {2} {3} 2>&1)
  case $? in
    0) verdict 0 "QEMU agrees: the target equals the source" ;;
    1) offset=$(printf '%s\n' "$out" | sed -n 's/^Content mismatch at offset \([0-9]*\)!$/\1/p')
       [ -n "$offset" ] || verdict 1 "QEMU differs: $out"
       echo "at byte $offset the source holds $(byte_at {0} {2} "$offset"), the target $(byte_at {1} {3} "$offset")"
       verdict 1 "QEMU differs at byte $offset" ;;
    *) cannot_run "qemu-img compare: $out" ;;
  esac
}}
)SH",
                  source_fmt, target_fmt, file_of(s.source, "source"), file_of(s.target, "target"));

  std::string trace;
  if (!options.trace_file.empty()) {
    trace =
        " -trace enable=mirror_one_iteration -trace enable=mirror_iteration_done -trace "
        "enable=handle_hmp_command -D " +
        sh_quote(options.trace_file);
  }
  script += R"SH(
# QEMU with no machine and no guest; QMP on stdin (a FIFO) and stdout.
mkfifo qmp.in || cannot_run "mkfifo"
)SH";
  script += "\"$QEMU\" -machine none -nodefaults -display none" + trace +
            " -qmp stdio <qmp.in >qmp.log 2>qemu.err &\n";
  script += R"SH(qemu_pid=$!
exec 3>qmp.in
send '{"execute": "qmp_capabilities"}'
)SH";
  if (s.base) script += send("blockdev-add", plan.base_node, "");
  script += send("blockdev-add", plan.source_node, "");
  script += send("blockdev-add", plan.target_node, "");
  script += send("blockdev-mirror", plan.mirror, "mirror");
  script += "\n" + sh_actions(plan.actions);
  r.script = std::move(script);
  return r;
}

std::string name_byte(const QemuReplay& replay, std::uint64_t offset, std::uint8_t value) {
  if (value == 0) return "zeroes";
  if (value == kBaseOldPattern) return "the base image's old data";
  if (value == kSourceOldPattern) return "the source's old data";
  if (value == kTargetOldPattern) return "the target's old data (stale)";
  if (value == kPrefillPattern) return "a [[prefill]] write";
  for (std::size_t i = replay.requests.size(); i-- > 0;) {
    const sim::GuestRequest& q = replay.requests[i];
    if (q.op == sim::GuestOp::kWrite && guest_write_pattern(i + 1) == value && q.offset <= offset &&
        offset < q.offset + q.length) {
      return fmt::format("guest request #{} (write, t={}, offset {}, {} bytes)", i + 1,
                         seconds(q.time), q.offset, q.length);
    }
  }
  return fmt::format("{:#04x}, which no write of this case puts there", value);
}

}  // namespace mirrorsim::reports
