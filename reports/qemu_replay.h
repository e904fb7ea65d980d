// The bridge to real QEMU (issue 12): turns a scenario into a POSIX shell
// script that a user runs on any machine with QEMU. The script builds the
// disks with qemu-img and qemu-io, starts `qemu-system-x86_64 -machine none`
// with QMP on a FIFO, adds the images with blockdev-add, starts
// blockdev-mirror with the case's parameters, replays the guest's requests
// through HMP `qemu-io` on the mirror's filter node, gives the case's
// commands, and ends with `qemu-img compare` and one verdict line.
//
// Timing cannot be replayed: QEMU runs at its own speed. What is kept is
// the order the simulated run had: the guest's requests in their order, and
// each command and request before or after READY as it was in the
// simulation (the script waits for BLOCK_JOB_READY where the simulation's
// READY came). The interleaving with the job's copy operations is not kept.
// What the script cannot set up (faults, timing, engine bug switches, a
// switch to write-blocking, which QEMU 7.2 cannot do) is a "# NOTE:" comment
// in the script and a "note:" line before the verdict, which then ends in
// "(not replayed: ...)".
//
// Content: each guest write writes one byte pattern, guest_write_pattern()
// of its request number, so a difference names the request that wrote it;
// old data has patterns of its own (kBaseOldPattern...).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/runtime.h"
#include "scenarios/scenario.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::reports {

// What the simulated run of the case says about order.
struct SimulatedTimeline {
  std::optional<engine::TimeNs> ready;  // the job's READY, when it came
  engine::TimeNs end = 0;               // the job's end (the run's, when the job never ended)
};

inline constexpr std::uint8_t kBaseOldPattern = 0xb1;
inline constexpr std::uint8_t kSourceOldPattern = 0xb2;
inline constexpr std::uint8_t kTargetOldPattern = 0xb3;
inline constexpr std::uint8_t kPrefillPattern = 0xb4;  // every [[prefill]] write
// Guest request `number` (from 1) writes this byte: 0x01..0xa0, cycling.
std::uint8_t guest_write_pattern(std::uint64_t number);

// The script's exit codes (the verdict line says the same in words).
inline constexpr int kReplayAgrees = 0;
inline constexpr int kReplayDiffers = 1;
inline constexpr int kReplayCannotRun = 3;    // a tool is missing, or qemu-img failed
inline constexpr int kReplayCannotJudge = 4;  // QEMU refused a command, timed out, or the case
                                              // has nothing to compare (a cancel before READY)
inline constexpr int kReplayQemuCrashed = 6;  // QEMU died of a signal (an assertion's abort)

struct QemuReplay {
  std::string script;              // replay.sh
  std::vector<std::string> notes;  // what the replay does not set up, one line each
  // Guest request n (from 1) is requests[n - 1], as the simulation issued it.
  std::vector<sim::GuestRequest> requests;
  std::uint64_t replayed_requests = 0;  // writes, zero writes and discards sent to QEMU
};

// One command that builds an image: `tool` ("qemu-img" or "qemu-io") and
// its arguments; `what` names it when it fails.
struct ImageCommand {
  std::string tool;
  std::vector<std::string> args;
  std::string what;
};

// One step of a replay after blockdev-mirror, in the order the simulated
// run had it. Each script language renders the same steps.
struct ReplayAction {
  enum class Kind : std::uint8_t {
    kComment,      // text
    kWaitEvent,    // text: a QMP event name ("BLOCK_JOB_C": COMPLETED or CANCELLED)
    kQmp,          // qmp: the whole command
    kGuestIo,      // text: a qemu-io command line for the guest's device; request: its number
    kFinish,       // quit QEMU and wait for it
    kCompare,      // qemu-img compare, the verdict
    kCannotJudge,  // text: why
  };
  Kind kind = Kind::kComment;
  std::string text;
  nlohmann::json qmp;
  std::uint64_t request = 0;
};

// Everything a replay script does, whatever its language.
struct ReplayPlan {
  std::vector<sim::GuestRequest> requests;  // request n (from 1) is requests[n - 1]
  std::vector<std::string> notes;           // what the replay does not set up
  std::uint64_t replayed_requests = 0;
  std::vector<ImageCommand> images;
  nlohmann::json base_node;  // blockdev-add arguments (base_node is null without a base)
  nlohmann::json source_node;
  nlohmann::json target_node;
  nlohmann::json mirror;  // blockdev-mirror arguments
  std::string source_file, target_file, source_format, target_format;
  std::vector<ReplayAction> actions;
};

ReplayPlan plan_replay(const scenarios::Scenario& scenario, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests);

struct ReplayOptions {
  // When not empty: QEMU runs with its mirror trace events on
  // (mirror_one_iteration, mirror_iteration_done) and handle_hmp_command,
  // which marks each guest request sent, logged to this file in the
  // script's folder (`-D`, the log trace backend). `mirrorsim qemu-diff`
  // reads it.
  std::string trace_file;
};

// `requests`: the guest's requests the simulation issued (before the job
// ended), in order.
QemuReplay qemu_replay(const scenarios::Scenario& scenario, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests,
                       const ReplayOptions& options = {});

// What put `value` at byte `offset`: "zeroes", "the base image's old data",
// "guest request #12 (write, t=0.030000 s, offset 2101248, 4096 bytes)"...
std::string name_byte(const QemuReplay& replay, std::uint64_t offset, std::uint8_t value);

}  // namespace mirrorsim::reports
