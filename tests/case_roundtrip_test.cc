// Every generated case round-trips: generate, save (the campaign's own
// save_case), load with the loader `mirrorsim run` uses, and get the same
// scenario, the same guest requests and the same event-log hash. A saved
// failure whose file does not load, or loads as a different run, would
// print a replay command that does not replay it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "properties/campaign.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/scenario_check.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_writer.h"
#include "sim/guest/trace.h"

namespace mirrorsim::properties {
namespace {

// Cases are saved, loaded and compared field by field; every kRunEvery-th
// is also run twice (generated and loaded) and the event-log hashes
// compared. Measured on 2 shared cores: release, 10,000 cases take about
// 6 s to generate, save, load and compare, and 7 s to run every 3rd (47 s
// to run all 10,000: MIRRORSIM_ROUNDTRIP_RUN_EVERY=1); ASan+UBSan, 2,000
// cases with every 10th run take 24 s at load 8. The release build covers
// the 10,000.
#ifdef MIRRORSIM_SANITIZE_BUILD
constexpr std::uint64_t kCases = 2'000;
constexpr std::uint64_t kRunEvery = 10;
#else
constexpr std::uint64_t kCases = 10'000;
constexpr std::uint64_t kRunEvery = 3;
#endif
// Of the cases saved with a bug (a quarter), every (5 * kRunEvery)th is run.
constexpr std::uint64_t kBuggyRunEvery = 5;
constexpr std::uint64_t kCampaignSeed = 1;

class CaseRoundTrip : public testing::Test {
 protected:
  void SetUp() override {
    // save_case writes durably (fsync); on a disk 20,000 fsyncs would take
    // most of the test's time. A tmpfs makes them free, and the round trip
    // is about the files' content, not their durability.
    std::error_code error;
    const std::filesystem::path shm = "/dev/shm";
    const std::filesystem::path base =
        std::filesystem::is_directory(shm, error) && ::access(shm.c_str(), W_OK) == 0
            ? shm
            : std::filesystem::temp_directory_path();
    dir_ = base / ("mirrorsim-case-roundtrip-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    load_.known_bugs = known_bug_names();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  scenarios::LoadOptions load_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the loaded scenario must equal: the generated one, named as saved,
// with its trace at the saved CSV.
scenarios::Scenario expected_after_load(const GeneratedCase& c,
                                        const std::vector<std::string>& bugs,
                                        const std::string& name, const std::filesystem::path& dir) {
  scenarios::Scenario s = c.scenario;
  s.name = name;
  for (const std::string& bug : bugs) {
    if (std::find(s.mirror.bugs.begin(), s.mirror.bugs.end(), bug) == s.mirror.bugs.end()) {
      s.mirror.bugs.push_back(bug);
    }
  }
  if (std::holds_alternative<scenarios::TraceWorkload>(s.workload)) {
    s.workload = scenarios::TraceWorkload{
        std::filesystem::absolute(dir / (name + ".csv")).lexically_normal(),
        sim::TraceFormat::kCsv};
  }
  return s;
}

TEST_F(CaseRoundTrip, EveryGeneratedCaseSavesLoadsAndReplaysTheSame) {
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t runs = 0;
  std::uint64_t mismatched_lengths = 0;
  std::uint64_t failures = 0;
  std::uint64_t done = 0;
  double run_seconds = 0;
  // MIRRORSIM_ROUNDTRIP_RUN_EVERY=N runs every Nth case, with or without a
  // bug (=1: all 10,000; for measuring, or for a thorough run by hand).
  std::uint64_t run_every = kRunEvery;
  std::uint64_t buggy_run_every = kRunEvery * kBuggyRunEvery;
  if (const char* every = std::getenv("MIRRORSIM_ROUNDTRIP_RUN_EVERY")) {
    run_every = buggy_run_every = std::max<std::uint64_t>(1, std::strtoull(every, nullptr, 10));
  }
  for (std::uint64_t index = 0; index < kCases && failures < 5; ++index, ++done) {
    SCOPED_TRACE("case " + std::to_string(index));
    const GeneratedCase c = generate_case(kCampaignSeed, index);
    if (c.scenario.source.length_bytes != c.scenario.target.length_bytes) ++mismatched_lengths;
    const std::string name = "case-" + std::to_string(index);
    // A quarter of the cases are saved as the mutant campaign saves them,
    // with an engine bug switched on (added to mirror.bugs).
    std::vector<std::string> bugs;
    if (index % 4 == 1) bugs.push_back(load_.known_bugs[index / 4 % load_.known_bugs.size()]);
    const std::filesystem::path file = save_case(c, bugs, dir_, name);

    scenarios::Scenario loaded;
    try {
      loaded = scenarios::load_scenario(file, load_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "saved case does not load: " << e.what() << "\n" << read_file(file);
      ++failures;
      continue;
    }
    const scenarios::Scenario expected = expected_after_load(c, bugs, name, dir_);
    if (loaded != expected) {
      ADD_FAILURE() << "loaded scenario differs from the generated one; generated:\n"
                    << scenarios::write_scenario(expected) << "\nloaded:\n"
                    << scenarios::write_scenario(loaded);
      ++failures;
      continue;
    }
    // The saved text is a fixed point: writing the loaded scenario again
    // gives what parses to the same value.
    EXPECT_EQ(scenarios::parse_scenario(scenarios::write_scenario(loaded), file.string(), load_),
              loaded);

    std::vector<sim::GuestRequest> requests;
    if (const auto* trace = std::get_if<scenarios::TraceWorkload>(&loaded.workload)) {
      requests = sim::read_trace(trace->path, trace->format,
                                 sim::TraceOptions{.disk_length = loaded.source.length_bytes})
                     .requests;
      if (requests != c.requests) {
        ADD_FAILURE() << "the saved trace reads back differently:\n" << read_file(trace->path);
        ++failures;
        continue;
      }
    }

    // Runs with a bug often go on to their time limit: run fewer of them.
    if (bugs.empty() ? index % run_every == 0 : index / 4 % buggy_run_every == 0) {
      ++runs;
      const auto run_start = std::chrono::steady_clock::now();
      const RunReport generated = run_case(c, bugs);
      // As `mirrorsim run FILE` runs it: from the file, trace read by the run.
      const RunReport replayed = run_scenario(loaded);
      if (generated.sim.log_hash != replayed.sim.log_hash) {
        ADD_FAILURE() << "event-log hash " << std::hex << generated.sim.log_hash
                      << " when generated, " << replayed.sim.log_hash << " when loaded from "
                      << file << ":\n"
                      << read_file(file);
        ++failures;
      }
      run_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    }
    std::filesystem::remove(file);
    std::filesystem::remove(dir_ / (name + ".csv"));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%llu cases round-tripped, %llu with source and target of different lengths, %llu also "
      "run from the file and compared by hash; %.1f s in all, %.1f s of it running cases\n",
      static_cast<unsigned long long>(done), static_cast<unsigned long long>(mismatched_lengths),
      static_cast<unsigned long long>(runs), seconds, run_seconds);
  EXPECT_EQ(done, kCases);
  // The cases the bug report was about must be among those checked.
  EXPECT_GT(mismatched_lengths, kCases / 100);
}

}  // namespace
}  // namespace mirrorsim::properties
