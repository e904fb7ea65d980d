// qemu-diff: QEMU's trace and QMP output read right, both sides folded and
// compared; and every case of scenarios/qemu-diff/ matching op for op on
// the QEMU this machine has (label `qemu`; skipped without QEMU).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/qemu_diff.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "tests/cli_support.h"
#include "tests/scenario_file_param.h"

namespace mirrorsim::reports {
namespace {

namespace fs = std::filesystem;
using Kind = OpEvent::Kind;

OpEvent start(std::uint64_t offset, std::uint64_t length) {
  return {Kind::kCopyStart, {offset, length}};
}
OpEvent end(std::uint64_t offset, std::uint64_t length) {
  return {Kind::kOpEnd, {offset, length}};
}
const OpEvent kGuest{Kind::kGuestRequest, {}};

TEST(QemuDiffTrace, ReadsStartsEndsAndTheFirstGuestRequest) {
  const std::vector<OpEvent> events = parse_qemu_trace(
      "mirror_one_iteration s 0x55d0 offset 0 bytes 1048576\n"
      "1234@1796130347.670771:mirror_one_iteration s 0x55d0 offset 3145728 bytes 65536\n"
      "mirror_yield_in_flight s 0x55d0 offset 0 in_flight 16\n"
      "handle_hmp_command mon 0x1 cmdline: qemu-io mirror-top \"write -P 0x01 0 4096\"\n"
      "mirror_iteration_done s 0x55d0 offset 0 bytes 1048576 ret 0\n"
      "handle_hmp_command mon 0x1 cmdline: qemu-io mirror-top \"flush\"\n"
      "mirror_one_iteration s 0x55d0 offset 7340032 by");  // cut short by a kill
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, Kind::kCopyStart);
  EXPECT_EQ(events[0].op, (DiffOp{0, 1048576}));
  EXPECT_EQ(events[1].op, (DiffOp{3145728, 65536}));
  EXPECT_EQ(events[2].kind, Kind::kGuestRequest);
  EXPECT_EQ(events[3].kind, Kind::kOpEnd);
  EXPECT_EQ(events[3].op, (DiffOp{0, 1048576}));
}

TEST(QemuDiffAccount, CountsCopiesOtherOpsAndOverlapPerCluster) {
  // Three copies widened over cluster 0 at once (QEMU 7.2's COW case), a
  // zero write that only ends, a copy over clusters 5 and 6.
  const std::vector<OpEvent> events = {
      start(0, 1 << 20), start(0, 1 << 20),     start(0, 1 << 20),
      end(0, 1 << 20),   end(4 << 20, 1 << 20), start(5 << 20, 2 << 20),
      end(0, 1 << 20),   end(0, 1 << 20),       end(5 << 20, 2 << 20)};
  const OpAccount a = account_of(events, 1 << 20);
  EXPECT_EQ(a.copies.size(), 4u);
  EXPECT_EQ(a.all_copies, 4u);
  EXPECT_EQ(a.other_ops, 1u);
  EXPECT_EQ(a.max_in_flight_per_cluster, 3u);
  EXPECT_FALSE(a.cut_at_guest_request);
  // Per 64 KiB chunk the copy over [5 MiB, 7 MiB) meets no other.
  const std::vector<OpEvent> apart = {start(0, 65536), end(0, 65536), start(65536, 65536),
                                      start(131072, 65536)};
  EXPECT_EQ(account_of(apart, 65536).max_in_flight_per_cluster, 1u);
}

TEST(QemuDiffAccount, OpsAfterTheFirstGuestRequestAreCountedNotCompared) {
  const std::vector<OpEvent> events = {start(0, 65536), kGuest, start(0, 65536),
                                       start(65536, 65536)};
  const OpAccount a = account_of(events, 65536);
  EXPECT_TRUE(a.cut_at_guest_request);
  EXPECT_EQ(a.copies, (std::vector<DiffOp>{{0, 65536}}));
  EXPECT_EQ(a.all_copies, 3u);
  EXPECT_EQ(a.max_in_flight_per_cluster, 1u);
}

TEST(QemuDiffOutcome, ReadsTheJobsEndFromQmp) {
  const std::string ready =
      R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BLOCK_JOB_READY"})"
      "\n";
  EXPECT_EQ(qemu_outcome(ready), "did not end");
  EXPECT_EQ(qemu_outcome(ready + R"({"event": "BLOCK_JOB_COMPLETED", "data": {"len": 1}})"),
            "completed");
  EXPECT_EQ(
      qemu_outcome(ready + R"({"event": "BLOCK_JOB_COMPLETED", "data": {"error": "Input/output )"
                           R"(error", "len": 1}})"),
      "failed: Input/output error");
  EXPECT_EQ(qemu_outcome(R"({"event": "BLOCK_JOB_CANCELLED", "data": {}})"), "cancelled");
}

DiffSide side(std::vector<OpEvent> events) {
  return DiffSide{account_of(events, 1 << 20), "completed", "equal"};
}

TEST(QemuDiffCompare, EqualSidesAgree) {
  const DiffSide a = side({start(0, 1 << 20), end(0, 1 << 20), start(1 << 20, 1 << 20)});
  const DiffResult r = compare_sides(a, a, "qemu-7.2");
  EXPECT_TRUE(r.agrees) << r.text;
  EXPECT_FALSE(r.order_cut);
  EXPECT_NE(r.text.find("simulator (qemu-7.2)"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("DIFFERS"), std::string::npos) << r.text;
}

TEST(QemuDiffCompare, NamesTheFirstDifferentOpOnBothSides) {
  const DiffSide sim = side({start(0, 1 << 20), start(3 << 20, 1 << 20)});
  const DiffSide qemu = side({start(0, 1 << 20), start(0, 1 << 20), start(3 << 20, 1 << 20)});
  const DiffResult r = compare_sides(sim, qemu, "default");
  EXPECT_FALSE(r.agrees);
  EXPECT_NE(r.text.find("first different copy op (#2)"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("offset 3145728 length 1048576"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("offset 0 length 1048576"), std::string::npos) << r.text;
}

TEST(QemuDiffCompare, AShorterSideDiffersWhereItEnds) {
  const DiffSide sim = side({start(0, 1 << 20)});
  const DiffSide qemu = side({start(0, 1 << 20), start(1 << 20, 1 << 20)});
  const DiffResult r = compare_sides(sim, qemu, "default");
  EXPECT_FALSE(r.agrees);
  const std::size_t row = r.text.find("first different copy op (#2)");
  ASSERT_NE(row, std::string::npos) << r.text;
  const std::string line = r.text.substr(row, r.text.find('\n', row) - row);
  EXPECT_NE(line.find("(none)"), std::string::npos) << line;
  EXPECT_NE(line.find("offset 1048576 length 1048576"), std::string::npos) << line;
}

TEST(QemuDiffCompare, WithGuestRequestsOnlyTheSharedPrefixCounts) {
  // The simulator met its first guest request after one op, QEMU after two:
  // one op is compared, and the ops after it may differ.
  const DiffSide sim = side({start(0, 1 << 20), kGuest, start(5 << 20, 1 << 20)});
  const DiffSide qemu = side({start(0, 1 << 20), start(1 << 20, 1 << 20), kGuest});
  const DiffResult r = compare_sides(sim, qemu, "qemu-7.2");
  EXPECT_TRUE(r.agrees) << r.text;
  EXPECT_TRUE(r.order_cut);
  EXPECT_NE(r.text.find("copy ops in order (1 compared)"), std::string::npos) << r.text;
  // A difference inside the shared prefix still counts.
  const DiffSide other = side({start(2 << 20, 1 << 20), kGuest});
  EXPECT_FALSE(compare_sides(other, qemu, "qemu-7.2").agrees);
}

TEST(QemuDiffCompare, OutcomeAndImagesCount) {
  const DiffSide a = side({start(0, 1 << 20)});
  DiffSide failed = a;
  failed.outcome = "failed: EIO";
  DiffSide failed_too = a;
  failed_too.outcome = "failed: Input/output error";
  EXPECT_FALSE(compare_sides(a, failed, "default").agrees);
  EXPECT_TRUE(compare_sides(failed, failed_too, "default").agrees);
  DiffSide differ = a;
  differ.image = "differ";
  EXPECT_FALSE(compare_sides(a, differ, "default").agrees);
}

// ---- on real QEMU -------------------------------------------------------

bool qemu_installed() {
  return std::system(
             "command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-img "
             ">/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1") == 0;
}

std::vector<fs::path> qemu_diff_cases() {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::directory_iterator(scenarios::library_dir().parent_path() / "qemu-diff")) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class QemuDiff : public testing::TestWithParam<testing_support::ScenarioFileParam> {};

TEST_P(QemuDiff, MatchesOpForOp) {
  if (!qemu_installed()) {
    GTEST_SKIP() << "QEMU is not installed (tools/deps.sh installs qemu-system-x86 and qemu-utils)";
  }
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  const fs::path dir =
      fs::temp_directory_path() / ("qemu_diff_" + GetParam().name + "_" + std::to_string(getpid()));
  const fs::path out = dir.string() + ".out";
  const std::string command = std::string("'") + bin + "' qemu-diff '" + GetParam().file.string() +
                              "' --out '" + dir.string() + "' >'" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::string text = testing_support::read_text(out);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fs::remove(out, ignored);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;
  EXPECT_NE(text.find("simulator (qemu-7.2)"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict: the simulator and QEMU agree\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("DIFFERS"), std::string::npos) << text;
}

// scenarios/qemu-diff/findings/: cases where QEMU 7.2 goes wrong and the
// simulator does not; each names the verdict QEMU gives ("# qemu-7.2
// verdict: ...").
std::vector<fs::path> findings() {
  std::vector<fs::path> files;
  const fs::path dir = scenarios::library_dir().parent_path() / "qemu-diff" / "findings";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string expected_verdict(const fs::path& file) {
  const std::string text = testing_support::read_text(file);
  const std::string key = "qemu-7.2 verdict: ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return "";
  return text.substr(at + key.size(), text.find('\n', at) - at - key.size());
}

TEST(QemuDiffFindings, PassInTheSimulatorUnderBothProfiles) {
  const auto files = findings();
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    EXPECT_FALSE(expected_verdict(file).empty()) << file << " names no qemu-7.2 verdict";
    scenarios::LoadOptions load;
    load.known_bugs = properties::known_bug_names();
    scenarios::Scenario s = scenarios::load_scenario(file, load);
    for (const engine::Profile profile : {engine::Profile::kDefault, engine::Profile::kQemu72}) {
      s.mirror.profile = profile;
      const properties::RunReport r = properties::run_scenario(s);
      EXPECT_TRUE(r.passed()) << file << " " << engine::profile_name(profile);
      EXPECT_TRUE(r.job.ended) << file;
    }
  }
}

TEST(QemuDiffFindings, StillDifferOnQemu) {
  if (!qemu_installed()) GTEST_SKIP() << "QEMU is not installed";
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  for (const fs::path& file : findings()) {
    const fs::path dir = fs::temp_directory_path() / ("qemu_diff_finding_" + file.stem().string() +
                                                      "_" + std::to_string(getpid()));
    const fs::path out = dir.string() + ".out";
    const std::string command = std::string("'") + bin + "' qemu-diff '" + file.string() +
                                "' --out '" + dir.string() + "' >'" + out.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    const std::string text = testing_support::read_text(out);
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    fs::remove(out, ignored);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << file << "\n" << text;
    EXPECT_NE(text.find(expected_verdict(file)), std::string::npos) << file << "\n" << text;
  }
}

// Runs `mirrorsim qemu-diff` with `env` before it; its exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string text;
};
CommandResult qemu_diff(const std::string& env, const std::string& args) {
  const char* bin = std::getenv("MIRRORSIM_BIN");
  const fs::path dir = fs::temp_directory_path() / ("qemu_diff_cli_" + std::to_string(getpid()));
  const fs::path out = dir.string() + ".out";
  const std::string command = env + " '" + bin + "' qemu-diff " + args + " --out '" + dir.string() +
                              "' >'" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  CommandResult r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing_support::read_text(out)};
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fs::remove(out, ignored);
  return r;
}

TEST(QemuDiffCommand, BadInputCannotRunAndCannotJudge) {
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  const std::string case_file =
      "'" +
      (scenarios::library_dir().parent_path() / "qemu-diff" / "raw-granularity-1m.toml").string() +
      "'";
  EXPECT_EQ(qemu_diff("", "no-such-case.toml").exit_code, 2);
  const CommandResult profile = qemu_diff("", case_file + " --profile qemu-9");
  EXPECT_EQ(profile.exit_code, 2) << profile.text;
  // No QEMU (the replay script takes the binary from $QEMU).
  const CommandResult missing = qemu_diff("QEMU=no-such-qemu-system", case_file);
  EXPECT_EQ(missing.exit_code, 3) << missing.text;
  EXPECT_NE(missing.text.find("cannot run: no-such-qemu-system is not installed"),
            std::string::npos)
      << missing.text;
  // Guest writes during the job: QEMU's op order is not the simulation's.
  if (!qemu_installed()) GTEST_SKIP() << "QEMU is not installed";
  const CommandResult guest =
      qemu_diff("", "'" + scenarios::library_file("cow-founding").string() + "'");
  EXPECT_EQ(guest.exit_code, 4) << guest.text;
  EXPECT_NE(guest.text.find("verdict: cannot judge: guest requests during the job"),
            std::string::npos)
      << guest.text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, QemuDiff, testing::ValuesIn(testing_support::scenario_file_params(qemu_diff_cases())),
    testing_support::scenario_file_param_name);

}  // namespace
}  // namespace mirrorsim::reports
