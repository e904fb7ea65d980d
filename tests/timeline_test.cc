// The timeline (`mirrorsim run --trace`) as a trace viewer reads it: on every
// thread track the complete (X) slices nest, every track and process is
// named, and no request or op is left out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "properties/scenario_build.h"
#include "properties/world.h"
#include "reports/timeline.h"
#include "scenarios/library.h"
#include "scenarios/scenario_loader.h"
#include "sim/disks/disk_op.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim {
namespace {

using nlohmann::json;

constexpr int kDisksPid = 1;
constexpr int kJobPid = 2;

// A trace-event time (microseconds, fractional) in ns, as Perfetto reads it.
std::int64_t ns(const json& micros) {
  return std::llround(micros.get<double>() * 1000.0);
}

struct Shape {
  std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::int64_t>>> slices;
  std::set<int> named_processes;
  std::map<std::pair<int, int>, std::string> thread_names;
  std::set<std::pair<int, int>> used_threads;
  std::set<int> used_processes;
  std::uint64_t disk_slices = 0;
  std::uint64_t op_slices = 0;
  std::uint64_t unfinished = 0;
  std::string text;  // what is wrong, if anything
};

// Reads the timeline back from its text, as a viewer would.
Shape read_timeline(const properties::RunReport& report) {
  const json timeline = json::parse(reports::timeline_json(report).dump());
  Shape shape;
  for (const json& e : timeline.at("traceEvents")) {
    const std::string ph = e.at("ph");
    const int pid = e.at("pid");
    if (ph == "M") {
      if (e.at("name") == "process_name") shape.named_processes.insert(pid);
      if (e.at("name") == "thread_name") {
        shape.thread_names[{pid, e.at("tid").get<int>()}] = e.at("args").at("name");
      }
      continue;
    }
    shape.used_processes.insert(pid);
    if (!e.contains("tid")) continue;  // counters belong to the process
    const std::pair<int, int> track{pid, e.at("tid").get<int>()};
    shape.used_threads.insert(track);
    if (ph == "X") {
      shape.slices[track].push_back({ns(e.at("ts")), ns(e.at("ts")) + ns(e.at("dur"))});
      if (pid == kDisksPid) {
        ++shape.disk_slices;
      } else if (pid == kJobPid) {
        ++shape.op_slices;
      } else {
        shape.text += "a slice outside the disks and the job\n";
      }
      if (e.at("args").value("unfinished", false)) ++shape.unfinished;
    } else if (ph != "i") {
      shape.text += "unexpected phase " + ph + "\n";
    }
  }
  return shape;
}

// The slices of one track that do not nest in the ones before them: sorted
// by start (longest first at equal starts), each must end by the end of
// every slice open at its start.
std::uint64_t crossing_slices(std::vector<std::pair<std::int64_t, std::int64_t>> slices) {
  std::sort(slices.begin(), slices.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second > y.second;
  });
  std::vector<std::int64_t> open_ends;
  std::uint64_t crossing = 0;
  for (const auto& [start, end] : slices) {
    while (!open_ends.empty() && open_ends.back() <= start) open_ends.pop_back();
    if (!open_ends.empty() && end > open_ends.back()) {
      ++crossing;
      continue;
    }
    open_ends.push_back(end);
  }
  return crossing;
}

std::uint64_t count(const properties::RunReport& report, sim::EventKind kind) {
  std::uint64_t n = 0;
  for (const sim::LogRecord& r : report.log) n += r.kind == kind ? 1 : 0;
  return n;
}

// Peak number of requests (or ops) in flight at once, from the log.
std::uint64_t peak_in_flight(const properties::RunReport& report, sim::EventKind start,
                             sim::EventKind end) {
  std::int64_t now = 0;
  std::int64_t peak = 0;
  for (const sim::LogRecord& r : report.log) {
    if (r.kind == start) peak = std::max(peak, ++now);
    if (r.kind == end) --now;
  }
  return static_cast<std::uint64_t>(peak);
}

void expect_viewer_valid(const properties::RunReport& report, const std::string& what) {
  const Shape shape = read_timeline(report);
  EXPECT_EQ(shape.text, "") << what;
  for (const auto& [track, slices] : shape.slices) {
    EXPECT_EQ(crossing_slices(slices), 0u)
        << what << ": slices cross on pid " << track.first << " tid " << track.second << " ("
        << shape.thread_names.at(track) << ")";
  }
  for (int pid : shape.used_processes) {
    EXPECT_TRUE(shape.named_processes.count(pid)) << what << ": pid " << pid << " has no name";
  }
  for (const auto& track : shape.used_threads) {
    const auto name = shape.thread_names.find(track);
    EXPECT_TRUE(name != shape.thread_names.end() && !name->second.empty())
        << what << ": pid " << track.first << " tid " << track.second << " has no name";
  }
  // One slice per request and per op; the ones without an end are marked.
  const std::uint64_t disk_starts = count(report, sim::EventKind::kDiskRequestStart);
  const std::uint64_t op_starts = count(report, sim::EventKind::kMirrorOpStart);
  EXPECT_EQ(shape.disk_slices, disk_starts) << what;
  EXPECT_EQ(shape.op_slices, op_starts) << what;
  EXPECT_EQ(shape.unfinished, disk_starts + op_starts -
                                  count(report, sim::EventKind::kDiskRequestEnd) -
                                  count(report, sim::EventKind::kMirrorOpEnd))
      << what;
}

properties::RunReport run_library(const std::string& name) {
  scenarios::LoadOptions load;
  load.known_bugs = properties::known_bug_names();
  const scenarios::Scenario s = scenarios::load_scenario(scenarios::library_file(name), load);
  properties::RunOptions options;
  options.retain_log = true;
  return properties::run_scenario(s, options);
}

// A busy run: a 20000 requests/s guest beside the copy, many requests and
// ops in flight at once on each disk (the old one-track-per-disk layout lost
// two thirds of its slices in Perfetto).
TEST(Timeline, BusyRunNestsOnEveryTrackAndKeepsEverySlice) {
  const properties::RunReport report = run_library("write-blocking-heavy");
  ASSERT_GE(count(report, sim::EventKind::kDiskRequestStart), 1000u);
  ASSERT_GE(
      peak_in_flight(report, sim::EventKind::kDiskRequestStart, sim::EventKind::kDiskRequestEnd),
      8u);
  ASSERT_GE(peak_in_flight(report, sim::EventKind::kMirrorOpStart, sim::EventKind::kMirrorOpEnd),
            4u);
  expect_viewer_valid(report, "write-blocking-heavy");

  // Overlapping requests really are spread over several slot tracks.
  const Shape shape = read_timeline(report);
  std::uint64_t source_slots = 0;
  for (const auto& [track, name] : shape.thread_names) {
    if (name.starts_with("source slot ")) ++source_slots;
  }
  EXPECT_GE(source_slots, 2u);
}

TEST(Timeline, EveryLibraryScenarioIsViewerValid) {
  for (const std::filesystem::path& file : scenarios::library_files()) {
    SCOPED_TRACE(file.stem().string());
    expect_viewer_valid(run_library(file.stem().string()), file.stem().string());
  }
}

sim::LogRecord record(engine::TimeNs t, sim::EventKind kind, std::uint32_t subject, std::uint64_t a,
                      std::uint64_t b) {
  return sim::LogRecord{t, kind, subject, a, b, 0};
}

// Slots by hand: three overlapping writes take slots 0, 1, 2; a read that
// starts when the first write ends reuses slot 0; a request still in flight
// at the end is drawn up to the end of the run and marked.
TEST(Timeline, LowestFreeSlotAndUnfinishedRequests) {
  using sim::EventKind;
  const std::uint64_t write = sim::pack_length_op(4096, sim::DiskOp::kWrite);
  const std::uint64_t read = sim::pack_length_op(4096, sim::DiskOp::kRead);
  properties::RunReport report;
  report.sim.end_time_ns = 9000;
  report.log = {
      record(1000, EventKind::kDiskRequestStart, 1, 0, write),
      record(1500, EventKind::kDiskRequestStart, 1, 0, write),  // same key as the first
      record(2000, EventKind::kDiskRequestStart, 1, 8192, write),
      record(3000, EventKind::kDiskRequestEnd, 1, 0, write),
      record(3000, EventKind::kDiskRequestStart, 1, 0, read),
      record(4000, EventKind::kDiskRequestEnd, 1, 0, write),
      record(5000, EventKind::kDiskRequestEnd, 1, 8192, write),
      record(6000, EventKind::kDiskRequestEnd, 1, 0, read),
      record(7000, EventKind::kDiskRequestStart, 2, 0, write),  // never ends
  };
  expect_viewer_valid(report, "by hand");

  const json timeline = json::parse(reports::timeline_json(report).dump());
  std::map<int, std::string> names;
  std::vector<std::pair<double, std::string>> placed;  // (ts, track name) of each slice
  for (const json& e : timeline.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name" && e.at("pid") == kDisksPid) {
      names[e.at("tid")] = e.at("args").at("name");
    }
  }
  for (const json& e : timeline.at("traceEvents")) {
    if (e.at("ph") == "X") placed.push_back({e.at("ts"), names.at(e.at("tid"))});
  }
  std::sort(placed.begin(), placed.end());
  const std::vector<std::pair<double, std::string>> expected = {{1.0, "source slot 0"},
                                                                {1.5, "source slot 1"},
                                                                {2.0, "source slot 2"},
                                                                {3.0, "source slot 0"},
                                                                {7.0, "target slot 0"}};
  EXPECT_EQ(placed, expected);
  for (const json& e : timeline.at("traceEvents")) {
    if (e.at("ph") == "X" && e.at("ts") == 7.0) {
      EXPECT_EQ(e.at("dur"), 2.0);
      EXPECT_TRUE(e.at("args").value("unfinished", false));
    }
  }
}

}  // namespace
}  // namespace mirrorsim
