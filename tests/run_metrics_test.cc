// The figures of properties/run_metrics.h on hand-made runs whose answers
// are known: the recorder fed by hand, then whole runs through the World.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "properties/run_metrics.h"
#include "properties/run_report.h"
#include "properties/world.h"
#include "scenarios/scenario.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim {
namespace {

using engine::kNsPerMs;
using engine::kNsPerSecond;
using properties::MetricsRecorder;
using properties::RunMetrics;
using scenarios::kKiB;
using scenarios::kMiB;

TEST(RunMetrics, PowerOfTwoBuckets) {
  EXPECT_EQ(properties::power_of_two_bucket(0), 1u);
  EXPECT_EQ(properties::power_of_two_bucket(4096), 4096u);
  EXPECT_EQ(properties::power_of_two_bucket(8191), 4096u);
  EXPECT_EQ(properties::power_of_two_bucket(8192), 8192u);
  EXPECT_EQ(properties::power_of_two_bucket(3 * kMiB), 2 * kMiB);
}

TEST(RunMetrics, LatencyPercentilesOfOneToAThousand) {
  std::vector<engine::TimeNs> values(1000);
  std::iota(values.rbegin(), values.rend(), 1);  // 1000 down to 1
  const auto p = properties::latency_percentiles(values);
  ASSERT_TRUE(p.has_value());
  // Nearest rank over 1..1000: index round(p * 999).
  EXPECT_EQ(p->p50_ns, 501);
  EXPECT_EQ(p->p99_ns, 990);
  EXPECT_EQ(p->p999_ns, 999);
  std::vector<engine::TimeNs> none;
  EXPECT_FALSE(properties::latency_percentiles(none).has_value());
}

// A recorder fed a hand-made run: a 1 MiB source holding 64 KiB of data at
// 0 and 4 KiB at 512 KiB; the guest writes 10 x 4 KiB over one second, two
// of them overlapping the data; the job ends at 2 s.
TEST(RunMetrics, RecorderOnAHandMadeRun) {
  MetricsRecorder r(1 * kMiB);
  sim::ExtentStore layer(1 * kMiB);
  (void)layer.assign(0, 64 * kKiB, 7, 0);
  (void)layer.assign(512 * kKiB, 4 * kKiB, 8, 0);
  const sim::GuestView source(std::vector<sim::ExtentStore>{layer});
  r.guest_write_latency(-kNsPerMs, 5 * kNsPerMs);  // started before the job
  r.job_started(0, engine::SyncMode::kFull, source);
  for (int i = 0; i < 10; ++i) {
    const engine::TimeNs start = i * 100 * kNsPerMs;
    r.guest_started(start);
    r.guest_changed(static_cast<std::uint64_t>(i) * 60 * kKiB, 4 * kKiB);  // 0 and 60 KiB overlap
    r.guest_write_latency(start, kNsPerMs);
    r.guest_ended(start + 100 * kNsPerMs, 4 * kKiB);  // the last ends at 1 s
  }
  r.copy_op_started(64 * kKiB);
  r.copy_op_started(4 * kKiB);
  r.copy_op_started(5 * kKiB);
  for (int i = 0; i < 6; ++i) r.target_write();
  r.complete_accepted(1500 * kNsPerMs);
  r.complete_accepted(1600 * kNsPerMs);  // a second complete: the first counts
  r.pivoted(1800 * kNsPerMs);
  r.guest_changed(0, 1 * kMiB);  // after the pivot: needs no copying
  r.job_running_until(2 * kNsPerSecond);
  const RunMetrics m = r.finish(5 * kNsPerSecond, 128 * kKiB, 4 * kKiB);

  ASSERT_TRUE(m.guest_iops && m.guest_bytes_per_s);
  EXPECT_DOUBLE_EQ(*m.guest_iops, 10.0);
  EXPECT_DOUBLE_EQ(*m.guest_bytes_per_s, 40.0 * kKiB);
  ASSERT_TRUE(m.guest_write_latency_during_job && m.guest_write_latency_before_job);
  EXPECT_EQ(m.guest_write_latency_during_job->p99_ns, kNsPerMs);
  EXPECT_EQ(m.guest_write_latency_before_job->p50_ns, 5 * kNsPerMs);
  // 64 KiB + 4 KiB of data, and 8 of the 10 guest writes outside it.
  EXPECT_EQ(m.needed_copy_bytes, (64 + 4 + 8 * 4) * kKiB);
  ASSERT_TRUE(m.write_amplification);
  EXPECT_DOUBLE_EQ(*m.write_amplification, 128.0 / 100.0);
  EXPECT_EQ(m.copy_op_sizes,
            (std::map<std::uint64_t, std::uint64_t>{{4 * kKiB, 2}, {64 * kKiB, 1}}));
  ASSERT_TRUE(m.pivot_drain_ns);
  EXPECT_EQ(*m.pivot_drain_ns, 300 * kNsPerMs);
  ASSERT_TRUE(m.target_writes_per_s);
  EXPECT_DOUBLE_EQ(*m.target_writes_per_s, 3.0);  // 6 over the job's 2 s, not the run's 5 s
  EXPECT_EQ(m.dirty_bytes_at_end, 4 * kKiB);
}

TEST(RunMetrics, NothingToCopyHasNoAmplificationAndNoGuestHasNoRate) {
  MetricsRecorder r(1 * kMiB);
  r.job_started(0, engine::SyncMode::kNone,
                sim::GuestView(std::vector<sim::ExtentStore>{sim::ExtentStore(1 * kMiB)}));
  const RunMetrics m = r.finish(kNsPerSecond, 0, 0);
  EXPECT_EQ(m.needed_copy_bytes, 0u);
  EXPECT_FALSE(m.write_amplification);
  EXPECT_FALSE(m.guest_iops);
  EXPECT_FALSE(m.guest_write_latency_during_job);
  EXPECT_FALSE(m.pivot_drain_ns);
}

scenarios::DiskSpec raw_disk(std::uint64_t length, bool old_data) {
  scenarios::DiskSpec d;
  d.kind = scenarios::DiskKind::kRaw;
  d.length_bytes = length;
  d.zero_init = !old_data;
  d.old_data = old_data;
  return d;
}

// A 4 MiB source full of data, no guest, complete on READY: everything
// needs copying once, so the job writes exactly the disk.
TEST(RunMetrics, FullCopyWithoutGuestWritesTheDiskOnce) {
  scenarios::Scenario s;
  s.name = "metrics-full-copy";
  s.source = raw_disk(4 * kMiB, true);
  s.target = raw_disk(4 * kMiB, false);
  s.mirror.sync = engine::SyncMode::kFull;
  const properties::RunReport report = properties::run_scenario(s);
  ASSERT_TRUE(report.passed());
  const RunMetrics& m = report.run_metrics;
  EXPECT_EQ(m.needed_copy_bytes, 4 * kMiB);
  ASSERT_TRUE(m.write_amplification);
  EXPECT_DOUBLE_EQ(*m.write_amplification, 1.0);
  std::uint64_t ops = 0;
  std::uint64_t lower_bound_bytes = 0;
  for (const auto& [bucket, count] : m.copy_op_sizes) {
    ops += count;
    lower_bound_bytes += bucket * count;
  }
  EXPECT_EQ(ops, report.metrics.copy_ops);
  EXPECT_LE(lower_bound_bytes, report.metrics.bytes_written);
  EXPECT_GT(2 * lower_bound_bytes, report.metrics.bytes_written);
  EXPECT_EQ(m.dirty_bytes_at_end, 0u);
  ASSERT_TRUE(m.pivot_drain_ns);
  EXPECT_GE(*m.pivot_drain_ns, 0);
  ASSERT_TRUE(m.target_writes_per_s);
  EXPECT_GT(*m.target_writes_per_s, 0.0);
  EXPECT_FALSE(m.guest_iops);
  EXPECT_FALSE(m.guest_write_latency_during_job);
  EXPECT_FALSE(m.guest_write_latency_before_job);
}

// 1000 fixed-interval 4 KiB writes per second for 50 ms against a fast
// disk: the guest is never held back, so it achieves the rate asked.
TEST(RunMetrics, AnUncappedGuestAchievesTheRequestedRate) {
  scenarios::Scenario s;
  s.name = "metrics-guest-rate";
  s.source = raw_disk(64 * kMiB, true);
  s.target = raw_disk(64 * kMiB, false);
  // Each request at the full rate: with the shared default a 4 KiB write
  // waits its turn behind the copy's 1 MiB transfers.
  s.source.shared_bandwidth = s.target.shared_bandwidth = false;
  s.mirror.sync = engine::SyncMode::kFull;
  sim::WorkloadParams w;
  w.rate_iops = 1000;
  w.size = sim::FixedSize{4 * kKiB};
  w.stop_us = 50'000;
  s.workload = w;
  scenarios::Command complete;
  complete.kind = scenarios::CommandKind::kComplete;
  complete.trigger = scenarios::CommandTrigger::kAt;
  complete.time_us = 60'000;
  s.commands = {complete};
  const properties::RunReport report = properties::run_scenario(s);
  ASSERT_EQ(report.guest_requests, 50u);
  const RunMetrics& m = report.run_metrics;
  ASSERT_TRUE(m.guest_iops && m.guest_bytes_per_s);
  // 50 requests from 0 to 49 ms plus the last one's latency.
  EXPECT_NEAR(*m.guest_iops, 1000.0, 50.0);
  EXPECT_DOUBLE_EQ(*m.guest_bytes_per_s, *m.guest_iops * 4 * kKiB);
  ASSERT_TRUE(m.guest_write_latency_during_job);
  EXPECT_LE(m.guest_write_latency_during_job->p50_ns, m.guest_write_latency_during_job->p99_ns);
  EXPECT_LE(m.guest_write_latency_during_job->p99_ns, m.guest_write_latency_during_job->p999_ns);
  EXPECT_FALSE(m.guest_write_latency_before_job);  // the guest starts with the job
  ASSERT_TRUE(m.write_amplification);
  EXPECT_GE(*m.write_amplification, 1.0);  // every byte copied at least once
}

}  // namespace
}  // namespace mirrorsim
