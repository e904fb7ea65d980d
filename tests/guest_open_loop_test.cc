// The honest guest (properties/world_io.cc): arrivals at their own times
// whatever the disks do, a FIFO in front of the guest's queue, a cap on
// outstanding requests that is reported when hit; and disks whose bandwidth
// is shared by their requests unless a scenario says otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "properties/run_report.h"
#include "properties/world.h"
#include "reports/run_metrics_text.h"
#include "reports/run_text.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_writer.h"
#include "sim/disks/disk_options.h"

namespace mirrorsim {
namespace {

using scenarios::kKiB;
using scenarios::kMiB;

constexpr double kRate = 2000;  // requests per second
constexpr std::uint64_t kStopUs = 1'000'000;

// An 8 MiB source with 20 ms of latency and 128 slots; the guest writes
// 4 KiB at kRate for 1 s; complete at 1.2 s, after the guest has stopped.
// 2000/s x 20 ms = 40 requests outstanding on average: more than the old
// guest's 32, fewer than the device's 128.
scenarios::Scenario deep_slow_disk(sim::Arrival arrival) {
  scenarios::Scenario s;
  s.name = "guest-open-loop";
  s.source.length_bytes = 8 * kMiB;
  s.source.latency_us = 20'000;
  s.source.queue_depth = 128;
  s.target.length_bytes = 8 * kMiB;
  s.mirror.sync = engine::SyncMode::kFull;
  sim::WorkloadParams w;
  w.rate_iops = kRate;
  w.arrival = arrival;
  w.size = sim::FixedSize{4 * kKiB};
  w.stop_us = kStopUs;
  s.workload = w;
  scenarios::Command complete;
  complete.kind = scenarios::CommandKind::kComplete;
  complete.trigger = scenarios::CommandTrigger::kAt;
  complete.time_us = 1'200'000;
  s.commands = {complete};
  return s;
}

// The achieved rate counts `n` requests from the first arrival (time 0) to
// the last completion: the last arrival, before 1 s, plus at most one
// latency. Requests here take 20 ms and queue behind at most a few job ops
// (1 MiB at 1 GB/s each): 100 ms bounds it with room to spare.
void expect_rate_of(std::uint64_t n, double achieved) {
  const double span_max_s = static_cast<double>(kStopUs) / 1e6 + 0.1;
  EXPECT_GE(achieved, static_cast<double>(n) / span_max_s);
  EXPECT_LE(achieved, static_cast<double>(n) / ((static_cast<double>(n) - 1) / kRate));
}

// Fixed arrivals: exactly 2000 requests in [0, 1 s), all issued, none
// delayed by the cap, at the rate asked. The old guest, which waited for
// one of 32 slots before scheduling its next arrival, achieved 1577.6 IOPS
// on this disk (main at 9b3a441: `mirrorsim run` of the same scenario),
// and reported a p99 latency of 20 ms with its queueing left out.
TEST(GuestOpenLoop, FixedArrivalsKeepTheRequestedRate) {
  const properties::RunReport report =
      properties::run_scenario(deep_slow_disk(sim::Arrival::kFixed));
  ASSERT_TRUE(report.passed()) << reports::describe_report(report);
  const properties::RunMetrics& m = report.run_metrics;
  EXPECT_EQ(report.guest_requests, 2000u);
  EXPECT_EQ(m.guest_cap_hits, 0u);
  EXPECT_EQ(m.guest_cap_delay_ns, 0);
  EXPECT_EQ(m.guest_max_outstanding, scenarios::kDefaultMaxOutstanding);
  ASSERT_TRUE(m.guest_requested_iops && m.guest_iops);
  EXPECT_DOUBLE_EQ(*m.guest_requested_iops, kRate);
  expect_rate_of(report.guest_requests, *m.guest_iops);
  EXPECT_GT(*m.guest_iops, 1.15 * 1577.6);  // the old model's figure, for contrast
}

// Poisson arrivals: the count in 1 s is Poisson(2000), sd sqrt(2000) ~ 45;
// it is fixed by the seed, and 4 sd bounds it. The rate follows the count.
TEST(GuestOpenLoop, PoissonArrivalsKeepTheRequestedRate) {
  const properties::RunReport report =
      properties::run_scenario(deep_slow_disk(sim::Arrival::kPoisson));
  ASSERT_TRUE(report.passed()) << reports::describe_report(report);
  const properties::RunMetrics& m = report.run_metrics;
  EXPECT_NEAR(static_cast<double>(report.guest_requests), kRate, 4 * std::sqrt(kRate));
  EXPECT_EQ(m.guest_cap_hits, 0u);
  ASSERT_TRUE(m.guest_iops);
  expect_rate_of(report.guest_requests, *m.guest_iops);
}

// A source of 1 MB/s serves 4 KiB writes at about 244 a second; the guest
// asks for 2000 a second with at most 64 outstanding. The cap is hit, the
// arrivals wait, and the report says so in its fields and its text.
TEST(GuestOpenLoop, ACapHitOnATinyBandwidthIsReported) {
  scenarios::Scenario s = deep_slow_disk(sim::Arrival::kFixed);
  s.source.latency_us = 100;
  s.source.queue_depth = 32;
  s.source.bandwidth_bytes_per_s = 1'000'000;
  s.source.length_bytes = 1 * kMiB;
  s.target.length_bytes = 1 * kMiB;
  std::get<sim::WorkloadParams>(s.workload).stop_us = 200'000;
  s.max_outstanding = 64;
  s.commands.clear();  // complete on READY
  const properties::RunReport report = properties::run_scenario(s);
  ASSERT_TRUE(report.passed()) << reports::describe_report(report);
  const properties::RunMetrics& m = report.run_metrics;
  EXPECT_EQ(m.guest_max_outstanding, 64u);
  EXPECT_GT(m.guest_cap_hits, 0u);
  EXPECT_GT(m.guest_cap_delay_ns, 0);
  ASSERT_TRUE(m.guest_iops && m.guest_requested_iops);
  EXPECT_LT(*m.guest_iops, 1e6 / (4 * kKiB) * 1.01);  // the disk's bandwidth, at most
  EXPECT_DOUBLE_EQ(*m.guest_requested_iops, kRate);
  const std::string text = reports::describe_report(report);
  EXPECT_NE(text.find(fmt::format("warning: the guest hit its cap of 64 outstanding requests {} "
                                  "times",
                                  m.guest_cap_hits)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("of 2000.0 requested"), std::string::npos) << text;
  const nlohmann::json j = reports::report_json(report);
  EXPECT_EQ(j["metrics"]["guest_cap_hits"], m.guest_cap_hits);
}

// Without a cap hit there is no warning.
TEST(GuestOpenLoop, NoWarningWithoutACapHit) {
  properties::RunMetrics m;
  m.guest_max_outstanding = 1024;
  EXPECT_EQ(reports::guest_cap_warning(m), "");
}

TEST(GuestOpenLoop, MaxOutstandingIsReadWrittenAndChecked) {
  const std::string base =
      "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n"
      "[mirror]\nsync = \"full\"\n[workload]\nrate_iops = 10\n";
  EXPECT_EQ(scenarios::parse_scenario(base, "a.toml").max_outstanding,
            scenarios::kDefaultMaxOutstanding);
  const scenarios::Scenario s = scenarios::parse_scenario(base + "max_outstanding = 8\n", "b.toml");
  EXPECT_EQ(s.max_outstanding, 8u);
  EXPECT_EQ(scenarios::parse_scenario(scenarios::write_scenario(s), "c.toml"), s);
  EXPECT_THROW(scenarios::parse_scenario(base + "max_outstanding = 0\n", "d.toml"),
               scenarios::ScenarioError);
}

// A file that does not say shared_bandwidth gets a shared channel, as a
// real device has, and the run's header says so.
TEST(SharedBandwidth, IsTheDefault) {
  EXPECT_TRUE(sim::DiskOptions{}.shared_bandwidth);
  EXPECT_TRUE(scenarios::DiskSpec{}.shared_bandwidth);
  const std::string text =
      "[source]\nlength_bytes = \"64MiB\"\nzero_init = false\nold_data = "
      "true\n[target]\nlength_bytes = \"64MiB\"\n"
      "[mirror]\nsync = \"full\"\n";
  const scenarios::Scenario s = scenarios::parse_scenario(text, "shared.toml");
  EXPECT_TRUE(s.source.shared_bandwidth && s.target.shared_bandwidth);
  EXPECT_NE(reports::describe_setup(s, 1, {}).find("1000 MB/s shared by requests in flight"),
            std::string::npos);
  // 64 MiB through 1 GB/s channels takes at least 67 ms, however many ops
  // are in flight (each at the full rate, 16 ops would take a sixteenth).
  const properties::RunReport report = properties::run_scenario(s);
  ASSERT_TRUE(report.passed());
  EXPECT_GE(report.metrics.time_to_end_ns, static_cast<engine::TimeNs>(64.0 * kMiB / 1e9 * 1e9));
  scenarios::Scenario separate = s;
  separate.source.shared_bandwidth = separate.target.shared_bandwidth = false;
  EXPECT_NE(reports::describe_setup(separate, 1, {}).find("for each request (not shared)"),
            std::string::npos);
  EXPECT_LT(properties::run_scenario(separate).metrics.time_to_end_ns,
            report.metrics.time_to_end_ns / 4);
}

}  // namespace
}  // namespace mirrorsim
