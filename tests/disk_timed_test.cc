// SimDisk on the virtual clock: service times exactly as configured, queue
// depth and FIFO waiting, a shared bandwidth channel, jitter from the seed,
// content taking effect at completion, EINVAL, observers and the event log.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/invariant.h"
#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/simulation.h"
#include "tests/one_disk_world.h"

namespace mirrorsim::sim {
namespace {

using engine::TimeNs;

using engine::kNsPerUs;

DiskOptions disk_options() {
  DiskOptions o;
  o.name = "disk";
  o.length_bytes = 64 << 20;
  o.cluster_bytes = 64 << 10;
  o.queue_depth = 32;
  o.latency_ns = 100 * kNsPerUs;
  o.bandwidth_bytes_per_s = 1'000'000'000;  // 1 byte per ns
  o.jitter_ns = 0;
  o.flush_latency_ns = 500 * kNsPerUs;
  return o;
}

struct World : OneDiskWorld {
  using OneDiskWorld::OneDiskWorld;

  // Runs `n` tasks that each do `body(i)` at time 0; returns completion times.
  template <typename Body>
  std::vector<TimeNs> concurrently(int n, Body body) {
    std::vector<TimeNs> done(static_cast<std::size_t>(n), -1);
    for (int i = 0; i < n; ++i) {
      sim.spawn("task" + std::to_string(i), [this, &done, body, i] {
        body(i);
        done[static_cast<std::size_t>(i)] = sim.now();
      });
    }
    const RunOutcome outcome = sim.run();
    EXPECT_TRUE(outcome.ok()) << outcome.message;
    return done;
  }
};

TEST(SimDiskTiming, ServiceTimeIsLatencyPlusTransfer) {
  World w(disk_options());
  std::vector<TimeNs> at;
  engine::PayloadPtr payload;
  w.sim.spawn("io", [&] {
    w.disk.write_fresh(0, 4096);
    at.push_back(w.sim.now());
    w.disk.read(0, 1 << 20, payload);
    at.push_back(w.sim.now());
    w.disk.write_zeroes(0, 1 << 20, true);  // no transfer
    at.push_back(w.sim.now());
    w.disk.discard(0, 1 << 20);
    at.push_back(w.sim.now());
    w.disk.flush();
    at.push_back(w.sim.now());
  });
  ASSERT_TRUE(w.sim.run().ok());
  const TimeNs write_done = 100 * kNsPerUs + 4096;
  const TimeNs read_done = write_done + 100 * kNsPerUs + (1 << 20);
  EXPECT_EQ(at, (std::vector<TimeNs>{write_done, read_done, read_done + 100 * kNsPerUs,
                                     read_done + 200 * kNsPerUs, read_done + 700 * kNsPerUs}));
}

TEST(SimDiskTiming, TransferTimeRoundsUpToWholeNanoseconds) {
  DiskOptions o = disk_options();
  o.bandwidth_bytes_per_s = 3'000'000'000;  // 512 bytes: 170.67 ns -> 171
  o.latency_ns = 0;
  World w(o);
  const auto done = w.concurrently(1, [&](int) { w.disk.write_fresh(0, 512); });
  EXPECT_EQ(done[0], 171);
}

TEST(SimDiskTiming, RequestsBeyondQueueDepthWaitInArrivalOrder) {
  DiskOptions o = disk_options();
  o.queue_depth = 2;
  o.bandwidth_bytes_per_s = 0;
  World w(o);
  struct Recorder : DiskObserver {
    SimDisk* disk = nullptr;
    std::vector<std::pair<std::uint32_t, std::size_t>> at_start;  // in flight, queued
    std::vector<std::uint64_t> end_order;
    void on_request_start(const DiskRequest&) override {
      at_start.emplace_back(disk->in_flight(), disk->queued());
    }
    void on_request_end(const DiskRequest& r) override { end_order.push_back(r.offset); }
  } recorder;
  recorder.disk = &w.disk;
  w.disk.add_observer(recorder);
  const auto done = w.concurrently(
      5, [&](int i) { w.disk.write_fresh(static_cast<std::uint64_t>(i) << 20, 4096); });
  const TimeNs l = 100 * kNsPerUs;
  EXPECT_EQ(done, (std::vector<TimeNs>{l, l, 2 * l, 2 * l, 3 * l}));
  EXPECT_EQ(recorder.end_order,
            (std::vector<std::uint64_t>{0, 1 << 20, 2 << 20, 3 << 20, 4 << 20}));
  EXPECT_EQ(recorder.at_start[2], (std::pair<std::uint32_t, std::size_t>{2, 0}));
  EXPECT_EQ(recorder.at_start[4], (std::pair<std::uint32_t, std::size_t>{2, 2}));
  EXPECT_EQ(w.disk.stats().max_in_flight, 2u);
  EXPECT_EQ(w.disk.stats().max_queued, 3u);
  EXPECT_EQ(w.disk.in_flight(), 0u);
}

TEST(SimDiskTiming, SharedBandwidthSerializesTransfers) {
  DiskOptions o = disk_options();
  o.latency_ns = 10 * kNsPerUs;
  World shared_world([&] {
    DiskOptions s = o;
    s.shared_bandwidth = true;
    return s;
  }());
  World separate_world([&] {
    DiskOptions s = o;
    s.shared_bandwidth = false;
    return s;
  }());
  auto three_reads = [](World& w) {
    return w.concurrently(3, [&](int i) {
      engine::PayloadPtr out;
      w.disk.read(static_cast<std::uint64_t>(i) << 20, 1'000'000 / 512 * 512, out);
    });
  };
  const TimeNs t = 1'000'000 / 512 * 512;  // ns at 1 byte/ns
  EXPECT_EQ(three_reads(shared_world),
            (std::vector<TimeNs>{t + 10 * kNsPerUs, 2 * t + 10 * kNsPerUs, 3 * t + 10 * kNsPerUs}));
  EXPECT_EQ(three_reads(separate_world),
            (std::vector<TimeNs>{t + 10 * kNsPerUs, t + 10 * kNsPerUs, t + 10 * kNsPerUs}));
}

std::vector<TimeNs> jittered_times(std::uint64_t seed) {
  DiskOptions o = disk_options();
  o.jitter_ns = 50 * kNsPerUs;
  o.shared_bandwidth = false;  // 20 requests at once, each its own transfer
  World w(o, seed);
  return w.concurrently(
      20, [&](int i) { w.disk.write_fresh(static_cast<std::uint64_t>(i) * 4096, 4096); });
}

TEST(SimDiskTiming, JitterComesFromTheSeed) {
  const std::vector<TimeNs> a = jittered_times(11);
  EXPECT_EQ(a, jittered_times(11));
  EXPECT_NE(a, jittered_times(12));
  for (TimeNs t : a) {
    EXPECT_GE(t, 100 * kNsPerUs + 4096);
    EXPECT_LE(t, 150 * kNsPerUs + 4096);
  }
}

TEST(SimDiskContent, WritesTakeEffectAtCompletionAndReadsCaptureThen) {
  DiskOptions o = disk_options();
  o.bandwidth_bytes_per_s = 0;
  World w(o);
  std::vector<SectorContent> seen;
  engine::PayloadPtr early_read;
  w.sim.spawn("writer", [&] { w.disk.write_fresh(0, 4096); });  // value 1, done at 100 us
  w.sim.spawn("observer", [&] {
    w.sim.sleep_for(50 * kNsPerUs);
    seen.push_back(w.disk.snapshot().at(0));  // not yet
    w.sim.sleep_for(50 * kNsPerUs);
    seen.push_back(w.disk.snapshot().at(0));  // the write's completion came first
  });
  w.sim.spawn("reader", [&] {
    w.sim.sleep_for(10 * kNsPerUs);
    w.disk.read(0, 4096, early_read);  // started before, completes after the write
  });
  ASSERT_TRUE(w.sim.run().ok());
  EXPECT_EQ(seen, (std::vector<SectorContent>{{0, 0}, {1, 0}}));
  ASSERT_NE(early_read, nullptr);
  EXPECT_EQ(dynamic_cast<ContentPayload&>(*early_read).at(512), (SectorContent{1, 1}));
}

TEST(SimDiskContent, CopiesMoveContentValues) {
  DiskOptions o = disk_options();
  World w(o);
  auto target_image = std::make_shared<DiskImage>([&] {
    DiskOptions t = o;
    t.name = "target";
    return t;
  }());
  SimDisk target(w.sim, w.content, 10, target_image);
  w.sim.spawn("copy", [&] {
    ASSERT_TRUE(w.disk.write_fresh(8192, 8192).ok());
    engine::PayloadPtr data;
    ASSERT_TRUE(w.disk.read(0, 64 << 10, data).ok());
    ASSERT_TRUE(target.write(0, 64 << 10, *data).ok());
  });
  ASSERT_TRUE(w.sim.run().ok());
  EXPECT_FALSE(first_difference(w.disk.snapshot(), target.snapshot()).has_value());
}

TEST(SimDiskErrors, BadRangesFailWithEinvalAtOnce) {
  World w(disk_options());
  std::vector<int> errors;
  w.sim.spawn("bad", [&] {
    engine::PayloadPtr out;
    errors.push_back(w.disk.read(100, 512, out).error);
    errors.push_back(w.disk.read(0, 0, out).error);
    errors.push_back(w.disk.write_zeroes(64 << 20, 512, false).error);
    errors.push_back(w.disk.discard(0, 3).error);
    errors.push_back(w.disk.write_fresh(0, 100).error);
    errors.push_back(w.disk.write(64 << 20, 512, ContentPayload::fresh(1, 512)).error);
  });
  const RunOutcome outcome = w.sim.run();
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(errors, std::vector<int>(6, EINVAL));
  EXPECT_EQ(outcome.end_time_ns, 0);
  EXPECT_EQ(w.disk.stats().errors, 6u);
}

TEST(SimDiskErrors, ForeignOrMismatchedPayloadIsAnEngineBug) {
  struct Foreign : engine::Payload {};
  World w(disk_options());
  w.sim.spawn("bad", [&] { w.disk.write(0, 512, Foreign{}); });
  RunOutcome outcome = w.sim.run();
  EXPECT_EQ(outcome.status, RunOutcome::Status::kFailed);
  EXPECT_NE(outcome.message.find("foreign payload"), std::string::npos) << outcome.message;
  World v(disk_options());
  v.sim.spawn("bad", [&] { v.disk.write(0, 1024, ContentPayload::fresh(1, 512)); });
  outcome = v.sim.run();
  EXPECT_EQ(outcome.status, RunOutcome::Status::kFailed);
  EXPECT_THROW(v.disk.block_status(100, 512), InvariantViolation);
}

TEST(SimDiskLog, EveryRequestStartAndEndIsLogged) {
  World w(disk_options());
  struct Recorder : DiskObserver {
    std::vector<DiskRequest> starts;
    std::vector<DiskRequest> ends;
    void on_request_start(const DiskRequest& r) override { starts.push_back(r); }
    void on_request_end(const DiskRequest& r) override { ends.push_back(r); }
  } first, second;
  w.disk.add_observer(first);
  w.disk.add_observer(second);
  w.sim.spawn("io", [&] {
    w.disk.write_fresh(4096, 4096);
    w.disk.remove_observer(second);
    w.disk.flush();
  });
  ASSERT_TRUE(w.sim.run().ok());
  std::vector<LogRecord> disk_records;
  for (const LogRecord& r : w.sim.log().records()) {
    if (r.kind == EventKind::kDiskRequestStart || r.kind == EventKind::kDiskRequestEnd) {
      disk_records.push_back(r);
    }
  }
  ASSERT_EQ(disk_records.size(), 4u);
  const TimeNs write_done = 100 * kNsPerUs + 4096;
  EXPECT_EQ(disk_records[0].kind, EventKind::kDiskRequestStart);
  EXPECT_EQ(disk_records[0].subject, 9u);
  EXPECT_EQ(disk_records[0].a, 4096u);
  EXPECT_EQ(disk_records[0].b, 4096u | (std::uint64_t{2} << 56));
  EXPECT_EQ(disk_records[1].kind, EventKind::kDiskRequestEnd);
  EXPECT_EQ(disk_records[1].time, write_done);
  EXPECT_EQ(disk_records[1].c, 0u);
  EXPECT_EQ(disk_records[3].b, pack_length_op(0, DiskOp::kFlush));
  EXPECT_EQ(disk_records[3].time, write_done + 500 * kNsPerUs);
  ASSERT_EQ(first.ends.size(), 2u);
  EXPECT_EQ(second.ends.size(), 1u);
  EXPECT_EQ(first.ends[0].id, 1u);
  EXPECT_EQ(first.ends[0].start_ns, 0);
  EXPECT_EQ(first.ends[0].end_ns, write_done);
  EXPECT_EQ(first.ends[1].op, DiskOp::kFlush);
  EXPECT_EQ(first.starts[1].start_ns, write_done);
}

TEST(SimDiskLog, SameSeedSameLog) {
  auto run = [](std::uint64_t seed) {
    DiskOptions o = disk_options();
    o.jitter_ns = 20 * kNsPerUs;
    o.queue_depth = 3;
    World w(o, seed);
    w.concurrently(8, [&](int i) {
      for (int k = 0; k < 4; ++k) {
        w.disk.write_fresh(static_cast<std::uint64_t>(i * 4 + k) << 16, 4096);
      }
    });
    return w.sim.log().hash();
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

TEST(SimDiskSetup, InfoBackingAndOldData) {
  DiskOptions o = disk_options();
  o.backing_name = "base";
  o.zero_init = false;
  o.start_with_old_data = true;
  o.discard_reads_zero = true;
  World w(o);
  engine::DeviceInfo info = w.disk.info();
  EXPECT_EQ(info.name, "disk");
  EXPECT_EQ(info.length, std::uint64_t{64} << 20);
  EXPECT_EQ(info.cluster_bytes, std::uint64_t{64} << 10);
  EXPECT_TRUE(info.backing_named);
  EXPECT_FALSE(info.backing_attached);
  EXPECT_FALSE(info.zero_init);
  EXPECT_TRUE(info.discard_reads_zero);
  EXPECT_EQ(w.image->read(4096, 512).at(0), (SectorContent{1, 8}));  // old data, value 1
  DiskOptions b;
  b.name = "base";
  b.length_bytes = 1 << 20;
  w.disk.attach_backing(std::make_shared<DiskImage>(b));
  EXPECT_TRUE(w.disk.info().backing_attached);
  // Block status is instant and clamps to the disk end.
  EXPECT_EQ(w.disk.block_status((64 << 20) - 4096, 1 << 20).length, 4096u);
}

TEST(SimDiskSetup, BuildsItsOwnImageFromOptions) {
  Simulation sim;
  ContentSource content;
  DiskOptions o = disk_options();
  o.name = "source";
  SimDisk disk(sim, content, 4, o);
  EXPECT_EQ(disk.name(), "source");
  EXPECT_EQ(disk.info().length, o.length_bytes);
  o.cluster_bytes = 3000;
  EXPECT_THROW(SimDisk(sim, content, 5, o), std::invalid_argument);
}

TEST(SimDiskSetup, ServesADenseDiskToo) {
  DiskOptions o = disk_options();
  o.length_bytes = 1 << 20;
  Simulation sim;
  ContentSource content;
  SimDisk disk(sim, content, 1, std::make_shared<DenseDisk>(o));
  sim.spawn("io", [&] { EXPECT_TRUE(disk.write_fresh(0, 4096).ok()); });
  ASSERT_TRUE(sim.run().ok());
  EXPECT_EQ(disk.snapshot().at(512), (SectorContent{1, 1}));
}

}  // namespace
}  // namespace mirrorsim::sim
