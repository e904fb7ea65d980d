// `mirrorsim check` and `mirrorsim merge` as CI runs them, including the
// ways a campaign can be hurt: workers killed, an interrupt mid-shrink, an
// unwritable output folder, a file-size limit, bad numbers. The binary is
// MIRRORSIM_BIN (set by ctest); the tests skip without it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "properties/verdict.h"
#include "reports/campaign_summary.h"
#include "scenarios/library.h"
#include "tests/cli_support.h"

namespace mirrorsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The long campaigns run in the release build only: the sanitizer build runs
// the same campaign code through the quicker tests.
#ifdef MIRRORSIM_SANITIZE_BUILD
#define SKIP_IN_SANITIZER_BUILD() GTEST_SKIP() << "long campaign: release build only"
#else
#define SKIP_IN_SANITIZER_BUILD() (void)0
#endif

using testing_support::read_text;
using testing_support::without_sanitizer_notes;

json read_json(const fs::path& path) {
  return json::parse(read_text(path));
}

// A started command: stdout and stderr go to files in `dir`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& dir, const std::string& tag)
      : out_(dir / (tag + ".out")), err_(dir / (tag + ".err")) {
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* out = std::freopen(out_.c_str(), "w", stdout);
      FILE* err = std::freopen(err_.c_str(), "w", stderr);
      if (out == nullptr || err == nullptr) ::_exit(127);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  pid_t pid() const { return pid_; }
  std::string out() const { return read_text(out_); }
  std::string err() const { return without_sanitizer_notes(read_text(err_)); }
  // Exit code (128 + signal when killed); peak RSS in KiB of the process.
  int wait() {
    int status = 0;
    rusage usage{};
    ::wait4(pid_, &status, 0, &usage);
    max_rss_kib_ = usage.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  long max_rss_kib() const { return max_rss_kib_; }
  // The process has ended (it is left unreaped, for wait()). kill(pid, 0)
  // cannot tell: it succeeds on a zombie.
  bool ended() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_;
  }
  // The process's children (its workers), from /proc.
  std::vector<pid_t> children() const {
    std::vector<pid_t> pids;
    std::istringstream in(read_text(fs::path("/proc") / std::to_string(pid_) / "task" /
                                    std::to_string(pid_) / "children"));
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids;
  }
  // The children that are campaign workers (named "mirrorsim-work"), not a
  // case run alone.
  std::vector<pid_t> workers() const {
    std::vector<pid_t> pids;
    for (pid_t p : children()) {
      std::string name = read_text(fs::path("/proc") / std::to_string(p) / "comm");
      if (!name.empty() && name.back() == '\n') name.pop_back();
      if (name == "mirrorsim-work") pids.push_back(p);
    }
    return pids;
  }
  bool wait_for_output(const std::string& text, std::chrono::seconds limit) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (out().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  fs::path out_;
  fs::path err_;
  pid_t pid_ = -1;
  long max_rss_kib_ = 0;
};

class CampaignCliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("MIRRORSIM_BIN");
    if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
    bin_ = bin;
    dir_ = fs::temp_directory_path() / ("mirrorsim_campaign_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  std::vector<std::string> check(std::vector<std::string> args) const {
    args.insert(args.begin(), {bin_, "check", "--no-progress"});
    return args;
  }
  // Sum of the lengths of the summary's case-number ranges.
  static std::uint64_t covered(const json& summary) {
    std::uint64_t n = 0;
    for (const json& r : summary.at("case_numbers")) {
      n += (r.at("last").get<std::uint64_t>() - r.at("first").get<std::uint64_t>()) /
               r.at("step").get<std::uint64_t>() +
           1;
    }
    return n;
  }
  std::string bin_;
  fs::path dir_;
};

// Defect 1: --time alone used to plan 2^62 cases up front and run out of memory.
TEST_F(CampaignCliTest, TimeAloneRunsUntilTheBudgetInFlatMemory) {
  SKIP_IN_SANITIZER_BUILD();
  const fs::path out = dir_ / "time";
  Child c(check({"--time", "3s", "--jobs", "2", "--no-library", "--out", out.string()}), dir_,
          "time");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(c.wait(), 0) << c.out() << c.err();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(seconds, 3.0);
  EXPECT_LT(seconds, 30.0) << "the campaign did not stop at its budget";
  EXPECT_LT(c.max_rss_kib(), 1024 * 1024) << "the campaign's memory grew with the case count";
  const json s = read_json(out / "summary.json");
  EXPECT_TRUE(s.at("cases_requested").is_null());
  EXPECT_EQ(s.at("stop"), "time-up");
  EXPECT_GT(s.at("cases_run").get<std::uint64_t>(), 0u);
  EXPECT_EQ(covered(s), s.at("cases_run").get<std::uint64_t>());
}

// Defect 2: a worker killed between two cases used to drop its cases in silence.
TEST_F(CampaignCliTest, KillingWorkersAtRandomNeverLosesACase) {
  SKIP_IN_SANITIZER_BUILD();
  const fs::path out = dir_ / "kill";
  constexpr int kCases = 3000;
  Child c(check({"--cases", std::to_string(kCases), "--jobs", "2", "--no-library", "--out",
                 out.string()}),
          dir_, "kill");
  std::mt19937 random(7);
  int kills = 0;
  while (kills < 20 && !c.ended()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 100));
    // Workers only: a case re-run alone after a kill, killed 3 times in a
    // row, would count as a crash of that case (as the OOM killer would).
    const std::vector<pid_t> workers = c.workers();
    if (workers.empty()) continue;
    if (::kill(workers[random() % workers.size()], SIGKILL) == 0) ++kills;
  }
  const int code = c.wait();
  ASSERT_GE(kills, 5) << "the campaign ended before the test could kill workers";
  const json s = read_json(out / "summary.json");
  ASSERT_EQ(code, 0) << c.out() << c.err();
  EXPECT_EQ(s.at("cases_run"), kCases);
  EXPECT_EQ(s.at("case_numbers"), json::parse(R"([{"first":0,"last":2999,"step":1}])"));
  EXPECT_GE(s.at("worker_deaths").size(), 1u);
  EXPECT_NE(c.out().find("was killed by signal 9"), std::string::npos) << c.out();
}

// Defect 4: an interrupt while shrinking used to leave nothing on disk.
TEST_F(CampaignCliTest, InterruptWhileShrinkingKeepsTheCounterexample) {
  // A shrink can end within a few hundred milliseconds, before the interrupt
  // lands: then try the next campaign seed (its first failure shrinks anew).
  fs::path out;
  int code = -1;
  std::string said;  // the last campaign's output
  for (int seed = 1; seed <= 8 && code != 130; ++seed) {
    out = dir_ / ("interrupt-" + std::to_string(seed));
    Child c(check({"--cases", "2000", "--jobs", "2", "--no-library", "--bug", "cow-no-round",
                   "--seed", std::to_string(seed), "--out", out.string()}),
            dir_, "interrupt");
    ASSERT_TRUE(c.wait_for_output("shrinking case", std::chrono::seconds(60))) << c.out();
    ::kill(c.pid(), SIGINT);
    code = c.wait();
    said = c.out();
    if (code != 130) {
      EXPECT_EQ(code, 1) << c.out() << c.err();  // the shrink had ended
    }
  }
  ASSERT_EQ(code, 130) << "no shrink lasted long enough to be interrupted";
  // The output says the saved case is not a finished shrink, however early
  // the interrupt came.
  EXPECT_TRUE(said.find("stopped early") != std::string::npos ||
              said.find("not shrunk (stopped before its first step") != std::string::npos)
      << said;
  const json s = read_json(out / "summary.json");
  EXPECT_TRUE(s.at("interrupted").get<bool>());
  ASSERT_EQ(s.at("failure_list").size(), 1u);
  const json& f = s.at("failure_list")[0];
  EXPECT_FALSE(f.at("shrunk").get<bool>());
  const fs::path unshrunk = f.at("unshrunk_file").get<std::string>();
  ASSERT_TRUE(fs::exists(unshrunk)) << unshrunk;
  // The saved case replays and still fails.
  Child replay({bin_, "run", unshrunk.string()}, dir_, "replay");
  EXPECT_EQ(replay.wait(), 1) << replay.out() << replay.err();  // correctness
}

// --shrink-time 0s saves the first failure as it was generated, and the
// output says so rather than pass it off as a shrunk case.
TEST_F(CampaignCliTest, NoShrinkTimeSavesTheCaseAsGeneratedAndSaysSo) {
  const fs::path out = dir_ / "unshrunk";
  Child c(check({"--cases", "300", "--jobs", "1", "--no-library", "--bug", "cow-no-round",
                 "--shrink-time", "0s", "--out", out.string()}),
          dir_, "unshrunk");
  ASSERT_EQ(c.wait(), 1) << c.out() << c.err();
  EXPECT_NE(c.out().find("not shrunk (stopped before its first step"), std::string::npos)
      << c.out();
  EXPECT_EQ(c.out().find("shrunk in "), std::string::npos) << c.out();
  const json s = read_json(out / "summary.json");
  ASSERT_EQ(s.at("failure_list").size(), 1u);
  const json& f = s.at("failure_list")[0];
  EXPECT_FALSE(f.at("shrunk").get<bool>());
  EXPECT_EQ(f.at("shrink_steps").get<std::uint64_t>(), 0u);
  // The saved case is the generated one under the shrunk name.
  const std::string id = f.at("id").get<std::string>();
  std::string saved = read_text(out / "failures" / (id + ".toml"));
  std::string unshrunk = read_text(out / "failures" / (id + ".unshrunk.toml"));
  const auto without_names = [](std::string text) {
    std::string kept;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("name = ", 0) != 0 && line.rfind("trace = ", 0) != 0) kept += line + "\n";
    }
    return kept;
  };
  EXPECT_EQ(without_names(saved), without_names(unshrunk));
}

TEST_F(CampaignCliTest, SigtermDuringCasesWritesATruthfulPartialSummary) {
  SKIP_IN_SANITIZER_BUILD();
  const fs::path out = dir_ / "term";
  Child c(check({"--time", "60s", "--jobs", "2", "--out", out.string()}), dir_, "term");
  ASSERT_TRUE(c.wait_for_output("library:", std::chrono::seconds(60))) << c.out();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(c.pid(), SIGTERM);
  EXPECT_EQ(c.wait(), 130) << c.out() << c.err();
  const json s = read_json(out / "summary.json");
  EXPECT_TRUE(s.at("interrupted").get<bool>());
  EXPECT_EQ(s.at("interrupt_signal"), SIGTERM);
  EXPECT_FALSE(s.at("ok").get<bool>());
  EXPECT_EQ(covered(s), s.at("cases_run").get<std::uint64_t>());
}

TEST_F(CampaignCliTest, AnUnwritableOutFolderIsRefusedBeforeTheCampaign) {
  const fs::path file = dir_ / "a-file";
  std::ofstream(file) << "not a folder\n";
  Child c(check({"--cases", "10", "--out", (file / "out").string()}), dir_, "unwritable");
  EXPECT_EQ(c.wait(), 2);
  EXPECT_TRUE(c.out().empty()) << c.out();
  const std::string err = c.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find((file / "out").string()), std::string::npos) << err;
}

// Defect 5: a full disk used to leave empty files and a "summary in" line.
TEST_F(CampaignCliTest, AFileSizeLimitIsAnErrorNeverAPass) {
  const fs::path out = dir_ / "full";
  // 8 KiB: the probe and the "running" summary fit, the final summary (with
  // every library scenario's verdicts) does not.
  const std::string command = "ulimit -f 8; exec '" + bin_ +
                              "' check --no-progress --cases 20 --jobs 1 --out '" + out.string() +
                              "'";
  Child c({"/bin/bash", "-c", command}, dir_, "full");
  const int code = c.wait();
  EXPECT_NE(code, 0) << c.out() << c.err();
  EXPECT_EQ(c.out().find("summary in"), std::string::npos) << c.out();
  EXPECT_NE(c.err().find("File too large"), std::string::npos) << c.err();
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
  // What is left reads as unfinished, never as a pass.
  const json s = read_json(out / "summary.json");
  EXPECT_FALSE(s.at("ok").get<bool>());
  EXPECT_EQ(s.at("stop"), "running");
}

struct BadFlag {
  const char* name;
  std::vector<std::string> args;
  std::string flag;
};
void PrintTo(const BadFlag& c, std::ostream* os) {
  *os << c.name;
}

class CampaignBadFlag : public CampaignCliTest, public testing::WithParamInterface<BadFlag> {};

TEST_P(CampaignBadFlag, ExitsTwoWithOneLineNamingTheFlag) {
  std::vector<std::string> argv = {bin_};
  argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
  argv.push_back("--out");
  argv.push_back((dir_ / "bad").string());
  Child c(argv, dir_, "bad");
  EXPECT_EQ(c.wait(), 2) << c.out() << c.err();
  const std::string err = c.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(GetParam().flag), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(
    Flags, CampaignBadFlag,
    testing::Values(BadFlag{"NegativeSeed", {"check", "--seed", "-1"}, "--seed"},
                    BadFlag{"HugeSeed", {"check", "--seed", "99999999999999999999"}, "--seed"},
                    BadFlag{"NegativeJobs", {"check", "--jobs", "-3"}, "--jobs"},
                    BadFlag{"ZeroJobs", {"check", "--jobs", "0"}, "--jobs"},
                    BadFlag{"NegativeCases", {"check", "--cases", "-1"}, "--cases"},
                    BadFlag{"HugeCases", {"check", "--cases", "99999999999999999"}, "--cases"},
                    BadFlag{"FractionalCases", {"check", "--cases", "1.5"}, "--cases"},
                    BadFlag{"BadTime", {"check", "--time", "soon"}, "--time"},
                    BadFlag{"BadShrinkTime", {"check", "--shrink-time", "-1s"}, "--shrink-time"},
                    BadFlag{"BadShard", {"check", "--shard", "4/4"}, "--shard"},
                    BadFlag{"NegativeBudget", {"mutants", "--budget", "-1"}, "--budget"},
                    BadFlag{"MutantsSeed", {"mutants", "--seed", "-5"}, "--seed"}),
    [](const testing::TestParamInfo<BadFlag>& info) { return std::string(info.param.name); });

// Sharding adds up: four shards of --cases N, run by GNU parallel and merged,
// are the cases of one unsharded campaign, with the same verdicts.
TEST_F(CampaignCliTest, FourShardsMergedEqualOneRun) {
  SKIP_IN_SANITIZER_BUILD();
  if (std::system("command -v parallel >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "GNU parallel is not installed (tools/deps.sh installs it)";
  }
  const std::string shards = (dir_ / "shard").string();
  const std::string command = "parallel --will-cite --halt now,fail=1 '" + bin_ +
                              "' check --no-progress --cases 600 --jobs 1 --shard {}/4 --out '" +
                              shards + "{}' ::: 0 1 2 3 > '" + (dir_ / "parallel.out").string() +
                              "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_text(dir_ / "parallel.out");
  Child merge({bin_, "merge", shards + "0", shards + "1", shards + "2", shards + "3", "--out",
               (dir_ / "merged").string(), "--junit", (dir_ / "merged.xml").string()},
              dir_, "merge");
  ASSERT_EQ(merge.wait(), 0) << merge.out() << merge.err();
  Child one(check({"--cases", "600", "--jobs", "2", "--out", (dir_ / "one").string()}), dir_,
            "one");
  ASSERT_EQ(one.wait(), 0) << one.out() << one.err();

  const json merged = read_json(dir_ / "merged" / "summary.json");
  const json single = read_json(dir_ / "one" / "summary.json");
  for (const char* key : {"cases_run", "case_numbers", "properties", "library", "failures",
                          "determinism_checks", "inconclusive", "ok"}) {
    EXPECT_EQ(merged.at(key), single.at(key)) << key;
  }
  EXPECT_EQ(merged.at("shards").size(), 4u);
  EXPECT_NE(read_text(dir_ / "merged.xml").find("<testsuites"), std::string::npos);
}

TEST_F(CampaignCliTest, MergeRefusesShardsOfDifferentCampaigns) {
  const fs::path a = dir_ / "a";
  const fs::path b = dir_ / "b";
  Child ca(check({"--cases", "20", "--seed", "1", "--shard", "0/2", "--no-library", "--out",
                  a.string()}),
           dir_, "a");
  Child cb(check({"--cases", "20", "--seed", "2", "--shard", "1/2", "--no-library", "--out",
                  b.string()}),
           dir_, "b");
  ASSERT_EQ(ca.wait(), 0);
  ASSERT_EQ(cb.wait(), 0);
  Child merge({bin_, "merge", a.string(), b.string(), "--out", (dir_ / "m").string()}, dir_,
              "merge");
  EXPECT_EQ(merge.wait(), 2);
  EXPECT_NE(merge.err().find("different campaigns"), std::string::npos) << merge.err();
}

// JUnit: one test case per property per library scenario, and a failing
// generated case with its replay command; then the failure database re-runs
// the saved failure before any new case.
TEST_F(CampaignCliTest, JUnitAndTheFailureDatabase) {
  const fs::path out = dir_ / "db";
  const fs::path junit = dir_ / "report.xml";
  Child first(check({"--cases", "300", "--jobs", "2", "--bug", "cow-no-round", "--out",
                     out.string(), "--junit", junit.string()}),
              dir_, "first");
  ASSERT_EQ(first.wait(), 1) << first.out() << first.err();  // a correctness failure
  const std::string xml = read_text(junit);
  const json s = read_json(out / "summary.json");
  EXPECT_EQ(s.at("failure_kind"), "correctness");
  std::size_t library_cases = 0;
  for (std::size_t at = 0; (at = xml.find("classname=\"library.", at)) != std::string::npos; ++at) {
    ++library_cases;
  }
  EXPECT_EQ(library_cases, s.at("library").size() * properties::property_list().size());
  EXPECT_NE(xml.find("classname=\"generated.case-1-"), std::string::npos) << xml;
  EXPECT_NE(xml.find("replay: mirrorsim run "), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure"), std::string::npos);

  Child again(check({"--cases", "0", "--no-library", "--out", out.string()}), dir_, "again");
  EXPECT_EQ(again.wait(), 1) << again.out() << again.err();
  EXPECT_NE(again.out().find("failure database: re-running 1 saved failure(s) first"),
            std::string::npos)
      << again.out();
  EXPECT_NE(again.out().find("STILL FAILS"), std::string::npos) << again.out();
  const json s2 = read_json(out / "summary.json");
  ASSERT_EQ(s2.at("corpus").size(), 1u);
  EXPECT_FALSE(s2.at("corpus")[0].at("passed").get<bool>());
}

// ---- exit codes: one per kind of failure -----------------------------------------

// A library scenario with an engine bug switched on in the file itself, as
// a saved failure of the failure database.
void save_with_bug(const std::string& scenario, const std::string& bug, const fs::path& file) {
  std::string text = read_text(scenarios::library_file(scenario));
  const std::size_t at = text.find("[mirror]\n");
  ASSERT_NE(at, std::string::npos) << scenario;
  text.insert(at + 9, "bugs = [\"" + bug + "\"]\n");
  std::ofstream(file) << text;
}

// `check` exits with the code of its most severe failure (correctness over
// liveness here), every failure names its kind in summary.json, and `merge`
// gives the code of the merged summary.
TEST_F(CampaignCliTest, CheckAndMergeExitWithTheMostSevereKindOfFailure) {
  const fs::path stuck = dir_ / "stuck";
  fs::create_directories(stuck);
  save_with_bug("read-error-stop", "stop-pauses-per-op", stuck / "case-1-1.toml");
  const fs::path out = dir_ / "stuck-out";
  Child liveness(
      check({"--cases", "0", "--no-library", "--corpus", stuck.string(), "--out", out.string()}),
      dir_, "liveness");
  EXPECT_EQ(liveness.wait(), 5) << liveness.out() << liveness.err();
  EXPECT_NE(liveness.out().find("FAILED: liveness (exit 5)"), std::string::npos) << liveness.out();
  const json s = read_json(out / "summary.json");
  EXPECT_EQ(s.at("failure_kind"), "liveness");
  ASSERT_EQ(s.at("corpus").size(), 1u);
  EXPECT_EQ(s.at("corpus")[0].at("kind"), "liveness");
  Child merge({bin_, "merge", out.string(), "--out", (dir_ / "merged").string()}, dir_, "merge");
  EXPECT_EQ(merge.wait(), 5) << merge.out() << merge.err();

  const fs::path both = dir_ / "both";
  fs::create_directories(both);
  save_with_bug("read-error-stop", "stop-pauses-per-op", both / "case-1-1.toml");
  save_with_bug("cow-founding", "cow-no-round", both / "case-1-2.toml");
  const fs::path out2 = dir_ / "both-out";
  Child two(
      check({"--cases", "0", "--no-library", "--corpus", both.string(), "--out", out2.string()}),
      dir_, "two");
  EXPECT_EQ(two.wait(), 1) << two.out() << two.err();
  const json s2 = read_json(out2 / "summary.json");
  EXPECT_EQ(s2.at("failure_kind"), "correctness");
  ASSERT_EQ(s2.at("corpus").size(), 2u);
  EXPECT_EQ(s2.at("corpus")[0].at("kind"), "liveness");
  EXPECT_EQ(s2.at("corpus")[1].at("kind"), "correctness");
}

// A saved failure that does not load is bad input (2), not a failure kind.
TEST_F(CampaignCliTest, ASavedFailureThatDoesNotLoadExitsTwo) {
  const fs::path corpus = dir_ / "broken";
  fs::create_directories(corpus);
  std::ofstream(corpus / "case-1-1.toml") << "[source]\nlength_bytes = \"1MiB\"\n[target\n";
  Child c(check({"--cases", "0", "--no-library", "--corpus", corpus.string(), "--out",
                 (dir_ / "out").string()}),
          dir_, "broken");
  EXPECT_EQ(c.wait(), 2) << c.out() << c.err();
}

// Crashes and determinism mismatches cannot be made on demand (no engine bug
// crashes or loses determinism), so `merge` is given shard summaries that
// hold them: it exits 6 for a crash, 7 when a determinism mismatch is among
// the failures, as `check` would for the same summary.
TEST_F(CampaignCliTest, MergeExitsWithTheCodeOfCrashesAndDeterminismMismatches) {
  auto summary_with = [&](const std::string& name, const std::vector<std::string>& failed) {
    properties::CampaignOptions o;
    o.cases = 4;
    properties::CampaignResult r;
    r.cases_run = 4;
    r.covered.push_back({0, 3});
    for (const std::string& p : failed) {
      properties::CampaignFailure f;
      f.id = "case-1-" + p;
      f.source = "generated";
      f.property = p;
      r.failures.push_back(f);
    }
    const fs::path folder = dir_ / name;
    fs::create_directories(folder);
    std::ofstream(folder / "summary.json")
        << reports::campaign_summary(o, r, {"0.1.0", "abc", {"mirrorsim", "check"}, "now"}).dump(2);
    return folder.string();
  };
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {{"crash"}, 6},
      {{"no-crash", "liveness"}, 6},
      {{"bounds", "determinism", "crash"}, 7},
      {{"liveness", "completion-equality"}, 1},
      {{}, 0}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string in = summary_with("s" + std::to_string(i), cases[i].first);
    Child merge({bin_, "merge", in, "--out", (dir_ / ("m" + std::to_string(i))).string()}, dir_,
                "merge" + std::to_string(i));
    EXPECT_EQ(merge.wait(), cases[i].second) << i << merge.out() << merge.err();
  }
}

TEST_F(CampaignCliTest, ASavedFailureThatNoLongerFailsIsReportedAndPasses) {
  const fs::path corpus = dir_ / "corpus";
  fs::create_directories(corpus);
  fs::copy_file(scenarios::library_file("complete"), corpus / "case-9-9.toml");
  Child c(check({"--cases", "0", "--no-library", "--corpus", corpus.string(), "--out",
                 (dir_ / "out").string()}),
          dir_, "fixed");
  EXPECT_EQ(c.wait(), 0) << c.out() << c.err();
  const json s = read_json(dir_ / "out" / "summary.json");
  ASSERT_EQ(s.at("corpus").size(), 1u);
  EXPECT_TRUE(s.at("corpus")[0].at("passed").get<bool>());
  EXPECT_TRUE(c.err().empty()) << "no progress output when stderr is not a terminal: " << c.err();
}

}  // namespace
}  // namespace mirrorsim
