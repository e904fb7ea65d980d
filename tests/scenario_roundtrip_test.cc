// Scenario files: loading the samples, and write -> parse round trips.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "scenarios/scenario_check.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"
#include "scenarios/scenario_writer.h"

namespace mirrorsim::scenarios {
namespace {

const std::filesystem::path kData = std::filesystem::path(__FILE__).parent_path() / "data";

LoadOptions known_bugs() {
  return LoadOptions{
      .known_bugs = {"cow-widen-after-inflight-check", "no-size-check", "skip-flush"}};
}

// write -> parse gives back the same value; the text is shown on failure.
void expect_round_trip(const Scenario& scenario) {
  const std::string text = write_scenario(scenario);
  Scenario again;
  ASSERT_NO_THROW(again = parse_scenario(text, (kData / "written.toml").string(), known_bugs()))
      << text;
  EXPECT_EQ(again, scenario) << text;
  EXPECT_EQ(write_scenario(again), text);
}

Scenario minimal() {
  Scenario s;
  s.mirror.sync = SyncMode::kFull;
  return s;
}

TEST(ScenarioFile, MinimalFileTakesTheDocumentedDefaults) {
  const Scenario s = parse_scenario("[mirror]\nsync = \"full\"\n", "min.toml");
  EXPECT_EQ(s, minimal());
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.source.length_bytes, 64 * kMiB);
  EXPECT_EQ(s.source.kind, DiskKind::kRaw);
  EXPECT_EQ(s.mirror.copy_mode, CopyMode::kBackground);
  EXPECT_TRUE(s.mirror.unmap);
  EXPECT_TRUE(std::holds_alternative<NoWorkload>(s.workload));
  EXPECT_EQ(s.limits.max_time_us, 600'000'000u);
}

TEST(ScenarioFile, ClusterDefaultsAndBackingName) {
  const Scenario s = parse_scenario(R"(
[base]
kind = "cluster"
[target]
kind = "cluster"
backing = "at-pivot"
[mirror]
sync = "full"
)",
                                    "c.toml");
  EXPECT_EQ(s.target.cluster_bytes, 64 * kKiB);
  EXPECT_EQ(s.target.backing_name, "base");
  ASSERT_TRUE(s.base.has_value());
  EXPECT_EQ(s.base->backing, Backing::kNone);
}

TEST(ScenarioFile, FullSampleLoadsEverySection) {
  const Scenario s = load_scenario(kData / "scenario_full.toml", known_bugs());
  EXPECT_EQ(s.name, "full-reference");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.limits.max_time_us, 120'000'000u);
  EXPECT_EQ(s.limits.max_events, 20'000'000u);
  EXPECT_EQ(s.source.backing, Backing::kAttached);
  EXPECT_EQ(s.source.backing_name, "base");
  EXPECT_TRUE(s.source.old_data);
  EXPECT_EQ(s.source.jitter_us, 20u);
  EXPECT_EQ(s.source.flush_latency_us, 2000u);
  EXPECT_EQ(s.source.bandwidth_bytes_per_s, 800 * kMiB);
  EXPECT_TRUE(s.source.shared_bandwidth);
  EXPECT_EQ(s.target.bandwidth_bytes_per_s, 400 * kMiB);
  EXPECT_EQ(s.target.cluster_bytes, 1 * kMiB);
  EXPECT_EQ(s.target.backing, Backing::kAtPivot);
  EXPECT_EQ(s.target.capacity_bytes, 16 * kMiB);
  EXPECT_EQ(s.target.queue_depth, 16u);
  ASSERT_TRUE(s.base.has_value());
  EXPECT_TRUE(s.base->old_data);
  EXPECT_EQ(s.mirror.sync, SyncMode::kTop);
  EXPECT_EQ(s.mirror.buf_size_bytes, 2 * kMiB);
  EXPECT_EQ(s.mirror.speed_bytes_per_s, 2 * kMiB);
  EXPECT_EQ(s.mirror.on_source_error, ErrorPolicy::kStop);
  EXPECT_EQ(s.mirror.on_target_error, ErrorPolicy::kEnospc);
  EXPECT_TRUE(s.mirror.bugs.empty());
  const auto& w = std::get<sim::WorkloadParams>(s.workload);
  EXPECT_EQ(w.arrival, sim::Arrival::kUniform);
  EXPECT_EQ(w.size, (sim::SizeDistribution{sim::UniformSize{4 * kKiB, 256 * kKiB}}));
  EXPECT_EQ(w.locality, sim::Locality::kHotspot);
  EXPECT_EQ(w.hot_offset_bytes, 4 * kMiB);
  EXPECT_EQ(w.mix, (sim::OpMix{8, 1, 0.5, 2}));
  ASSERT_EQ(w.phases.size(), 2u);
  EXPECT_EQ(w.phases[0], (sim::Phase{200'000, 0.0}));
  EXPECT_EQ(w.phases[1], (sim::Phase{2'000'000, 5000.0}));
  EXPECT_EQ(w.start_us, 1000u);
  EXPECT_EQ(w.stop_us, 3'000'000u);
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].disk, FaultDisk::kSource);
  EXPECT_EQ(s.faults[0].rule.op, sim::DiskOp::kRead);
  EXPECT_EQ(s.faults[0].rule.offset_bytes, 1 * kMiB);
  EXPECT_EQ(s.faults[0].rule.to_ns, 1'010'000'000);
  EXPECT_DOUBLE_EQ(s.faults[0].rule.probability, 0.25);
  EXPECT_EQ(s.faults[1].rule.error, ENOSPC);
  EXPECT_TRUE(s.faults[1].rule.once);
  EXPECT_EQ(s.faults[1].rule.after, 20u);
  EXPECT_EQ(s.faults[1].rule.length_bytes, sim::kWholeDisk);
  EXPECT_EQ(s.faults[1].rule.to_ns, sim::kForever);
  ASSERT_EQ(s.commands.size(), 5u);
  EXPECT_EQ(s.commands[0], (Command{CommandKind::kPause, CommandTrigger::kAt, 500'000, 0}));
  EXPECT_EQ(s.commands[3], (Command{CommandKind::kSetSpeed, CommandTrigger::kAt, 1'200'000, 0}));
  EXPECT_EQ(s.commands[4], (Command{CommandKind::kComplete, CommandTrigger::kOnReady, 10'000, 0}));
  expect_round_trip(s);
}

TEST(ScenarioFile, TracePathIsResolvedAgainstTheScenarioFolder) {
  const Scenario s = load_scenario(kData / "scenario_trace.toml");
  const auto& trace = std::get<TraceWorkload>(s.workload);
  EXPECT_TRUE(trace.path.is_absolute());
  EXPECT_EQ(trace.path.filename(), "trace_sample.csv");
  EXPECT_TRUE(std::filesystem::exists(trace.path));
  EXPECT_EQ(trace.format, sim::TraceFormat::kCsv);
  expect_round_trip(s);
}

TEST(ScenarioFile, RoundTripsHandBuiltScenarios) {
  expect_round_trip(minimal());

  Scenario big = minimal();
  big.name = "quotes \" and \\ and\ttabs\nand lines";
  big.seed = UINT64_MAX;  // above 2^63-1: written as a string
  big.limits.max_events = UINT64_MAX;
  big.source.length_bytes = big.target.length_bytes = 1 * kTiB + 512;
  big.mirror.buf_size_bytes = UINT64_MAX;
  big.mirror.speed_bytes_per_s = 12345;
  big.mirror.bugs = {"skip-flush", "no-size-check"};
  big.target.length_bytes = 1025 * kKiB;
  big.workload = NoWorkload{};
  expect_round_trip(big);

  Scenario choices = minimal();
  sim::WorkloadParams p;
  p.size = sim::ChoiceSize{{512, 4096, 1 * kMiB, 1536}};
  p.locality = sim::Locality::kZipf;
  p.zipf_theta = 0.1 + 0.2;  // not exactly representable: shortest form must round trip
  p.rate_iops = 1.0 / 3.0;
  p.mix = sim::OpMix{1e-300, 0, 0, 1e12};
  p.max_requests = UINT64_MAX;
  choices.workload = p;
  Command speed{CommandKind::kSetSpeed, CommandTrigger::kOnReady, 1, UINT64_MAX};
  choices.commands = {speed, Command{CommandKind::kForceCancel, CommandTrigger::kAt, 0, 0}};
  choices.faults = {FaultSpec{FaultDisk::kSource, sim::FaultRule{.op = sim::DiskOp::kFlush,
                                                                 .after = UINT64_MAX,
                                                                 .probability = 0.0,
                                                                 .once = true,
                                                                 .error = EINVAL}}};
  expect_round_trip(choices);
}

// --- A RapidCheck generator of valid scenarios. ---

rc::Gen<std::uint64_t> sectors(std::uint64_t max_sectors) {
  return rc::gen::map(rc::gen::inRange<std::uint64_t>(0, max_sectors + 1),
                      [](std::uint64_t n) { return n * 512; });
}

rc::Gen<std::uint64_t> power_of_two(int low_log2, int high_log2) {
  return rc::gen::map(rc::gen::inRange(low_log2, high_log2 + 1),
                      [](int bits) { return std::uint64_t{1} << bits; });
}

rc::Gen<std::uint64_t> time_us() {
  return rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(0, 10'000),
                        rc::gen::map(rc::gen::inRange<std::uint64_t>(0, 100'000),
                                     [](std::uint64_t ms) { return ms * 1000; }),
                        rc::gen::inRange<std::uint64_t>(0, kMaxTimeUs + 1));
}

// Any finite double in [0, scale]: exercises the shortest-form writer.
rc::Gen<double> fraction(double scale) {
  return rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [scale](std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53 * scale;
  });
}

template <typename Enum>
rc::Gen<Enum> any_of() {
  const auto count = static_cast<int>(enum_names<Enum>().size());
  return rc::gen::map(rc::gen::inRange(0, count), [](int i) { return static_cast<Enum>(i); });
}

rc::Gen<std::string> text() {
  return rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127));
}

// `served`: a source or target (the unkind keys apply), not the base.
DiskSpec gen_disk(std::uint64_t length, bool may_back, bool served) {
  DiskSpec d;
  d.kind = *any_of<DiskKind>();
  d.length_bytes = length;
  if (d.kind == DiskKind::kCluster) {
    d.cluster_bytes = *power_of_two(9, 21);
    if (may_back) d.backing = *any_of<Backing>();
    if (d.backing != Backing::kNone) d.backing_name = "base";
  }
  d.old_data = *rc::gen::arbitrary<bool>();
  d.zero_init = !d.old_data && *rc::gen::arbitrary<bool>();
  d.discard_reads_zero = *rc::gen::arbitrary<bool>();
  d.capacity_bytes = *sectors(1 << 30);
  d.latency_us = *time_us();
  d.bandwidth_bytes_per_s = *rc::gen::arbitrary<std::uint64_t>();
  d.shared_bandwidth = *rc::gen::arbitrary<bool>();
  d.jitter_us = *time_us();
  d.queue_depth = *rc::gen::inRange<std::uint32_t>(1, kMaxQueueDepth + 1);
  d.flush_latency_us = *time_us();
  if (*rc::gen::arbitrary<bool>()) d.faults_end_us = *time_us();
  if (served) {
    d.io_model = *any_of<sim::IoModel>();
    d.completion_delay_us = *time_us();
    d.reorder = d.completion_delay_us > 0 && *rc::gen::arbitrary<bool>();
  }
  return d;
}

sim::WorkloadParams gen_workload() {
  sim::WorkloadParams p;
  p.rate_iops = *fraction(sim::kMaxRateIops);
  p.arrival = *any_of<sim::Arrival>();
  p.burst_on_us = *rc::gen::inRange<std::uint64_t>(1, 1'000'000'000);
  p.burst_off_us = *rc::gen::inRange<std::uint64_t>(0, 1'000'000'000);
  const auto request = rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 2049),
                                    [](std::uint64_t n) { return n * 512; });
  switch (*rc::gen::inRange(0, 3)) {
    case 0:
      p.size = sim::FixedSize{*request};
      break;
    case 1: {
      const std::uint64_t a = *request;
      const std::uint64_t b = *request;
      p.size = sim::UniformSize{std::min(a, b), std::max(a, b)};
      break;
    }
    default:
      p.size = sim::ChoiceSize{*rc::gen::container<std::vector<std::uint64_t>>(
          *rc::gen::inRange<std::size_t>(1, 8), request)};
  }
  p.align_bytes = *power_of_two(9, 30);
  p.locality = *any_of<sim::Locality>();
  p.hot_fraction = std::max(*fraction(1.0), 1e-9);
  p.hot_share = *fraction(1.0);
  p.hot_offset_bytes = *sectors(1 << 30);
  p.zipf_theta = std::max(*fraction(sim::kMaxZipfTheta), 1e-6);
  p.mix = sim::OpMix{*fraction(10), *fraction(10), *fraction(10), 1.0 + *fraction(10)};
  const std::size_t phases = *rc::gen::inRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < phases; ++i) {
    p.phases.push_back(
        sim::Phase{*rc::gen::inRange<std::uint64_t>(1, 1'000'000'000'000), *fraction(1e6)});
  }
  p.start_us = *rc::gen::inRange<std::uint64_t>(0, 1'000'000'000);
  p.stop_us = *rc::gen::element<std::uint64_t>(0, p.start_us + 1, kMaxTimeUs);
  p.max_requests = *rc::gen::arbitrary<std::uint64_t>();
  return p;
}

Scenario gen_scenario() {
  Scenario s;
  s.name = *text();
  s.description = *text();
  s.seed = *rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>());
  s.limits.max_time_us = *rc::gen::inRange<std::uint64_t>(1, kMaxTimeUs + 1);
  s.limits.max_events = *rc::gen::inRange<std::uint64_t>(1, UINT64_MAX);
  const bool have_base = *rc::gen::arbitrary<bool>();
  const std::uint64_t length =
      *rc::gen::oneOf(sectors(1 << 22), rc::gen::just(kTiB), rc::gen::just(kMaxDiskBytes));
  s.source = gen_disk(length, have_base, true);
  s.target = gen_disk(length, have_base, true);
  if (have_base) s.base = gen_disk(*sectors(1 << 22), false, false);
  s.mirror.sync = *any_of<SyncMode>();
  s.mirror.copy_mode = *any_of<CopyMode>();
  s.mirror.granularity_bytes =
      *rc::gen::oneOf(rc::gen::just<std::uint64_t>(0), power_of_two(9, 26));
  s.mirror.buf_size_bytes = *rc::gen::arbitrary<std::uint64_t>();
  s.mirror.speed_bytes_per_s = *rc::gen::arbitrary<std::uint64_t>();
  s.mirror.on_source_error = *any_of<ErrorPolicy>();
  s.mirror.on_target_error = *any_of<ErrorPolicy>();
  s.mirror.unmap = *rc::gen::arbitrary<bool>();
  s.mirror.target_is_zero = *rc::gen::arbitrary<bool>();
  for (const std::string& bug : known_bugs().known_bugs) {
    if (*rc::gen::arbitrary<bool>()) s.mirror.bugs.push_back(bug);
  }
  if (*rc::gen::arbitrary<bool>()) s.workload = gen_workload();
  const std::size_t faults = *rc::gen::inRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < faults; ++i) {
    FaultSpec f;
    f.disk = *rc::gen::element(FaultDisk::kSource, FaultDisk::kTarget);
    sim::FaultRule& r = f.rule;
    const std::uint64_t disk_length = length;
    r.offset_bytes = *rc::gen::inRange<std::uint64_t>(0, disk_length / 512 + 1) * 512;
    r.length_bytes =
        *rc::gen::inRange<std::uint64_t>(0, (disk_length - r.offset_bytes) / 512 + 1) * 512;
    if (r.length_bytes == 0) r.length_bytes = sim::kWholeDisk;
    r.op = *rc::gen::element<std::optional<sim::DiskOp>>(
        std::nullopt, sim::DiskOp::kRead, sim::DiskOp::kWrite, sim::DiskOp::kWriteZeroes,
        sim::DiskOp::kDiscard, sim::DiskOp::kFlush);
    const std::uint64_t from_us = *rc::gen::inRange<std::uint64_t>(0, kMaxTimeUs);
    const std::uint64_t to_us = *rc::gen::element<std::uint64_t>(0, from_us + 1, kMaxTimeUs);
    r.from_ns = static_cast<engine::TimeNs>(from_us) * engine::kNsPerUs;
    r.to_ns = to_us == 0 ? sim::kForever : static_cast<engine::TimeNs>(to_us) * engine::kNsPerUs;
    r.after = *rc::gen::arbitrary<std::uint64_t>();
    r.probability = *fraction(1.0);
    r.once = *rc::gen::arbitrary<bool>();
    r.error = *rc::gen::element(EIO, ENOSPC, EINVAL);
    r.torn = (!r.op || sim::changes_content(*r.op)) && *rc::gen::arbitrary<bool>();
    s.faults.push_back(f);
  }
  const std::size_t commands = *rc::gen::inRange<std::size_t>(0, 5);
  for (std::size_t i = 0; i < commands; ++i) {
    Command c;
    c.kind = *any_of<CommandKind>();
    c.trigger = *rc::gen::element(CommandTrigger::kAt, CommandTrigger::kOnReady);
    c.time_us = *time_us();
    if (c.kind == CommandKind::kSetSpeed)
      c.speed_bytes_per_s = *rc::gen::arbitrary<std::uint64_t>();
    s.commands.push_back(c);
  }
  return s;
}

RC_GTEST_PROP(ScenarioFile, RandomValidScenariosRoundTrip, ()) {
  const Scenario scenario = gen_scenario();
  const auto problem = check_scenario(scenario, known_bugs());
  RC_ASSERT(!problem.has_value());
  const std::string text = write_scenario(scenario);
  const Scenario again = parse_scenario(text, "random.toml", known_bugs());
  RC_ASSERT(again == scenario);
}

}  // namespace
}  // namespace mirrorsim::scenarios
