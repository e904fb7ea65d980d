// The bridge to real QEMU: a small scenario becomes the expected commands in
// the expected order; and one end-to-end replay on QEMU, when it is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_replay.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "tests/cli_support.h"

namespace mirrorsim::reports {
namespace {

namespace fs = std::filesystem;
using engine::kKiB;
using engine::kMiB;
using engine::kNsPerMs;
using scenarios::Backing;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::DiskKind;
using scenarios::Scenario;
using sim::GuestOp;
using sim::GuestRequest;

scenarios::DiskSpec cluster_disk(std::uint64_t cluster, Backing backing) {
  scenarios::DiskSpec d;
  d.kind = DiskKind::kCluster;
  d.length_bytes = 1 * kMiB;
  d.cluster_bytes = cluster;
  d.backing = backing;
  d.backing_name = backing == Backing::kNone ? "" : "base";
  return d;
}

Command at(CommandKind kind, std::uint64_t us) {
  Command c;
  c.kind = kind;
  c.trigger = CommandTrigger::kAt;
  c.time_us = us;
  return c;
}

Command on_ready(CommandKind kind, std::uint64_t delay_us, std::uint64_t speed = 0) {
  Command c;
  c.kind = kind;
  c.trigger = CommandTrigger::kOnReady;
  c.time_us = delay_us;
  c.speed_bytes_per_s = speed;
  return c;
}

GuestRequest request(double ms, GuestOp op, std::uint64_t offset, std::uint64_t length) {
  return GuestRequest{static_cast<engine::TimeNs>(ms * kNsPerMs), op, offset, length, true};
}

// The cow-founding shape, small: a base with old data, a target with 1 MiB
// clusters whose backing comes at the pivot, write-blocking, every command.
Scenario small_case() {
  Scenario s;
  s.name = "small";
  s.base = cluster_disk(64 * kKiB, Backing::kNone);
  s.base->zero_init = false;
  s.base->old_data = true;
  s.source = cluster_disk(64 * kKiB, Backing::kAttached);
  s.target = cluster_disk(1 * kMiB, Backing::kAtPivot);
  s.mirror.sync = engine::SyncMode::kTop;
  s.mirror.copy_mode = engine::CopyMode::kWriteBlocking;
  s.mirror.granularity_bytes = 64 * kKiB;
  s.mirror.buf_size_bytes = 1 * kMiB;
  s.mirror.speed_bytes_per_s = 10'000'000;
  s.mirror.on_target_error = engine::ErrorPolicy::kStop;
  s.commands = {at(CommandKind::kPause, 1000), at(CommandKind::kResume, 2000),
                on_ready(CommandKind::kSetSpeed, 0, 0), on_ready(CommandKind::kComplete, 5000)};
  return s;
}

const std::vector<GuestRequest> kRequests = {
    request(0.5, GuestOp::kWrite, 4096, 4096),         // #1
    request(3.0, GuestOp::kWriteZeroes, 65536, 8192),  // #2
    request(4.0, GuestOp::kDiscard, 131072, 65536),    // #3
    request(4.5, GuestOp::kRead, 0, 4096),             // #4
    request(9.0, GuestOp::kWrite, 200704, 512),        // #5: after the complete command
};

const SimulatedTimeline kTimeline{3500 * engine::kNsPerUs, 10 * kNsPerMs};

// Each piece appears, and after the one before it.
void expect_in_order(const std::string& script, const std::vector<std::string>& pieces) {
  std::size_t from = 0;
  for (const std::string& piece : pieces) {
    const std::size_t at = script.find(piece, from);
    ASSERT_NE(at, std::string::npos) << "missing, or out of order: " << piece << "\n" << script;
    from = at + piece.size();
  }
}

TEST(QemuReplay, SmallCaseBecomesImagesMirrorRequestsAndCommandsInOrder) {
  const QemuReplay r = qemu_replay(small_case(), kTimeline, kRequests);
  expect_in_order(
      r.script,
      {
          "create -q -f qcow2 -o cluster_size=65536 base.qcow2 1048576",
          "-c 'write -P 0xb1 0 1048576' base.qcow2",
          "create -q -f qcow2 -o cluster_size=65536 -b base.qcow2 -F qcow2 source.qcow2 1048576",
          "create -q -f qcow2 -o cluster_size=1048576 -b base.qcow2 -F qcow2 target.qcow2 1048576",
          R"("node-name":"base")",
          R"("backing":"base","driver":"qcow2")",  // the source reads through its base
          R"("backing":null,"driver":"qcow2")",    // the target's backing comes at the pivot
          R"({"arguments":{"buf-size":1048576,"copy-mode":"write-blocking","device":"source",)"
          R"("filter-node-name":"mirror-top","granularity":65536,"job-id":"mirror",)"
          R"("on-source-error":"report","on-target-error":"stop","speed":10000000,"sync":"top",)"
          R"("target":"target"},"execute":"blockdev-mirror")",
          R"(qemu-io mirror-top \"write -P 0x01 4096 4096\")",
          R"("execute":"block-job-pause")",
          R"("execute":"block-job-resume")",
          R"(qemu-io mirror-top \"write -z -u 65536 8192\")",
          R"(wait_for '"event": "BLOCK_JOB_READY"')",
          R"({"arguments":{"device":"mirror","speed":0},"execute":"block-job-set-speed")",
          R"(qemu-io mirror-top \"discard 131072 65536\")",
          "# guest request #4: read 0 4096, skipped",
          R"(qemu-io mirror-top \"write -P 0x05 200704 512\")",
          R"("execute":"block-job-complete")",
          R"(wait_for '"event": "BLOCK_JOB_COMPLETED"')",
          "finish_qemu\ncompare\n",
      });
  EXPECT_TRUE(r.notes.empty());
  EXPECT_EQ(r.replayed_requests, 4u);  // the read is skipped
  EXPECT_NE(r.script.find("HAS_NOTES=0"), std::string::npos);
}

TEST(QemuReplay, ScriptIsValidShell) {
  const fs::path file =
      fs::temp_directory_path() / ("qemu_replay_test_" + std::to_string(getpid()));
  std::ofstream(file) << qemu_replay(small_case(), kTimeline, kRequests).script;
  const int status = std::system(("sh -n '" + file.string() + "'").c_str());
  fs::remove(file);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(QemuReplay, WhatCannotBeReplayedIsSaidInTheScriptAndTheVerdict) {
  Scenario s = small_case();
  s.faults.push_back(scenarios::FaultSpec{});
  s.commands.insert(s.commands.begin(), at(CommandKind::kWriteBlocking, 1500));
  const QemuReplay r = qemu_replay(s, kTimeline, kRequests);
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("fault rule"), std::string::npos);
  EXPECT_NE(r.notes[1].find("write_blocking"), std::string::npos);
  expect_in_order(r.script, {"# NOTE: 1 fault rule(s)", "# NOTE: write_blocking", "HAS_NOTES=1",
                             "echo 'note: 1 fault rule(s)", "(not replayed: see the notes above)"});
  EXPECT_EQ(r.script.find("block-job-change"), std::string::npos);
}

TEST(QemuReplay, CancelBeforeReadyHasNothingToCompare) {
  Scenario s = small_case();
  s.commands = {at(CommandKind::kCancel, 1000)};
  const QemuReplay r = qemu_replay(s, SimulatedTimeline{std::nullopt, 1 * kNsPerMs}, {});
  expect_in_order(r.script,
                  {R"({"arguments":{"device":"mirror","force":false},"execute":"block-job-cancel")",
                   R"(wait_for '"event": "BLOCK_JOB_C')", "finish_qemu\ncannot_judge"});
  EXPECT_EQ(r.script.find("\ncompare\n"), std::string::npos);
}

TEST(QemuReplay, RawDisksAndFullSyncNeedNoBacking) {
  Scenario s;
  s.source.length_bytes = 2 * kMiB;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.target.length_bytes = 2 * kMiB;
  const QemuReplay r = qemu_replay(s, SimulatedTimeline{kNsPerMs, 2 * kNsPerMs}, {});
  expect_in_order(
      r.script,
      {"create -q -f raw source.img 2097152", "-c 'write -P 0xb2 0 2097152' source.img",
       "create -q -f raw target.img 2097152", "compare -f raw -F raw source.img target.img",
       R"("sync":"full")", "block-job-complete", "finish_qemu\ncompare\n"});
  EXPECT_EQ(r.script.find("backing"), std::string::npos);
  EXPECT_EQ(r.script.find(" -b "), std::string::npos);
}

TEST(QemuReplay, ABytePatternNamesTheRequestThatWroteIt) {
  const QemuReplay r = qemu_replay(small_case(), kTimeline, kRequests);
  EXPECT_EQ(name_byte(r, 4096 + 100, 0x01),
            "guest request #1 (write, t=0.000500 s, offset 4096, 4096 bytes)");
  EXPECT_EQ(name_byte(r, 200704, 0x05),
            "guest request #5 (write, t=0.009000 s, offset 200704, 512 bytes)");
  EXPECT_EQ(name_byte(r, 0, 0x00), "zeroes");
  EXPECT_EQ(name_byte(r, 0, kBaseOldPattern), "the base image's old data");
  EXPECT_EQ(name_byte(r, 0, 0x01), "0x01, which no write of this case puts there");
  EXPECT_EQ(guest_write_pattern(160), 0xa0);
  EXPECT_EQ(guest_write_pattern(161), 0x01);
}

bool qemu_installed() {
  return std::system(
             "command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-img "
             ">/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1") == 0;
}

std::vector<fs::path> qemu72_findings() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(scenarios::regressions_dir() / "qemu-7.2")) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The verdict a finding's file says QEMU 7.2 gives ("# qemu-7.2 verdict: ...").
std::string expected_verdict(const fs::path& file) {
  const std::string text = testing_support::read_text(file);
  const std::string key = "qemu-7.2 verdict: ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return "";
  return text.substr(at + key.size(), text.find('\n', at) - at - key.size());
}

// The findings pass in the simulator: mirrorsim's engine does not have them
// (a finding the hunt found keeps the profile that shows it: it runs here on
// the default profile).
TEST(Qemu72Findings, PassInTheSimulator) {
  const auto files = qemu72_findings();
  ASSERT_GE(files.size(), 3u);
  for (const fs::path& file : files) {
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenarios::Scenario scenario = scenarios::load_scenario(file, load);
    scenario.mirror.profile = engine::Profile::kDefault;
    const properties::RunReport r = properties::run_scenario(scenario);
    EXPECT_TRUE(r.passed()) << file;
    EXPECT_TRUE(r.job.ended) << file;
    EXPECT_FALSE(expected_verdict(file).empty()) << file << " names no qemu-7.2 verdict";
  }
}

// The finding the hunt made still fails under the profile it was found with,
// and its export holds the two sibling copies (no QEMU needed to see that).
TEST(Qemu72Findings, HuntedFindingFailsUnderItsProfileAndExportsTwoHolds) {
  const fs::path file =
      scenarios::regressions_dir() / "qemu-7.2" / "sibling-copies-lose-guest-write.toml";
  const scenarios::Scenario scenario = scenarios::load_scenario(file);
  ASSERT_EQ(scenario.mirror.profile, engine::Profile::kQemu72);
  const properties::RunReport r = properties::run_scenario(scenario);
  const auto lost = std::find_if(r.verdicts.begin(), r.verdicts.end(), [](const auto& v) {
    return v.property == properties::property::kCompletionEquality && v.violated();
  });
  ASSERT_NE(lost, r.verdicts.end());
  EXPECT_NE(lost->message.find("at byte 0 "), std::string::npos) << lost->message;
  EXPECT_NE(lost->message.find("the source holds guest request #4"), std::string::npos)
      << lost->message;
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  const fs::path dir = fs::temp_directory_path() / ("qemu72_hunted_" + std::to_string(getpid()));
  const fs::path out = dir.string() + ".out";
  const std::string command = std::string("'") + bin + "' export qemu '" + file.string() +
                              "' -o '" + dir.string() + "' >'" + out.string() + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0);
  const std::string text = testing_support::read_text(out);
  EXPECT_NE(text.find("2 hold(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("one dirty run per speed kick"), std::string::npos) << text;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fs::remove(out, ignored);
}

// And they still go wrong on the QEMU this machine has.
TEST(Qemu72Findings, StillGoWrongOnQemu) {
  if (!qemu_installed()) GTEST_SKIP() << "QEMU is not installed";
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  for (const fs::path& file : qemu72_findings()) {
    const fs::path dir =
        fs::temp_directory_path() / ("qemu72_" + file.stem().string() + std::to_string(getpid()));
    const fs::path out = dir.string() + ".out";
    // A finding confirmed with holds names `mirrorsim export qemu` as its
    // command; the others replay with qemu-replay.
    const bool exported =
        testing_support::read_text(file).find("mirrorsim export qemu") != std::string::npos;
    const std::string command = std::string("'") + bin +
                                (exported ? "' export qemu '" : "' qemu-replay '") + file.string() +
                                "' --out '" + dir.string() + "' --run >'" + out.string() + "' 2>&1";
    std::system(command.c_str());
    const std::string text = testing_support::read_text(out);
    EXPECT_NE(text.find(expected_verdict(file)), std::string::npos) << file << "\n" << text;
    if (exported) {
      // The control: the holds released before the guest request, the
      // images agree, so the difference comes from QEMU, not the script.
      const std::string control =
          "python3 '" + (dir / "replay.py").string() + "' --undo >'" + out.string() + "' 2>&1";
      EXPECT_EQ(std::system(control.c_str()), 0) << file;
      EXPECT_NE(testing_support::read_text(out).find("QEMU agrees"), std::string::npos)
          << file << "\n"
          << testing_support::read_text(out);
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    fs::remove(out, ignored);
  }
}

// Real QEMU: the founding case must replay to "QEMU agrees".
TEST(QemuReplayOnQemu, FoundingCaseAgrees) {
  if (std::system("command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-img "
                  ">/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "QEMU is not installed (tools/deps.sh installs qemu-system-x86 and qemu-utils)";
  }
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  const fs::path dir = fs::temp_directory_path() / ("qemu_replay_e2e_" + std::to_string(getpid()));
  const fs::path out = dir.string() + ".out";
  const std::string command = std::string("'") + bin + "' qemu-replay '" +
                              scenarios::library_file("cow-founding").string() + "' --out '" +
                              dir.string() + "' --run >'" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::string text = testing_support::read_text(out);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fs::remove(out, ignored);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;
  EXPECT_NE(text.find("QEMU agrees: the target equals the source\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace mirrorsim::reports
