// Trace remapping (issue 13, an honest guest): time_scale, start_offset_us,
// offset_shift_bytes, scale_from_bytes, wrap and loop, and the warning for a trace the job
// never reached.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "properties/world.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_writer.h"
#include "sim/guest/trace.h"

namespace mirrorsim {
namespace {

using sim::GuestOp;
using sim::GuestRequest;

constexpr std::string_view kRows =
    "time_us,op,offset,length\n"
    "0,write,0,4096\n"
    "100,write,1048576,8192\n"
    "300,flush,0,0\n";

sim::Trace parse(const sim::TraceOptions& options) {
  return sim::parse_csv_trace(kRows, "t.csv", options);
}

TEST(TraceRemap, DefaultsKeepTheFileExactly) {
  const sim::Trace t = parse({.disk_length = 2 * 1024 * 1024});
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[1], (GuestRequest{100'000, GuestOp::kWrite, 1048576, 8192}));
}

TEST(TraceRemap, TimeScaleAndStartOffsetMoveTimes) {
  sim::TraceOptions o{.disk_length = 2 * 1024 * 1024};
  o.time_scale = 0.5;
  o.start_offset_us = 1000;
  const sim::Trace t = parse(o);
  EXPECT_EQ(t.requests[0].time, 1'000'000);
  EXPECT_EQ(t.requests[1].time, 1'050'000);  // 100 us at half: 50 us, after 1 ms
  EXPECT_EQ(t.requests[2].time, 1'150'000);
}

TEST(TraceRemap, OffsetShiftMovesRangesButNotFlushes) {
  sim::TraceOptions o{.disk_length = 4 * 1024 * 1024};
  o.offset_shift_bytes = 512;
  const sim::Trace t = parse(o);
  EXPECT_EQ(t.requests[0].offset, 512u);
  EXPECT_EQ(t.requests[1].offset, 1048576u + 512);
  EXPECT_EQ(t.requests[2].offset, 0u);
}

TEST(TraceRemap, WithoutWrapARequestShiftedPastTheEndIsAnErrorNamingItsLine) {
  sim::TraceOptions o{.disk_length = 1024 * 1024 + 4096};
  o.offset_shift_bytes = 4096;
  try {
    parse(o);
    FAIL() << "no error";
  } catch (const sim::TraceError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(e.message().find("past the disk end"), std::string::npos) << e.what();
  }
}

TEST(TraceRemap, WrapFoldsOffsetsOntoASmallerDisk) {
  sim::TraceOptions o{.disk_length = 1024 * 1024};  // the trace writes at 1 MiB: past the end
  o.wrap = true;
  const sim::Trace t = parse(o);
  EXPECT_EQ(t.requests[1].offset, 0u);        // 1 MiB modulo 1 MiB
  o.offset_shift_bytes = 1024 * 1024 - 4096;  // 2 MiB - 4 KiB mod 1 MiB: crosses the end
  const sim::Trace moved = parse(o);
  EXPECT_EQ(moved.requests[1].offset, 1024u * 1024 - 8192);  // moved back to end at the end
  EXPECT_EQ(moved.requests[0].offset, 1024u * 1024 - 4096);
}

TEST(TraceRemap, WrapRefusesARequestLongerThanTheDisk) {
  sim::TraceOptions o{.disk_length = 4096};
  o.wrap = true;
  EXPECT_THROW(parse(o), sim::TraceError);
}

TEST(TraceRemap, ScaleFromKeepsTheLayoutOnASmallerDisk) {
  // Recorded on a 4 MiB disk, replayed on 1 MiB: offsets shrink by 4.
  sim::TraceOptions o{.disk_length = 1024 * 1024};
  o.scale_from_bytes = 4 * 1024 * 1024;
  const sim::Trace t = parse(o);
  EXPECT_EQ(t.requests[0].offset, 0u);
  EXPECT_EQ(t.requests[1].offset, 256u * 1024);  // 1 MiB of 4 MiB: a quarter in
  EXPECT_EQ(t.requests[1].length, 8192u);        // lengths are kept
  EXPECT_EQ(t.requests[2].op, GuestOp::kFlush);
  EXPECT_EQ(t.requests[2].offset, 0u);
  // Recorded on 3 MiB: 1 MiB * 1/3 = 349525.33 bytes, down to a sector.
  o.scale_from_bytes = 3 * 1024 * 1024;
  EXPECT_EQ(parse(o).requests[1].offset, 349184u);
  // Recorded on a disk smaller than the request's end: scaled past the
  // end, moved back to end there.
  o.scale_from_bytes = 1024 * 1024 + 4096;
  EXPECT_EQ(parse(o).requests[1].offset, 1024u * 1024 - 8192);
}

TEST(TraceRemap, LoopRepeatsOneMicrosecondAfterTheLastRequest) {
  const sim::Trace t = parse({.disk_length = 2 * 1024 * 1024});
  sim::LoopingTraceReplay loop(t.requests);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(loop.next());
  const std::optional<GuestRequest> again = loop.next();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->time, 301'000);  // period: 300 us - 0 + 1 us
  EXPECT_EQ(again->offset, 0u);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(loop.next());
  EXPECT_EQ(loop.next()->time, 602'000);
  sim::LoopingTraceReplay empty({});
  EXPECT_FALSE(empty.next());
}

// A scenario file with a trace next to it, in a fresh directory.
class TraceScenario : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("trace_remap_" + std::to_string(::getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "t.csv") << kRows;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  scenarios::Scenario load(const std::string& workload_keys) {
    const std::filesystem::path file = dir_ / "s.toml";
    std::ofstream(file) << "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = "
                           "\"1MiB\"\n[mirror]\nsync = \"full\"\n[workload]\ntrace = \"t.csv\"\n"
                        << workload_keys;
    return scenarios::load_scenario(file);
  }

  std::filesystem::path dir_;
};

TEST_F(TraceScenario, KeysLoadAndRoundTrip) {
  const scenarios::Scenario s = load(
      "time_scale = 0.5\nstart_offset_us = \"2ms\"\nloop = true\noffset_shift_bytes = "
      "\"4KiB\"\nwrap = true\n");
  const auto& t = std::get<scenarios::TraceWorkload>(s.workload);
  EXPECT_EQ(t.time_scale, 0.5);
  EXPECT_EQ(t.start_offset_us, 2000u);
  EXPECT_TRUE(t.loop);
  EXPECT_EQ(t.offset_shift_bytes, 4096u);
  EXPECT_TRUE(t.wrap);
}

TEST_F(TraceScenario, TheWriterLeavesOutRemappingAtItsDefaults) {
  // A saved case from before these keys is written byte for byte as before.
  const std::string plain = scenarios::write_scenario(load("wrap = true\n"));
  for (const char* key : {"time_scale", "start_offset_us", "loop", "offset_shift_bytes"}) {
    EXPECT_EQ(plain.find(key), std::string::npos) << key << "\n" << plain;
  }
  EXPECT_NE(plain.find("\nwrap = true  # differs from default (false)\n"), std::string::npos)
      << plain;
}

TEST_F(TraceScenario, ATraceFromABiggerDiskNeedsWrap) {
  // The trace writes at 1 MiB, the end of this source.
  try {
    load("");
    FAIL() << "loaded";
  } catch (const scenarios::ScenarioError& e) {
    EXPECT_EQ(e.key(), "workload.trace");
  }
  EXPECT_NO_THROW(load("wrap = true\n"));
}

TEST_F(TraceScenario, ScaleFromLoadsRoundTripsAndMakesABigTraceFit) {
  const scenarios::Scenario s = load("scale_from_bytes = \"1TiB\"\n");
  const auto& t = std::get<scenarios::TraceWorkload>(s.workload);
  EXPECT_EQ(t.scale_from_bytes, 1ULL << 40);
  std::ofstream(dir_ / "again.toml") << scenarios::write_scenario(s);
  const scenarios::Scenario again = scenarios::load_scenario(dir_ / "again.toml");
  EXPECT_EQ(std::get<scenarios::TraceWorkload>(again.workload), t);
  try {
    load("scale_from_bytes = 100\n");
    FAIL() << "loaded";
  } catch (const scenarios::ScenarioError& e) {
    EXPECT_EQ(e.key(), "workload.scale_from_bytes");
  }
}

TEST_F(TraceScenario, BadValuesNameTheirKey) {
  for (const auto& [keys, key] : std::vector<std::pair<std::string, std::string>>{
           {"time_scale = 0\nwrap = true\n", "workload.time_scale"},
           {"time_scale = -1.0\nwrap = true\n", "workload.time_scale"},
           {"time_scale = nan\nwrap = true\n", "workload.time_scale"},
           {"offset_shift_bytes = 100\nwrap = true\n", "workload.offset_shift_bytes"},
           {"loop = 1\nwrap = true\n", "workload.loop"},
           {"start_offset_us = \"soon\"\nwrap = true\n", "workload.start_offset_us"}}) {
    try {
      load(keys);
      ADD_FAILURE() << keys << " loaded";
    } catch (const scenarios::ScenarioError& e) {
      EXPECT_EQ(e.key(), key) << e.what();
      EXPECT_GT(e.line(), 0u) << e.what();
    }
  }
}

TEST_F(TraceScenario, ATraceTheJobNeverReachedIsReported) {
  // The job (1 MiB at 1 GB/s) is done long before 10 s.
  scenarios::Scenario s = load("wrap = true\nstart_offset_us = \"10s\"\n");
  const properties::RunReport late = properties::run_scenario(s);
  EXPECT_TRUE(late.trace_never_reached());
  EXPECT_EQ(late.trace_requests, 3u);
  EXPECT_EQ(late.trace_requests_not_issued, 3u);
  EXPECT_EQ(late.trace_first_request_ns, 10'000'000'000);
  s = load("wrap = true\n");
  const properties::RunReport early = properties::run_scenario(s);
  EXPECT_FALSE(early.trace_never_reached());
  EXPECT_EQ(early.trace_requests_not_issued, 0u);
}

TEST_F(TraceScenario, ALoopedTraceRunsUntilTheJobEnds) {
  // Stretched 20x (a pass every 6 ms), the loop leaves the copy room to
  // converge; complete waits 20 ms after READY, so several passes run. (At
  // its own pace, a pass every 300 us, the guest outruns the job.)
  const scenarios::Scenario s = load(
      "wrap = true\nloop = true\ntime_scale = 20\n[[commands]]\naction = \"complete\"\n"
      "on_ready = true\ndelay_us = \"20ms\"\n");
  const properties::RunReport report = properties::run_scenario(s);
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.inconclusive(), nullptr);
  EXPECT_TRUE(report.job.ended) << report.outcome_line();
  EXPECT_GT(report.guest_requests, 3u);  // repeated while the job ran
  EXPECT_EQ(report.trace_requests, 0u);  // a loop has no end to miss
}

}  // namespace
}  // namespace mirrorsim
