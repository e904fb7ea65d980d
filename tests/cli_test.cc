// The `mirrorsim` command as a user meets it: the built binary (its path in
// MIRRORSIM_BIN, which ctest sets; the tests skip without it) is run through
// the shell, and exit codes, stdout and stderr are checked.
//   0: every property held; 1: a correctness property was violated; 2: bad
//   input; 4: inconclusive; 5: a liveness failure; 7: a determinism mismatch
//   (cli/exit_codes.h has them all).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/known_bugs.h"
#include "scenarios/library.h"
#include "tests/cli_support.h"

namespace mirrorsim {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

using testing_support::without_sanitizer_notes;

std::string read_file(const fs::path& path) {
  return testing_support::read_text(path);
}

std::string quoted(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class CliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("MIRRORSIM_BIN");
    if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
    bin_ = bin;
    ASSERT_TRUE(fs::exists(bin_)) << bin_;
    // One folder per process: ctest runs test cases in parallel.
    dir_ = fs::temp_directory_path() / ("mirrorsim_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  CliResult run(const std::vector<std::string>& args) const {
    std::string command = quoted(bin_);
    for (const std::string& a : args) command += " " + quoted(a);
    const fs::path out = dir_ / "stdout.txt";
    const fs::path err = dir_ / "stderr.txt";
    command += " >" + quoted(out.string()) + " 2>" + quoted(err.string());
    const int status = std::system(command.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out);
    r.err = without_sanitizer_notes(read_file(err));
    return r;
  }

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = dir_ / name;
    std::ofstream(file) << text;
    return file;
  }

  std::string bin_;
  fs::path dir_;
};

std::string library(const std::string& name) {
  return scenarios::library_file(name).string();
}

// The value on the line that starts with `prefix`, or "".
std::string line_after(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::size_t at = line.find(prefix);
    if (at != std::string::npos) return line.substr(at + prefix.size());
  }
  return "";
}

// ---- running scenarios ---------------------------------------------------------

TEST_F(CliTest, RunSetOverridesAKeyAndABadSetIsOneLineExit2) {
  const CliResult bug =
      run({"run", library("cow-founding"), "--quiet", "--set", "mirror.bugs=[\"cow-no-round\"]"});
  EXPECT_EQ(bug.exit_code, 1) << bug.out << bug.err;
  const CliResult bad = run({"run", library("cow-founding"), "--set", "mirror.sync=fast"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(
      bad.err.find(":0: mirror.sync: 'fast' is not a choice here (from --set mirror.sync=fast)"),
      std::string::npos)
      << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_EQ(run({"run", library("cow-founding"), "--set", "seed"}).exit_code, 2);
}

// io-mirror runs from the command line like the QEMU job; QEMU itself
// runs only its own job, so a replay or diff of an io-mirror case is bad
// input, and so is an unknown --algorithm.
TEST_F(CliTest, AnIoMirrorCaseRunsButQemuReplayRefusesItAndABadAlgorithmIsExit2) {
  const std::string text =
      "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = "
      "\"1MiB\"\n[mirror]\nsync = \"full\"\nalgorithm = \"io-mirror\"\n";
  const std::string file = write("io.toml", text).string();
  const CliResult ran = run({"run", file});
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_NE(ran.out.find("algorithm io-mirror"), std::string::npos) << ran.out;
  for (const char* command : {"qemu-replay", "qemu-diff"}) {
    const CliResult refused = run({command, file, "--out", (dir_ / "replay").string()});
    EXPECT_EQ(refused.exit_code, 2) << command << refused.out << refused.err;
    EXPECT_NE(refused.err.find("mirror.algorithm: \"io-mirror\" has no QEMU counterpart"),
              std::string::npos)
        << refused.err;
    EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  }
  const CliResult bad = run({"check", "--cases", "1", "--algorithm", "paxos"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--algorithm: 'paxos' is not an algorithm"), std::string::npos) << bad.err;
}

TEST_F(CliTest, RunJsonCarriesItsInputsAndTheJobsEffectiveParameters) {
  const CliResult r = run({"run", library("cow-founding"), "--json", "--seed", "4", "--set",
                           "target.latency_us=300us", "--set", "mirror.buf_size_bytes=3MiB"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inputs"]["seed"], 4);
  EXPECT_EQ(j["inputs"]["target"]["latency_us"], 300);
  EXPECT_EQ(j["inputs"]["mirror"]["buf_size_bytes"], 3 * 1024 * 1024);
  EXPECT_EQ(j["inputs"]["mirror"]["sync"], "top");
  // The job rounds and derives: buf-size stays a multiple of the chunk, COW
  // is on for a 1 MiB target cluster over 64 KiB chunks.
  EXPECT_EQ(j["job"]["granularity_bytes"], 64 * 1024);
  EXPECT_EQ(j["job"]["buf_size_bytes"].get<std::uint64_t>() % (64 * 1024), 0u);
  EXPECT_EQ(j["job"]["cow"], true);
  EXPECT_EQ(j["job"]["target_cluster_bytes"], 1024 * 1024);
}

TEST_F(CliTest, RunOfALibraryScenarioPasses) {
  const CliResult r = run({"run", library("complete")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("outcome: completed (pivoted to the target)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("holds     completion-equality"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("VIOLATED"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("replay:"), std::string::npos) << r.out;
  EXPECT_FALSE(line_after(r.out, "event-log hash ").empty()) << r.out;
}

TEST_F(CliTest, AKnownBugIsCaughtWithAReplayLineThatReproducesIt) {
  const CliResult r = run({"run", library("cow-founding"), "--bug", "cow-no-round"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATED  completion-equality"), std::string::npos) << r.out;
  const std::string replay = line_after(r.out, "replay: ");
  ASSERT_FALSE(replay.empty()) << r.out;
  EXPECT_NE(replay.find("--seed 1"), std::string::npos) << replay;
  EXPECT_NE(replay.find("--bug cow-no-round"), std::string::npos) << replay;
  EXPECT_NE(replay.find("cow-founding.toml"), std::string::npos) << replay;

  // The printed command (less the program name) replays the same run.
  std::istringstream words(replay);
  std::string program;
  words >> program;
  EXPECT_EQ(program, "mirrorsim");
  std::vector<std::string> args;
  for (std::string w; words >> w;) args.push_back(w);
  const CliResult again = run(args);
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_EQ(line_after(again.out, "event-log hash "), line_after(r.out, "event-log hash "));
}

TEST_F(CliTest, SeedFlagOverridesTheFile) {
  const CliResult a = run({"run", library("complete"), "--seed", "7"});
  const CliResult b = run({"run", library("complete"), "--seed", "7"});
  const CliResult c = run({"run", library("complete"), "--seed", "8"});
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_NE(a.out.find("seed 7"), std::string::npos) << a.out;
  EXPECT_EQ(line_after(a.out, "event-log hash "), line_after(b.out, "event-log hash "));
  EXPECT_NE(line_after(a.out, "event-log hash "), line_after(c.out, "event-log hash "));
}

TEST_F(CliTest, JsonReportParses) {
  const CliResult r = run({"run", library("zero-length"), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_TRUE(report.is_object());
}

TEST_F(CliTest, TraceFileIsChromeTraceEventJson) {
  const fs::path trace = dir_ / "out.json";
  const CliResult r = run({"run", library("cow-founding"), "--trace", trace.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(trace);
  ASSERT_TRUE(in.good()) << trace;
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "not valid JSON";
  ASSERT_TRUE(doc.contains("traceEvents"));
  const nlohmann::json& events = doc["traceEvents"];
  ASSERT_TRUE(events.is_array());
  ASSERT_FALSE(events.empty());

  // The process called "disks" holds the disk request slices.
  int disks_pid = -1;
  for (const nlohmann::json& e : events) {
    if (e.value("ph", "") == "M" && e.value("name", "") == "process_name" &&
        e["args"].value("name", "") == "disks") {
      disks_pid = e["pid"].get<int>();
    }
  }
  ASSERT_NE(disks_pid, -1) << "no process named disks";
  int writes = 0;
  int reads = 0;
  for (const nlohmann::json& e : events) {
    ASSERT_TRUE(e.contains("ph") && e["ph"].is_string()) << e.dump();
    if (e["ph"] != "X" || e.value("pid", -1) != disks_pid) continue;
    EXPECT_TRUE(e["ts"].is_number()) << e.dump();
    EXPECT_TRUE(e["dur"].is_number()) << e.dump();
    EXPECT_GE(e["dur"].get<double>(), 0.0) << e.dump();
    EXPECT_TRUE(e.contains("tid")) << e.dump();
    if (e["name"] == "write") ++writes;
    if (e["name"] == "read") ++reads;
  }
  EXPECT_GT(writes, 0);
  EXPECT_GT(reads, 0);
}

// ---- listing, version ------------------------------------------------------------

TEST_F(CliTest, ListBugsNamesEveryKnownBug) {
  const CliResult r = run({"list", "bugs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> listed;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    if (words >> first) listed.push_back(first);
  }
  // Every switch the engine knows, in catalogue order...
  std::vector<std::string> known;
  for (const engine::BugInfo& info : engine::known_bugs()) known.emplace_back(info.name);
  EXPECT_EQ(listed, known) << r.out;
  // ...starting with the fourteen of BUGS.md (more may be added after them).
  const std::vector<std::string> catalogue = {"cow-no-round",
                                              "tail-not-clamped",
                                              "cow-past-end",
                                              "no-size-check",
                                              "buf-below-cluster",
                                              "conflict-first-chunk",
                                              "discard-clears-dirty",
                                              "pivot-race",
                                              "trust-zero-init",
                                              "active-clear-outward",
                                              "active-starves-background",
                                              "stop-pauses-per-op",
                                              "soft-cancel-drops-inflight",
                                              "zero-length-no-ready"};
  ASSERT_GE(listed.size(), catalogue.size()) << r.out;
  EXPECT_EQ(std::vector(listed.begin(), listed.begin() + catalogue.size()), catalogue) << r.out;
}

TEST_F(CliTest, ListScenariosNamesTheLibrary) {
  const CliResult r = run({"list", "scenarios"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const fs::path& file : scenarios::library_files()) {
    EXPECT_NE(r.out.find(file.stem().string()), std::string::npos) << file;
  }
}

// docs/scenario.md is what `mirrorsim list keys` prints, byte for byte.
TEST_F(CliTest, ListKeysPrintsTheScenarioReferenceInDocs) {
  const CliResult r = run({"list", "keys"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const fs::path docs = fs::path(__FILE__).parent_path().parent_path() / "docs" / "scenario.md";
  EXPECT_EQ(r.out, read_file(docs))
      << "docs/scenario.md is out of date: run `mirrorsim list keys > docs/scenario.md`";
  EXPECT_NE(r.out.find("| `granularity_bytes` | size | bytes |"), std::string::npos);
}

TEST_F(CliTest, Version) {
  const CliResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^mirrorsim \d+\.\d+\.\d+)"))) << r.out;
}

TEST_F(CliTest, UnknownBugFlagIsBadInput) {
  const CliResult r = run({"run", library("complete"), "--bug", "made-up-bug"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("--bug"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("made-up-bug"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cow-no-round"), std::string::npos) << r.err;  // the known ones
}

TEST_F(CliTest, MissingFileAndBadCommandLinesAreBadInput) {
  EXPECT_EQ(run({"run", (dir_ / "no-such-file.toml").string()}).exit_code, 2);
  EXPECT_EQ(run({"run"}).exit_code, 2);
  EXPECT_EQ(run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run({"run", library("complete"), "--seed", "minus-one"}).exit_code, 2);
}

// Paths that are not scenario files: one line naming the file, exit 2, at
// once (/dev/zero is not read for gigabytes).
TEST_F(CliTest, DirectoriesAndDevicesAreNotScenarios) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir_.string(), "is a directory"},
      {"/dev/null", "empty (0 bytes)"},
      {"/dev/zero", "larger than 1 MiB"}};
  for (const auto& [path, what] : cases) {
    if (!fs::exists(path)) continue;
    const auto start = std::chrono::steady_clock::now();
    const CliResult r = run({"run", path});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << path;
    EXPECT_EQ(r.exit_code, 2) << path << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(path + ":0: file: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("mirror.sync"), std::string::npos) << r.err;
  }
}

// Source and target of different lengths load; the job refuses to start,
// and with the bug that skips the check the run fails.
TEST_F(CliTest, LengthsThatDifferLoadAndTheJobRefusesToStart) {
  const fs::path file =
      write("lengths.toml",
            "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"2MiB\"\n"
            "[mirror]\nsync = \"full\"\n");
  const CliResult r = run({"run", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("outcome: refused to start"), std::string::npos) << r.out;
  const CliResult bug = run({"run", file.string(), "--bug", "no-size-check"});
  EXPECT_EQ(bug.exit_code, 1) << bug.out << bug.err;
  EXPECT_NE(bug.out.find("VIOLATED  state-machine"), std::string::npos) << bug.out;
}

// A run that ends (time limit) with a guest request inside the mirror job
// used to abort the process at teardown (tests/data/found_teardown_crash.toml).
TEST_F(CliTest, RunEndingWithGuestIoInFlightReportsInsteadOfAborting) {
  const fs::path file = fs::path(__FILE__).parent_path() / "data" / "found_teardown_crash.toml";
  const CliResult r = run({"run", file.string()});
  EXPECT_EQ(r.exit_code, 5) << r.err;  // a liveness failure
  EXPECT_NE(r.out.find("VIOLATED  liveness"), std::string::npos) << r.out;
}

// A guest write landing on the source after the pivot (the bug
// precopy-pause-no-drain) while the source's write cache still held
// volatile writes and the World had written post-pivot content straight
// into it crashed the run; the source's cache ends at the pivot now
// (tests/data/found_late_source_write_after_pivot.toml).
TEST_F(CliTest, ALateSourceWriteAfterThePivotIsJudgedNotACrash) {
  const fs::path file =
      fs::path(__FILE__).parent_path() / "data" / "found_late_source_write_after_pivot.toml";
  const CliResult r = run({"run", file.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // a correctness failure
  EXPECT_NE(r.out.find("holds     no-crash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("VIOLATED  completion-equality"), std::string::npos) << r.out;
}

// ---- exit codes: one per kind of failure -----------------------------------------

// A violated correctness property exits 1, a liveness failure 5; --json
// names the kind.
TEST_F(CliTest, EachKindOfFailureHasItsOwnExitCode) {
  const CliResult wrong = run({"run", library("cow-founding"), "--bug", "cow-no-round", "--json"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_EQ(nlohmann::json::parse(wrong.out).at("failure_kind"), "correctness") << wrong.out;

  // Each stop on error pauses the job again: nothing resumes it, a stall.
  const CliResult stuck =
      run({"run", library("read-error-stop"), "--bug", "stop-pauses-per-op", "--json"});
  EXPECT_EQ(stuck.exit_code, 5) << stuck.out << stuck.err;
  EXPECT_EQ(nlohmann::json::parse(stuck.out).at("failure_kind"), "liveness") << stuck.out;

  const CliResult fine = run({"run", library("complete"), "--json"});
  EXPECT_EQ(fine.exit_code, 0) << fine.out << fine.err;
  EXPECT_TRUE(nlohmann::json::parse(fine.out).at("failure_kind").is_null()) << fine.out;
}

// --check-determinism runs the scenario twice and judges the hashes as one
// more property (a mismatch would exit 7; the engine gives none to show, so
// tests/campaign_parts_test.cc feeds determinism_verdict two hashes).
TEST_F(CliTest, CheckDeterminismRunsTwiceAndReportsTheProperty) {
  const CliResult r = run({"run", library("complete"), "--check-determinism"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("holds     determinism"), std::string::npos) << r.out;
  const CliResult bug =
      run({"run", library("cow-founding"), "--bug", "cow-no-round", "--check-determinism"});
  EXPECT_EQ(bug.exit_code, 1) << bug.out << bug.err;
  EXPECT_NE(bug.out.find("holds     determinism"), std::string::npos) << bug.out;
  EXPECT_NE(line_after(bug.out, "replay: ").find("--check-determinism"), std::string::npos)
      << bug.out;
}

TEST_F(CliTest, HelpListsTheExitCodes) {
  const CliResult r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* code : {"1 correctness", "2 bad input", "3 internal", "4 inconclusive",
                           "5 liveness", "6 crash", "7 determinism", "130 interrupted"}) {
    EXPECT_NE(r.out.find(code), std::string::npos) << code << "\n" << r.out;
  }
}

// A run cut short by its limit while the job still copies is inconclusive:
// exit 4, the copy rate and what is left in human units, no replay line.
// ---- comparing sweeps -------------------------------------------------------------

TEST_F(CliTest, CompareListsOutcomeChangesAndFailsOnThemOnlyWhenAsked) {
  const auto rows = [](bool converged) {
    std::string out;
    for (int seed : {1, 2}) {
      out += R"({"run":0,"cell":0,"seed":)" + std::to_string(seed) +
             R"(,"mirror.granularity_bytes":65536,"failure_kind":null,"converged":)" +
             (converged ? "true" : "false") +
             R"(,"time_to_ready_s":1.5,"written_bytes":100,"guest_write_p99_us":20,"hash":"ab"})" +
             "\n";
    }
    return out;
  };
  const fs::path a = write("a.jsonl", rows(true));
  const fs::path b = write("b.jsonl", rows(false));
  const CliResult same = run({"compare", a.string(), a.string(), "--fail-on-change"});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("2 of 2 paired runs (same cell and seed) identical"), std::string::npos)
      << same.out;
  const CliResult changed = run({"compare", a.string(), b.string()});
  EXPECT_EQ(changed.exit_code, 0) << changed.out << changed.err;
  EXPECT_NE(changed.out.find("mirror.granularity_bytes=64 KiB: A 2 converged -> B 2 not converged"),
            std::string::npos)
      << changed.out;
  const CliResult strict = run({"compare", a.string(), b.string(), "--fail-on-change"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  const CliResult missing = run({"compare", a.string(), (dir_ / "none").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("mirrorsim compare: "), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
}

TEST_F(CliTest, RunStillProgressingAtItsLimitExitsInconclusive) {
  const fs::path file = write("slow.toml", R"(name = "slow"
[limits]
max_time_us = "5s"
[source]
length_bytes = "14MiB"
zero_init = false
old_data = true
latency_us = "1ms"
[target]
length_bytes = "14MiB"
latency_us = "1ms"
[mirror]
sync = "full"
granularity_bytes = 512
buf_size_bytes = 512
)");
  const CliResult r = run({"run", file.string()});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("outcome: inconclusive: still progressing at the limit (virtual time "
                       "limit of 5 s reached)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("KiB/s"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("replay:"), std::string::npos) << r.out;
  const CliResult json = run({"run", file.string(), "--json"});
  EXPECT_EQ(json.exit_code, 4) << json.out << json.err;
  EXPECT_NE(json.out.find("\"inconclusive\": true"), std::string::npos) << json.out;
}

// ---- malformed scenario files ------------------------------------------------------

struct Malformed {
  const char* name;
  std::string text;
  int line;          // the line the message names
  std::string key;   // the key path it names
  std::string what;  // a part of the problem it states
};

// For gtest's messages and ctest's test names.
void PrintTo(const Malformed& c, std::ostream* os) {
  *os << c.name;
}

// A valid scenario: lines 1-6.
const std::string kHead =
    "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n[mirror]\nsync = "
    "\"full\"\n";

std::vector<Malformed> malformed_cases() {
  return {
      {"TruncatedToml", "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1M", 4,
       "syntax", "end-of-file"},
      {"TruncatedTable", kHead + "[[commands]\n", 7, "syntax", ""},
      {"DuplicateKey", kHead + "sync = \"top\"\n", 7, "syntax", ""},
      {"UnknownKey", kHead + "granularty = 4096\n", 7, "mirror.granularty", "unknown key"},
      {"UnknownSection", kHead + "[mirrorr]\nsync = \"full\"\n", 7, "mirrorr", "unknown key"},
      {"WrongTypeBool", kHead + "unmap = \"yes\"\n", 7, "mirror.unmap", "wrong type"},
      {"WrongTypeSize", kHead + "buf_size_bytes = true\n", 7, "mirror.buf_size_bytes",
       "wrong type"},
      {"NaN", kHead + "[workload]\nrate_iops = nan\n", 8, "workload.rate_iops", "nan"},
      {"Infinity",
       "[source]\nlength_bytes = \"1MiB\"\nlatency_us = inf\n[target]\nlength_bytes = \"1MiB\"\n"
       "[mirror]\nsync = \"full\"\n",
       3, "source.latency_us", "inf"},
      {"NegativeSize",
       "[source]\nlength_bytes = -512\n[target]\nlength_bytes = \"1MiB\"\n[mirror]\n"
       "sync = \"full\"\n",
       2, "source.length_bytes", "negative"},
      {"NegativeCount", kHead + "[limits]\nmax_events = -1\n", 8, "limits.max_events", "negative"},
      {"OverflowingInteger", "seed = 99999999999999999999\n" + kHead, 1, "syntax", ""},
      {"OverflowingSize",
       "[source]\nlength_bytes = \"99999999TiB\"\n[target]\nlength_bytes = \"1MiB\"\n"
       "[mirror]\nsync = \"full\"\n",
       2, "source.length_bytes", "64 bits"},
      {"FloatSize", kHead + "buf_size_bytes = 4096.5\n", 7, "mirror.buf_size_bytes",
       "floating-point"},
      {"BadSizeUnit", kHead + "buf_size_bytes = \"64KB\"\n", 7, "mirror.buf_size_bytes",
       "not a size"},
      {"GranularityNotPowerOfTwo", kHead + "granularity_bytes = 3000\n", 7,
       "mirror.granularity_bytes", "not a power of two"},
      {"Cluster3MiB",
       "[source]\nlength_bytes = \"4MiB\"\n[target]\nlength_bytes = \"4MiB\"\n"
       "kind = \"cluster\"\ncluster_bytes = \"3MiB\"\n[mirror]\nsync = \"full\"\n",
       6, "target.cluster_bytes", "not a power of two"},
      {"LengthNotSectorMultiple",
       "[source]\nlength_bytes = 1000\n[target]\nlength_bytes = 1000\n[mirror]\n"
       "sync = \"full\"\n",
       2, "source.length_bytes", "multiple of 512"},
      {"MissingSync",
       "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n[mirror]\n"
       "speed_bytes_per_s = 0\n",
       5, "mirror.sync", "missing"},
      {"BadSyncName",
       "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n[mirror]\n"
       "sync = \"partial\"\n",
       6, "mirror.sync", "partial"},
      {"BadPolicy", kHead + "on_target_error = \"retry\"\n", 7, "mirror.on_target_error", "retry"},
      {"UnknownBugInFile", kHead + "bugs = [\"made-up-bug\"]\n", 7, "mirror.bugs[0]",
       "made-up-bug"},
      {"MissingTraceFile", kHead + "[workload]\ntrace = \"no-such-trace.csv\"\n", 8,
       "workload.trace", "does not exist"},
      {"TraceWithBadRow", kHead + "[workload]\ntrace = \"bad_row.csv\"\n", 8, "workload.trace",
       "bad_row.csv:3"},
      {"TraceRowPastTheEnd", kHead + "[workload]\ntrace = \"past_end.csv\"\n", 8, "workload.trace",
       "past_end.csv:2"},
      {"TraceWithNul", kHead + "[workload]\ntrace = \"nul.csv\"\n", 8, "workload.trace",
       "nul.csv:3: field op holds a NUL byte"},
      {"TraceWaitsWrap", kHead + "[workload]\ntrace = \"wrap.iolog\"\n", 8, "workload.trace",
       "wrap.iolog:5: offset (the wait)"},
      {"TraceIsADirectory", kHead + "[workload]\ntrace = \".\"\n", 8, "workload.trace",
       "is a directory"},
      {"BadFaultOp", kHead + "[[faults]]\nop = \"writ\"\n", 8, "faults[0].op", "writ"},
      {"BadErrno", kHead + "[[faults]]\nop = \"write\"\nerrno = \"EPERM\"\n", 9, "faults[0].errno",
       "EPERM"},
      {"FaultProbability", kHead + "[[faults]]\nprobability = 1.5\n", 8, "faults[0].probability",
       "1.5"},
      {"BadCommand", kHead + "[[commands]]\naction = \"explode\"\nat_us = 5\n", 8,
       "commands[0].action", "explode"},
      {"BadCommandTime", kHead + "[[commands]]\naction = \"complete\"\nat_us = \"10 parsecs\"\n", 9,
       "commands[0].at_us", "10 parsecs"},
      {"SpeedOnComplete",
       kHead + "[[commands]]\naction = \"complete\"\nat_us = 5\nspeed_bytes_per_s = 7\n", 10,
       "commands[0].speed_bytes_per_s", ""},
      {"BackingWithoutBase",
       "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n"
       "kind = \"cluster\"\nbacking = \"at-pivot\"\n[mirror]\n"
       "sync = \"full\"\n",
       6, "target.backing", "base"},
  };
}

class CliMalformedScenario : public CliTest, public testing::WithParamInterface<Malformed> {};

TEST_P(CliMalformedScenario, ExitsTwoWithOneLineNamingFileLineAndKey) {
  const Malformed& c = GetParam();
  write("bad_row.csv", "time_us,op,offset,length\n0,write,0,4096\n10,wrte,0,4096\n");
  write("past_end.csv", "time_us,op,offset,length\n0,write,1044480,8192\n");
  write("nul.csv",
        "time_us,op,offset,length\n0,write,0,4096\n1,wr" + std::string(1, '\0') + "ite,0,4096\n");
  write("wrap.iolog",
        "fio version 2 iolog\nsda add\nsda open\nsda wait 10 0\nsda wait 18446744073709551610 0\n"
        "sda write 0 4096\n");
  const fs::path file = write(std::string(c.name) + ".toml", c.text);
  const CliResult r = run({"run", file.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.back(), '\n');
  const std::string where = file.string() + ":" + std::to_string(c.line) + ": " + c.key + ":";
  EXPECT_NE(r.err.find(where), std::string::npos) << "expected '" << where << "' in " << r.err;
  EXPECT_NE(r.err.find(c.what), std::string::npos) << "expected '" << c.what << "' in " << r.err;
  EXPECT_NE(r.err.find("allowed: "), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Cases, CliMalformedScenario, testing::ValuesIn(malformed_cases()),
                         [](const testing::TestParamInfo<Malformed>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace mirrorsim
