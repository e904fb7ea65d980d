// The campaign's parts on their own: the worker protocol, the worker pool
// when a worker dies, atomic files, summary merging, JUnit output, and the
// kinds of failure with their exit codes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/exit_codes.h"
#include "properties/atomic_file.h"
#include "properties/campaign.h"
#include "properties/case_protocol.h"
#include "properties/worker_pool.h"
#include "reports/campaign_summary.h"
#include "reports/junit.h"

namespace mirrorsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using properties::CaseOutcome;

TEST(CaseProtocol, EncodeDecodeRoundTripsEveryField) {
  CaseOutcome o;
  o.index = 123456789012345;
  o.passed = true;
  o.determinism_checked = true;
  o.hash = 0xfedcba9876543210ull;
  o.verdicts = "hinvhhn";
  o.property = "";
  o.message = "liveness: still progressing\twith a tab\nand a newline";
  const std::string line = properties::encode(o);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  const auto back = properties::decode(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->index, o.index);
  EXPECT_EQ(back->hash, o.hash);
  EXPECT_EQ(back->verdicts, o.verdicts);
  EXPECT_TRUE(back->determinism_checked);
  EXPECT_TRUE(back->inconclusive());
  EXPECT_EQ(back->message, "liveness: still progressing with a tab and a newline");
  EXPECT_FALSE(back->swarm);
  EXPECT_FALSE(back->outrun);
  EXPECT_FALSE(back->trace_never_reached);
  EXPECT_FALSE(properties::decode("S 12"));
  EXPECT_FALSE(properties::decode("R 1 1 0"));
}

// Outcomes that are not failures travel too: outrun (not converged) and a
// trace the job never reached.
TEST(CaseProtocol, NotesTravelWithTheOutcome) {
  for (const auto& [outrun, never] : {std::pair{true, false}, {false, true}, {true, true}}) {
    CaseOutcome o;
    o.verdicts = "hh";
    o.outrun = outrun;
    o.trace_never_reached = never;
    const std::string line = properties::encode(o);
    const auto back = properties::decode(line.substr(0, line.size() - 1));
    ASSERT_TRUE(back) << line;
    EXPECT_EQ(back->outrun, outrun) << line;
    EXPECT_EQ(back->trace_never_reached, never) << line;
  }
  EXPECT_FALSE(properties::decode("R 1 1 0 5 hh - x\t\t"));
}

TEST(CaseProtocol, SwarmOptionsTravelWithTheOutcome) {
  CaseOutcome o;
  o.verdicts = "hh";
  scenarios::SwarmOptions swarm;
  swarm.cow = true;
  swarm.faults = true;
  swarm.faults_end = true;
  swarm.sync = scenarios::SyncMode::kTop;
  o.swarm = swarm;
  const std::string line = properties::encode(o);
  EXPECT_NE(line.find(" cow,faults,faults_end,sync=top -\t"), std::string::npos) << line;
  const auto back = properties::decode(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->swarm, swarm);
  // Every switch on, each sync mode: labels go there and back.
  scenarios::SwarmOptions all;
  for (const scenarios::SwarmSwitch& sw : scenarios::swarm_switches()) all.*sw.member = true;
  for (auto mode : {scenarios::SyncMode::kFull, scenarios::SyncMode::kNone}) {
    all.sync = mode;
    EXPECT_EQ(scenarios::swarm_from_labels(scenarios::swarm_labels(all)), all);
  }
  EXPECT_FALSE(properties::decode("R 1 1 0 5 hh cow,colour,sync=full -\t\t"));
  const std::vector<std::string> no_sync = {"cow"};
  EXPECT_FALSE(scenarios::swarm_from_labels(no_sync));
}

TEST(CaseProtocol, AnIsolatedRunThatDiesIsACrashOutcome) {
  const CaseOutcome o = properties::run_isolated(7, [] {
    ::raise(SIGABRT);  // not SIGSEGV: ASan turns that into an exit code
    return CaseOutcome{};
  });
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.property, "crash");
  EXPECT_EQ(properties::failure_kind(o.property), properties::FailureKind::kCrash);
  EXPECT_EQ(o.index, 7u);
  EXPECT_NE(o.message.find("signal 6"), std::string::npos) << o.message;
}

// Every assigned case comes back: as an outcome, as the case the dead
// worker was running, or as one it never started.
TEST(WorkerPool, AWorkerThatDiesHandsBackEveryCaseItHeld) {
  properties::WorkerPool pool(1, [](std::uint64_t index) {
    if (index == 2) ::raise(SIGKILL);
    CaseOutcome o;
    o.verdicts = "h";
    return o;
  });
  for (std::uint64_t i = 0; i < 2; ++i) pool.assign(i);
  std::set<std::uint64_t> reported, running, unstarted;
  std::uint64_t next = 2;
  for (int round = 0; round < 500 && reported.size() + running.size() + unstarted.size() < 4;
       ++round) {
    while (pool.has_room() && next < 4) pool.assign(next++);
    const auto news = pool.wait(100);
    for (const CaseOutcome& o : news.outcomes) reported.insert(o.index);
    for (const properties::WorkerDeath& d : news.deaths) {
      EXPECT_NE(d.how.find("signal 9"), std::string::npos) << d.how;
      ASSERT_TRUE(d.running);
      running.insert(*d.running);
      unstarted.insert(d.unstarted.begin(), d.unstarted.end());
    }
  }
  EXPECT_EQ(reported, (std::set<std::uint64_t>{0, 1}));
  EXPECT_EQ(running, (std::set<std::uint64_t>{2}));
  EXPECT_EQ(unstarted, (std::set<std::uint64_t>{3}));
  EXPECT_EQ(pool.in_flight(), 0u);
}

class AtomicFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mirrorsim_atomic_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFile, ReplacesTheFileWhole) {
  const fs::path file = dir_ / "summary.json";
  properties::write_file_atomically(file, "old\n");
  properties::write_file_atomically(file, "new\n");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "new\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

// A full disk, as a file-size limit: an error naming the file, the old file
// untouched, no temporary file left.
TEST_F(AtomicFile, AFileSizeLimitThrowsAndKeepsTheOldFile) {
  const fs::path file = dir_ / "summary.json";
  properties::write_file_atomically(file, "old\n");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{1024, 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      properties::write_file_atomically(file, std::string(4096, 'x'));
    } catch (const properties::FileWriteError& e) {
      const std::string what = e.what();
      ::_exit(what.find("summary.json") != std::string::npos &&
                      what.find("File too large") != std::string::npos
                  ? 0
                  : 2);
    }
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error; 2: the message lacks the file or errno";
  std::ifstream in(file);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFile, ProbeNamesAFolderThatCannotBeMade) {
  std::ofstream(dir_ / "plain") << "x";
  try {
    properties::probe_writable_directory(dir_ / "plain" / "sub");
    FAIL() << "a folder under a file was accepted";
  } catch (const properties::FileWriteError& e) {
    EXPECT_NE(std::string(e.what()).find("plain/sub"), std::string::npos) << e.what();
  }
}

// ---- summaries -----------------------------------------------------------------

properties::CampaignResult shard_result(std::uint64_t first, std::uint64_t last,
                                        std::uint64_t count) {
  properties::CampaignResult r;
  r.cases_run = count;
  r.covered.push_back({first, last});
  r.verdict_counts["liveness"] = {count, 0, 0, 0};
  return r;
}

json shard_summary(std::uint32_t index, std::uint32_t count, std::uint64_t cases,
                   const properties::CampaignResult& r, std::uint64_t seed = 1) {
  properties::CampaignOptions o;
  o.seed = seed;
  o.cases = cases;
  o.shard_index = index;
  o.shard_count = count;
  return reports::campaign_summary(o, r, {"0.1.0", "abc", {"mirrorsim", "check"}, "now"});
}

TEST(CampaignSummary, ShardsThatCoverEveryCaseMergeIntoOneRange) {
  // 10 cases over 4 shards: shard 0 runs 0,4,8; 1 runs 1,5,9; 2 runs 2,6; 3 runs 3,7.
  const std::vector<json> shards = {shard_summary(0, 4, 10, shard_result(0, 8, 3)),
                                    shard_summary(1, 4, 10, shard_result(1, 9, 3)),
                                    shard_summary(2, 4, 10, shard_result(2, 6, 2)),
                                    shard_summary(3, 4, 10, shard_result(3, 7, 2))};
  const json m = reports::merge_summaries(shards, {"0.1.0", "abc", {}, "now"});
  EXPECT_EQ(m.at("cases_run"), 10);
  EXPECT_EQ(m.at("case_numbers"), json::parse(R"([{"first":0,"last":9,"step":1}])"));
  EXPECT_EQ(m.at("properties").at("liveness").at("holds"), 10);
  EXPECT_TRUE(reports::summary_ok(m));
}

TEST(CampaignSummary, AShardWithAHoleKeepsItsRangesAndAMissingShardFails) {
  properties::CampaignResult holed = shard_result(0, 4, 2);
  holed.covered = {{0, 0}, {4, 4}};  // case 2 never finished
  const std::vector<json> shards = {shard_summary(0, 2, 6, holed),
                                    shard_summary(1, 2, 6, shard_result(1, 5, 3))};
  const json m = reports::merge_summaries(shards, {"0.1.0", "abc", {}, "now"});
  EXPECT_EQ(m.at("case_numbers").size(), 3u);
  const json missing =
      reports::merge_summaries({shard_summary(0, 2, 6, shard_result(0, 4, 3))}, {});
  EXPECT_FALSE(reports::summary_ok(missing));
}

TEST(CampaignSummary, MergeRefusesDifferentCampaignsAndRepeatedShards) {
  const json a = shard_summary(0, 2, 10, shard_result(0, 8, 5), 1);
  const json b = shard_summary(1, 2, 10, shard_result(1, 9, 5), 2);
  EXPECT_THROW(reports::merge_summaries({a, b}, {}), std::invalid_argument);
  EXPECT_THROW(reports::merge_summaries({a, a}, {}), std::invalid_argument);
}

TEST(CampaignSummary, TheSameShrunkFailureFromTwoShardsIsListedOnce) {
  properties::CampaignResult r0 = shard_result(0, 2, 2);
  properties::CampaignResult r1 = shard_result(1, 3, 2);
  properties::CampaignFailure f;
  f.id = "case-1-2";
  f.source = "generated";
  f.property = "bounds";
  f.digest = "00aa";
  r0.failures.push_back(f);
  f.id = "case-1-3";
  r1.failures.push_back(f);
  f.id = "case-1-1";
  f.property = "liveness";  // another property: another failure
  r1.failures.push_back(f);
  const json m =
      reports::merge_summaries({shard_summary(0, 2, 4, r0), shard_summary(1, 2, 4, r1)}, {});
  EXPECT_EQ(m.at("failures"), 2);
  EXPECT_FALSE(reports::summary_ok(m));
}

// summary.json says "shrink_s"; merge still reads shards that said
// "shrink_seconds" and writes the new name.
TEST(CampaignSummary, MergeReadsTheOldNameOfShrinkSeconds) {
  properties::CampaignResult r0 = shard_result(0, 2, 2);
  properties::CampaignFailure f;
  f.id = "case-1-2";
  f.source = "generated";
  f.property = "bounds";
  f.shrink_s = 1.5;
  r0.failures.push_back(f);
  json s0 = shard_summary(0, 2, 4, r0);
  ASSERT_EQ(s0.at("failure_list")[0].at("shrink_s"), 1.5);
  json& old = s0.at("failure_list")[0];
  old["shrink_seconds"] = old.at("shrink_s");
  old.erase("shrink_s");
  const json m = reports::merge_summaries({s0, shard_summary(1, 2, 4, shard_result(1, 3, 2))}, {});
  const json& merged = m.at("failure_list")[0];
  EXPECT_EQ(merged.at("shrink_s"), 1.5);
  EXPECT_FALSE(merged.contains("shrink_seconds"));
}

// Each failure in the summary names its kind; the summary names the most
// severe, after a merge too, and saved failures that still fail count.
TEST(CampaignSummary, EachFailureCarriesItsKindAndTheSummaryTheMostSevere) {
  properties::CampaignResult r0 = shard_result(0, 2, 2);
  properties::CampaignResult r1 = shard_result(1, 3, 2);
  const json clean = shard_summary(0, 2, 4, r0);
  EXPECT_TRUE(clean.at("failure_kind").is_null());
  EXPECT_FALSE(reports::summary_failure_kind(clean));
  properties::CampaignFailure f;
  f.source = "generated";
  for (const char* property : {"liveness", "crash", "bounds"}) {
    f.id = std::string("case-1-") + property;
    f.property = property;
    r0.failures.push_back(f);
  }
  const json s0 = shard_summary(0, 2, 4, r0);
  EXPECT_EQ(s0.at("failure_kind"), "crash");
  EXPECT_EQ(s0.at("failure_list")[0].at("kind"), "liveness");
  EXPECT_EQ(s0.at("failure_list")[1].at("kind"), "crash");
  EXPECT_EQ(s0.at("failure_list")[2].at("kind"), "correctness");

  properties::ReplayResult saved;
  saved.name = "case-1-9";
  saved.passed = false;
  saved.property = "determinism";
  r1.corpus.push_back(saved);
  const json s1 = shard_summary(1, 2, 4, r1);
  EXPECT_EQ(s1.at("corpus")[0].at("kind"), "determinism");
  EXPECT_EQ(s1.at("failure_kind"), "determinism");
  const json m = reports::merge_summaries({s0, s1}, {});
  EXPECT_EQ(m.at("failure_kind"), "determinism");
  EXPECT_EQ(reports::summary_failure_kind(m), properties::FailureKind::kDeterminism);

  // A saved failure that does not load is bad input, not a kind of failure.
  properties::CampaignResult r2 = shard_result(0, 2, 2);
  saved.loaded = false;
  saved.property = "load";
  r2.corpus = {saved};
  const json s2 = shard_summary(0, 1, 4, r2);
  EXPECT_TRUE(s2.at("corpus")[0].at("kind").is_null());
  EXPECT_FALSE(reports::summary_failure_kind(s2));
  EXPECT_TRUE(reports::summary_has_unloadable_files(s2));
}

// ---- kinds of failure and exit codes --------------------------------------------

TEST(FailureKind, EachPropertyHasItsKind) {
  using properties::failure_kind;
  using properties::FailureKind;
  EXPECT_EQ(failure_kind("liveness"), FailureKind::kLiveness);
  EXPECT_EQ(failure_kind("no-crash"), FailureKind::kCrash);
  EXPECT_EQ(failure_kind("crash"), FailureKind::kCrash);
  EXPECT_EQ(failure_kind("determinism"), FailureKind::kDeterminism);
  for (const std::string_view p : properties::property_order()) {
    if (p == "liveness" || p == "no-crash") continue;
    EXPECT_EQ(failure_kind(p), FailureKind::kCorrectness) << p;
  }
}

// determinism > crash > correctness > liveness, whatever the order.
TEST(FailureKind, TheMostSevereOfSeveralViolatedVerdictsWins) {
  using properties::FailureKind;
  using properties::Verdict;
  using properties::VerdictStatus;
  auto verdict = [](std::string property, VerdictStatus status) {
    return Verdict{std::move(property), status, ""};
  };
  std::vector<Verdict> verdicts = {verdict("no-crash", VerdictStatus::kHolds),
                                   verdict("liveness", VerdictStatus::kViolated),
                                   verdict("bounds", VerdictStatus::kInconclusive)};
  EXPECT_EQ(properties::failure_kind(verdicts), FailureKind::kLiveness);
  verdicts.push_back(verdict("completion-equality", VerdictStatus::kViolated));
  EXPECT_EQ(properties::failure_kind(verdicts), FailureKind::kCorrectness);
  verdicts.insert(verdicts.begin(), verdict("determinism", VerdictStatus::kViolated));
  verdicts.push_back(verdict("no-crash", VerdictStatus::kViolated));
  EXPECT_EQ(properties::failure_kind(verdicts), FailureKind::kDeterminism);
  verdicts.erase(verdicts.begin());
  EXPECT_EQ(properties::failure_kind(verdicts), FailureKind::kCrash);
  EXPECT_FALSE(properties::failure_kind({verdict("liveness", VerdictStatus::kInconclusive)}));
}

TEST(FailureKind, EachKindHasItsOwnExitCode) {
  using properties::FailureKind;
  EXPECT_EQ(cli::exit_code_of(FailureKind::kCorrectness), 1);
  EXPECT_EQ(cli::exit_code_of(FailureKind::kLiveness), 5);
  EXPECT_EQ(cli::exit_code_of(FailureKind::kCrash), 6);
  EXPECT_EQ(cli::exit_code_of(FailureKind::kDeterminism), 7);
  std::set<int> codes = {cli::kExitPassed, cli::kExitBadInput, cli::kExitInternal,
                         cli::kExitInconclusive, cli::kExitInterrupted};
  for (FailureKind k : {FailureKind::kLiveness, FailureKind::kCorrectness, FailureKind::kCrash,
                        FailureKind::kDeterminism}) {
    EXPECT_TRUE(codes.insert(cli::exit_code_of(k)).second) << properties::failure_kind_name(k);
  }
}

// The engine is deterministic, so no real run gives two hashes: the
// verdict is fed two reports that differ only in their hash.
TEST(FailureKind, TwoRunsWithDifferentHashesAreADeterminismFailure) {
  properties::RunReport a;
  a.sim.log_hash = 0x1234;
  properties::RunReport b = a;
  const properties::Verdict same = properties::determinism_verdict(a, b);
  EXPECT_EQ(same.property, "determinism");
  EXPECT_FALSE(same.violated());
  b.sim.log_hash = 0xabcd;
  const properties::Verdict differ = properties::determinism_verdict(a, b);
  EXPECT_TRUE(differ.violated());
  EXPECT_NE(differ.message.find("0000000000001234 and 000000000000abcd"), std::string::npos)
      << differ.message;
  a.verdicts = {differ};
  EXPECT_EQ(properties::failure_kind(a.verdicts), properties::FailureKind::kDeterminism);
  EXPECT_EQ(cli::exit_code_of(*properties::failure_kind(a.verdicts)), cli::kExitDeterminism);
}

TEST(CampaignSummary, SwarmFeaturesAreCountedPerFailureAndAddUpInAMerge) {
  scenarios::SwarmOptions swarm;
  swarm.cow = true;
  swarm.pause = true;
  properties::CampaignResult r0 = shard_result(0, 2, 2);
  r0.swarm_cases = 2;
  r0.swarm_counts["cow"] = {2, 1};
  r0.swarm_counts["sync=full"] = {2, 1};
  properties::CampaignFailure f;
  f.id = "case-1-2";
  f.source = "generated";
  f.property = "bounds";
  f.swarm = swarm;
  swarm.pause = false;  // shrinking found the pause was not needed
  f.shrunk_swarm = swarm;
  r0.failures.push_back(f);
  properties::CampaignResult r1 = shard_result(1, 3, 2);
  r1.swarm_cases = 2;
  r1.swarm_counts["cow"] = {1, 0};
  r1.swarm_counts["sync=top"] = {2, 0};
  const json s0 = shard_summary(0, 2, 4, r0);
  EXPECT_EQ(s0.at("format"), "mirrorsim-summary/2");
  EXPECT_EQ(s0.at("failure_list")[0].at("swarm").at("pause"), true);
  EXPECT_EQ(s0.at("failure_list")[0].at("shrunk_swarm").at("pause"), false);
  EXPECT_EQ(s0.at("failure_list")[0].at("shrunk_swarm").at("sync"), "full");
  // Every feature is listed, zeros too.
  EXPECT_EQ(s0.at("swarm").at("features").size(), scenarios::all_swarm_labels().size());
  EXPECT_EQ(s0.at("swarm").at("features").at("jitter"), json::parse(R"({"cases":0,"failures":0})"));

  const json m = reports::merge_summaries({s0, shard_summary(1, 2, 4, r1)}, {});
  EXPECT_EQ(m.at("swarm").at("cases"), 4);
  EXPECT_EQ(m.at("swarm").at("features").at("cow"), json::parse(R"({"cases":3,"failures":1})"));
  EXPECT_EQ(m.at("swarm").at("features").at("sync=top").at("cases"), 2);
  EXPECT_EQ(m.at("format"), "mirrorsim-summary/2");

  // A format-1 shard (no swarm fields) still merges; its cases are not counted.
  json old = shard_summary(1, 2, 4, r1);
  old["format"] = "mirrorsim-summary/1";
  old.erase("swarm");
  const json mixed = reports::merge_summaries({s0, old}, {});
  EXPECT_EQ(mixed.at("cases_run"), 4);
  EXPECT_EQ(mixed.at("swarm").at("cases"), 2);
  EXPECT_NE(mixed.at("notes").dump().find("mirrorsim-summary/1"), std::string::npos);
  json unknown = old;
  unknown["format"] = "mirrorsim-summary/9";
  EXPECT_THROW(reports::merge_summaries({s0, unknown}, {}), std::invalid_argument);
}

TEST(JUnit, EscapesTextAndCountsFailures) {
  properties::CampaignResult r = shard_result(0, 9, 10);
  r.verdict_counts["bounds"] = {9, 1, 0, 0};
  properties::CampaignFailure f;
  f.id = "case-1-4";
  f.source = "generated";
  f.case_index = 4;
  f.property = "bounds";
  f.message = "buffer <in use> & \"more\" than allowed";
  f.replay_command = "mirrorsim run failures/case-1-4.toml";
  r.failures.push_back(f);
  const std::string xml = reports::junit_xml(shard_summary(0, 1, 10, r));
  EXPECT_NE(xml.find("&lt;in use&gt; &amp; &quot;more&quot;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<in use>"), std::string::npos);
  EXPECT_NE(xml.find("replay: mirrorsim run failures/case-1-4.toml"), std::string::npos);
  // The outcomes line is a passed test case: 5 tests, still 2 failures.
  EXPECT_NE(xml.find("tests=\"5\" failures=\"2\""), std::string::npos) << xml;
}

// Not-converged (outrun) cases are counted apart from the slow ones, in the
// summary, through a merge, and in JUnit as a passed test case's text.
TEST(CampaignSummary, NotConvergedCasesAreCountedApartFromInconclusive) {
  properties::CampaignResult r0 = shard_result(0, 2, 2);
  r0.inconclusive_cases = 1;
  r0.not_converged_cases = 2;
  r0.not_converged.push_back({0, "not converged (outrun by the guest): dirty 3 MiB"});
  r0.trace_never_reached_cases = 1;
  properties::CampaignResult r1 = shard_result(1, 3, 2);
  r1.not_converged_cases = 1;
  const json s0 = shard_summary(0, 2, 4, r0);
  EXPECT_EQ(s0.at("not_converged").at("cases"), 2);
  EXPECT_EQ(s0.at("not_converged").at("examples")[0].at("case"), 0);
  EXPECT_EQ(s0.at("inconclusive").at("cases"), 1);
  EXPECT_EQ(s0.at("trace_never_reached").at("cases"), 1);
  EXPECT_TRUE(s0.at("ok").get<bool>());
  const json m = reports::merge_summaries({s0, shard_summary(1, 2, 4, r1)}, {});
  EXPECT_EQ(m.at("not_converged").at("cases"), 3);
  EXPECT_EQ(m.at("inconclusive").at("cases"), 1);
  EXPECT_EQ(m.at("trace_never_reached").at("cases"), 1);
  const std::string xml = reports::junit_xml(m);
  EXPECT_NE(xml.find("not converged (outrun by the guest) 3, inconclusive (still progressing at "
                     "the limit) 1, trace never reached 1"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("failures=\"0\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace mirrorsim
