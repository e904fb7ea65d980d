// The unkind world of SimDisk (sim_disk.h): split requests whose pieces move
// at their own instants, completion delays and reordering, torn and partial
// failures, a volatile write cache and power loss; and that all of it is off
// by default and deterministic. Expectations are exact: computed from the
// disk's event log (which pieces moved when), from a copy of the stream a
// draw came from, or from DenseDisk, the reference model, replaying what
// should survive.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/invariant.h"
#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/fault_plan.h"
#include "sim/disks/range_list.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/simulation.h"
#include "tests/landing_replay.h"
#include "tests/one_disk_world.h"

namespace mirrorsim::sim {
namespace {

using engine::TimeNs;

using engine::kNsPerUs;
constexpr std::uint64_t kKiB = 1024;

DiskOptions options(std::uint64_t cluster = 0) {
  DiskOptions o;
  o.name = "disk";
  o.length_bytes = 4 << 20;
  o.cluster_bytes = cluster;
  o.latency_ns = 100 * kNsPerUs;
  o.bandwidth_bytes_per_s = 0;  // service time = latency: easy to reason about
  o.flush_latency_ns = 10 * kNsPerUs;
  return o;
}

struct World : OneDiskWorld {
  using OneDiskWorld::OneDiskWorld;

  void run() {
    const RunOutcome outcome = sim.run();
    ASSERT_TRUE(outcome.ok()) << outcome.message;
  }

  std::vector<LogRecord> records(EventKind kind) const {
    std::vector<LogRecord> out;
    for (const LogRecord& r : sim.log().records()) {
      if (r.kind == kind) out.push_back(r);
    }
    return out;
  }
};

struct Moved {
  TimeNs at = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t request = 0;
};

// The pieces that moved, in the order they moved.
std::vector<Moved> moved_pieces(const World& w) {
  std::vector<Moved> out;
  for (const LogRecord& r : w.records(EventKind::kDiskDataMoved)) {
    out.push_back({r.time, r.a, r.b & ((std::uint64_t{1} << kDiskOpShift) - 1), r.c});
  }
  return out;
}

// --- Options, names, fault rules ---

TEST(UnkindOptions, AllOffByDefault) {
  const DiskOptions o;
  EXPECT_EQ(o.io_model, IoModel::kAtomic);
  EXPECT_EQ(o.completion_delay_ns, 0);
  EXPECT_FALSE(o.reorder);
  EXPECT_FALSE(o.write_cache);
  EXPECT_FALSE(FaultRule{}.torn);
}

TEST(UnkindOptions, BadValuesAreOneLineErrors) {
  auto message = [](DiskOptions o) {
    try {
      o.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(valid)");
  };
  DiskOptions o = options();
  o.completion_delay_ns = -1;
  EXPECT_EQ(message(o), "disk 'disk': completion_delay_ns must be >= 0; got -1");
  o = options();
  o.reorder = true;
  EXPECT_EQ(message(o),
            "disk 'disk': reorder must be false when completion_delay_ns is 0 (nothing to draw "
            "from); got true");
  o = options();
  o.io_model = static_cast<IoModel>(7);
  EXPECT_EQ(message(o), "disk 'disk': io_model must be atomic or split; got 7");
  o = options();
  o.io_model = IoModel::kSplit;
  o.completion_delay_ns = 5;
  o.reorder = true;
  o.write_cache = true;
  EXPECT_EQ(message(o), "(valid)");
}

TEST(UnkindOptions, NamesRoundTrip) {
  for (IoModel m : {IoModel::kAtomic, IoModel::kSplit}) {
    EXPECT_EQ(parse_io_model(io_model_name(m)), m);
  }
  for (PowerLossMode m : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
    EXPECT_EQ(parse_power_loss_mode(power_loss_mode_name(m)), m);
  }
  EXPECT_EQ(io_model_name(IoModel::kSplit), "split");
  EXPECT_EQ(power_loss_mode_name(PowerLossMode::kInOrderPrefix), "in_order_prefix");
  EXPECT_EQ(parse_io_model("torn"), std::nullopt);
  EXPECT_EQ(parse_power_loss_mode("all"), std::nullopt);
}

TEST(UnkindOptions, WriteCacheNeedsAnExtentImage) {
  DiskOptions o = options();
  o.write_cache = true;
  Simulation sim;
  ContentSource content;
  EXPECT_THROW(SimDisk(sim, content, 1, std::make_shared<DenseDisk>(o)), std::invalid_argument);
  EXPECT_NO_THROW(SimDisk(sim, content, 2, o));
}

TEST(TornRule, DescribedAndValidated) {
  FaultRule rule;
  rule.op = DiskOp::kWrite;
  rule.torn = true;
  EXPECT_EQ(rule.describe(), "write torn EIO");
  EXPECT_NO_THROW(rule.validate());
  rule.op = std::nullopt;
  EXPECT_NO_THROW(rule.validate());
  rule.op = DiskOp::kRead;
  try {
    rule.validate();
    FAIL() << "a torn read rule was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "fault rule 'read torn EIO': torn needs op write, write_zeroes, discard or any; "
              "got read");
  }
}

TEST(TornRule, DecideSaysWhetherTheFiringRuleIsTorn) {
  FaultPlan plan;
  plan.add(FaultRule{.op = DiskOp::kWrite, .once = true, .torn = true});
  plan.add(FaultRule{.op = DiskOp::kWrite, .error = ENOSPC});
  RandomStream stream(1);
  bool torn = false;
  EXPECT_EQ(plan.decide({DiskOp::kWrite, 0, 512, 0}, stream, &torn), EIO);
  EXPECT_TRUE(torn);
  EXPECT_EQ(plan.decide({DiskOp::kWrite, 0, 512, 0}, stream, &torn), ENOSPC);
  EXPECT_FALSE(torn);
  EXPECT_EQ(plan.decide({DiskOp::kWrite, 0, 512, 0}, stream), ENOSPC);  // no out-parameter
}

// --- Payload pieces ---

TEST(PayloadPieces, SliceAndConcatRebuildThePayload) {
  const ContentPayload p{{0, 4096, 7, 0}, {4096, 1024, kZeroValue, 0}, {5120, 3072, 9, 100}};
  EXPECT_EQ(p.slice(2048, 4096),
            (ContentPayload{{0, 2048, 7, 4}, {2048, 1024, kZeroValue, 0}, {3072, 1024, 9, 100}}));
  const ContentPayload parts[] = {p.slice(0, 2048), p.slice(2048, 4096), p.slice(6144, 2048)};
  EXPECT_EQ(ContentPayload::concat(parts), p);  // continuing extents merge across seams
  EXPECT_EQ(p.slice(0, p.length()), p);
  const ContentPayload apart[] = {ContentPayload::fresh(3, 512), ContentPayload::fresh(3, 512)};
  // Both start at index 0: not one extent.
  EXPECT_EQ(ContentPayload::concat(apart), (ContentPayload{{0, 512, 3, 0}, {512, 512, 3, 0}}));
  EXPECT_THROW((void)p.slice(4096, 8192), InvariantViolation);
  EXPECT_THROW((void)p.slice(100, 512), InvariantViolation);
  EXPECT_THROW((void)ContentPayload::concat({}), InvariantViolation);
}

// --- Split requests ---

DiskOptions split_options(std::uint64_t cluster = 0) {
  DiskOptions o = options(cluster);
  o.io_model = IoModel::kSplit;
  return o;
}

TEST(SplitRequests, PiecesAreAlignedBoundedAndMoveInsideTheServiceTime) {
  int seeds_with_several = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    World w(split_options(64 * kKiB), seed);
    const std::uint64_t offset = 3 * 512;  // not aligned: the first piece is short
    const std::uint64_t length = 256 * kKiB;
    w.sim.spawn("io", [&] {
      ASSERT_TRUE(w.disk.write_fresh(offset, length).ok());
      ASSERT_TRUE(w.disk.write_zeroes(0, 512 * kKiB, false).ok());
    });
    w.run();
    const std::vector<Moved> pieces = moved_pieces(w);
    std::map<std::uint64_t, std::vector<Moved>> by_request;
    for (const Moved& m : pieces) by_request[m.request].push_back(m);
    ASSERT_EQ(by_request.size(), 2u);
    const std::uint64_t units[] = {4 * kKiB, 64 * kKiB};  // write: pages; zero write: clusters
    const std::uint64_t starts[] = {offset, 0};
    const std::uint64_t lengths[] = {length, 512 * kKiB};
    const TimeNs begins[] = {0, 100 * kNsPerUs};
    int k = 0;
    for (auto& [id, list] : by_request) {
      ASSERT_GE(list.size(), 1u);
      ASSERT_LE(list.size(), kMaxIoPieces);
      if (list.size() > 1) ++seeds_with_several;
      for (std::size_t i = 1; i < list.size(); ++i) {
        // In move order: instants never go back.
        EXPECT_LE(list[i - 1].at, list[i].at);
      }
      std::sort(list.begin(), list.end(),
                [](const Moved& a, const Moved& b) { return a.offset < b.offset; });
      std::uint64_t at = starts[k];
      for (const Moved& m : list) {
        EXPECT_EQ(m.offset, at);
        if (m.offset != starts[k]) {
          EXPECT_EQ(m.offset % units[k], 0u);
        }
        EXPECT_GE(m.at, begins[k]);
        EXPECT_LE(m.at, begins[k] + 100 * kNsPerUs);
        at += m.length;
      }
      EXPECT_EQ(at, starts[k] + lengths[k]);
      ++k;
    }
    // Pieces applied one by one give what one request gives.
    DenseDisk dense(split_options(64 * kKiB));
    ASSERT_TRUE(dense.write(offset, ContentPayload::fresh(1, length)).ok());
    ASSERT_TRUE(dense.write_zeroes(0, 512 * kKiB, false).ok());
    EXPECT_EQ(first_difference(w.disk.snapshot(), dense.guest_view()), std::nullopt);
    EXPECT_EQ(w.image->allocated_bytes(), dense.allocated_bytes());
  }
  EXPECT_GT(seeds_with_several, 20);
}

// A read whose pieces sample at different instants sees a write that lands
// between them in the later pieces only.
TEST(SplitRequests, ReadSamplesEachPieceAtItsOwnInstant) {
  const std::uint64_t length = 64 * kKiB;
  bool found = false;
  for (std::uint64_t seed = 1; seed <= 50 && !found; ++seed) {
    // First run: the read alone, to learn when its pieces sample.
    std::vector<Moved> pieces;
    {
      World w(split_options(), seed);
      w.sim.spawn("reader", [&] {
        engine::PayloadPtr out;
        ASSERT_TRUE(w.disk.read(0, length, out).ok());
      });
      w.run();
      pieces = moved_pieces(w);
    }
    // The writer comes at `first` + 1: some piece must sample after that,
    // none at that very instant.
    const TimeNs first = pieces.front().at;
    if (std::none_of(pieces.begin(), pieces.end(),
                     [&](const Moved& m) { return m.at > first + 1; }) ||
        std::any_of(pieces.begin(), pieces.end(),
                    [&](const Moved& m) { return m.at == first + 1; })) {
      continue;
    }
    found = true;
    // Second run, same seed: another writer changes the whole range right
    // after the first piece sampled.
    World w(split_options(), seed);
    engine::PayloadPtr out;
    w.sim.spawn("reader", [&] { ASSERT_TRUE(w.disk.read(0, length, out).ok()); });
    w.sim.spawn_after(first + 1, "writer", [&] {
      ASSERT_TRUE(w.image->write(0, ContentPayload::fresh(77, length)).ok());
    });
    w.run();
    ASSERT_EQ(moved_pieces(w).size(), pieces.size());  // the same plan
    std::sort(pieces.begin(), pieces.end(),
              [](const Moved& a, const Moved& b) { return a.offset < b.offset; });
    std::vector<ContentPayload> expected;
    for (const Moved& m : pieces) {
      expected.push_back(m.at <= first
                             ? ContentPayload::zeroes(m.length)
                             : ContentPayload::fresh(77, length).slice(m.offset, m.length));
    }
    const auto& got = dynamic_cast<const ContentPayload&>(*out);
    EXPECT_EQ(got, ContentPayload::concat(expected)) << describe(got.extents());
    EXPECT_NE(got, ContentPayload::zeroes(length));
    EXPECT_NE(got, ContentPayload::fresh(77, length));
  }
  EXPECT_TRUE(found);
}

// Observers see each piece land; the image holds exactly the landed pieces.
TEST(SplitRequests, WriteLandsPieceByPiece) {
  struct Watcher : DiskObserver {
    World* w = nullptr;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> landed;
    int checks = 0;
    void on_data_moved(const DiskRequest& r, std::uint64_t offset, std::uint64_t length) override {
      landed.emplace_back(offset, length);
      const ContentPayload whole = ContentPayload::fresh(1, r.length);
      for (std::uint64_t at = r.offset; at < r.offset + r.length; at += 512) {
        const bool in = std::any_of(landed.begin(), landed.end(), [&](const auto& p) {
          return at >= p.first && at < p.first + p.second;
        });
        const SectorContent expected = in ? whole.at(at - r.offset) : SectorContent{};
        ASSERT_EQ(w->image->guest_view().at(at), expected) << "byte " << at;
      }
      ++checks;
    }
  };
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    World w(split_options(), seed);
    Watcher watcher;
    watcher.w = &w;
    w.disk.add_observer(watcher);
    w.sim.spawn("io", [&] { ASSERT_TRUE(w.disk.write_fresh(0, 32 * kKiB).ok()); });
    w.run();
    EXPECT_EQ(static_cast<std::size_t>(watcher.checks), moved_pieces(w).size());
  }
}

// --- Completion delay and reordering ---

TEST(Completion, CallerResumesADelayAfterTheDataLanded) {
  DiskOptions o = options();
  o.completion_delay_ns = 40 * kNsPerUs;
  World w(o);
  TimeNs resumed = -1;
  DiskRequest seen;
  struct Ends : DiskObserver {
    DiskRequest* seen;
    void on_request_end(const DiskRequest& r) override { *seen = r; }
  } ends;
  ends.seen = &seen;
  w.disk.add_observer(ends);
  std::optional<SectorContent> between;
  w.sim.spawn("io", [&] {
    ASSERT_TRUE(w.disk.write_fresh(0, 4096).ok());
    resumed = w.sim.now();
  });
  w.sim.spawn_after(120 * kNsPerUs, "peek", [&] { between = w.image->guest_view().at(0); });
  w.run();
  EXPECT_EQ(resumed, 140 * kNsPerUs);
  EXPECT_EQ(seen.end_ns, 140 * kNsPerUs);
  EXPECT_EQ(between, (SectorContent{1, 0}));  // landed at 100 us, before the caller knew
  const auto moved = moved_pieces(w);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].at, 100 * kNsPerUs);
  EXPECT_EQ(w.records(EventKind::kDiskRequestEnd).at(0).time, 140 * kNsPerUs);
}

// The slot falls free at the service end, not at the completion: a request
// in its completion delay is not in flight, and a request queued behind it
// starts at the service end.
TEST(Completion, TheSlotFallsFreeAtTheServiceEnd) {
  DiskOptions o = options();
  o.completion_delay_ns = 40 * kNsPerUs;
  o.queue_depth = 1;
  World w(o);
  std::vector<std::uint32_t> in_flight;
  TimeNs second_resumed = -1;
  w.sim.spawn("first", [&] { ASSERT_TRUE(w.disk.write_fresh(0, 4096).ok()); });
  w.sim.spawn("second", [&] {
    ASSERT_TRUE(w.disk.write_fresh(4096, 4096).ok());
    second_resumed = w.sim.now();
  });
  for (const TimeNs at : {50 * kNsPerUs, 120 * kNsPerUs, 230 * kNsPerUs, 260 * kNsPerUs}) {
    w.sim.spawn_after(at, "peek", [&] { in_flight.push_back(w.disk.in_flight()); });
  }
  w.run();
  // 50 us: the first served, the second queued; 120 us: the first in its
  // delay, the second served (from 100 us); 230 us: the second in its delay.
  EXPECT_EQ(in_flight, (std::vector<std::uint32_t>{1, 1, 0, 0}));
  EXPECT_EQ(second_resumed, 240 * kNsPerUs);
  EXPECT_EQ(w.disk.stats().max_in_flight, 1u);
  EXPECT_EQ(w.disk.stats().max_queued, 1u);
}

// Eight writes issued at once, equal service: their completion order is the
// order of their delays, drawn from "io/<id>" one per request in issue order.
TEST(Completion, ReorderCompletesInTheDrawnOrder) {
  const TimeNs delay = 50 * kNsPerUs;
  int seeds_out_of_order = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (bool reorder : {false, true}) {
      DiskOptions o = options();
      o.completion_delay_ns = delay;
      o.reorder = reorder;
      World w(o, seed);
      std::vector<std::pair<TimeNs, std::uint64_t>> ends;  // (time, request id)
      struct Ends : DiskObserver {
        std::vector<std::pair<TimeNs, std::uint64_t>>* ends;
        void on_request_end(const DiskRequest& r) override { ends->emplace_back(r.end_ns, r.id); }
      } observer;
      observer.ends = &ends;
      w.disk.add_observer(observer);
      for (int i = 0; i < 8; ++i) {
        w.sim.spawn("w" + std::to_string(i),
                    [&w, i] { ASSERT_TRUE(w.disk.write_fresh(i * 64 * kKiB, 4096).ok()); });
      }
      w.run();
      RandomStream io = RandomStream::derive(seed, "io/" + std::to_string(OneDiskWorld::kDiskId));
      std::vector<std::pair<TimeNs, std::uint64_t>> expected;
      for (std::uint64_t id = 1; id <= 8; ++id) {
        const TimeNs d =
            reorder ? static_cast<TimeNs>(io.between(0, static_cast<std::uint64_t>(delay))) : delay;
        expected.emplace_back(100 * kNsPerUs + d, id);
      }
      std::stable_sort(expected.begin(), expected.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      EXPECT_EQ(ends, expected) << "seed " << seed << " reorder " << reorder;
      const bool in_issue_order =
          std::is_sorted(ends.begin(), ends.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
      if (!reorder) {
        EXPECT_TRUE(in_issue_order);
      }
      if (reorder && !in_issue_order) ++seeds_out_of_order;
    }
  }
  EXPECT_EQ(seeds_out_of_order, 8);
}

// --- Torn and partial failures ---

TEST(TornWrites, LandASeededSubsetThenFail) {
  int strict_subsets = 0;
  for (IoModel model : {IoModel::kAtomic, IoModel::kSplit}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      DiskOptions o = options(16 * kKiB);
      o.io_model = model;
      World w(o, seed);
      w.disk.set_fault_plan(FaultPlan({FaultRule{.op = DiskOp::kWrite, .torn = true}}));
      engine::IoStatus status;
      w.sim.spawn("io", [&] { status = w.disk.write_fresh(8 * kKiB, 64 * kKiB); });
      w.run();
      EXPECT_EQ(status.error, EIO);
      const std::vector<Moved> landed = moved_pieces(w);
      DenseDisk dense(o);
      std::uint64_t bytes = 0;
      for (const Moved& m : landed) {
        if (model == IoModel::kAtomic) {
          EXPECT_EQ(m.at, 100 * kNsPerUs);
        }
        ASSERT_TRUE(
            dense
                .write(m.offset,
                       ContentPayload::fresh(1, 64 * kKiB).slice(m.offset - 8 * kKiB, m.length))
                .ok());
        bytes += m.length;
      }
      if (bytes > 0 && bytes < 64 * kKiB) ++strict_subsets;
      EXPECT_EQ(first_difference(w.disk.snapshot(), dense.guest_view()), std::nullopt);
      EXPECT_EQ(w.image->allocated_bytes(), dense.allocated_bytes());  // clusters allocated
      EXPECT_EQ(w.disk.stats().errors, 1u);
    }
  }
  EXPECT_GT(strict_subsets, 10);
}

TEST(TornWrites, UntornFaultsAndReadsMoveNothing) {
  World w(split_options());
  w.disk.set_fault_plan(FaultPlan({FaultRule{.op = DiskOp::kWrite}, FaultRule{.torn = true}}));
  w.sim.spawn("io", [&] {
    EXPECT_EQ(w.disk.write_fresh(0, 64 * kKiB).error, EIO);
    engine::PayloadPtr out;
    EXPECT_EQ(w.disk.read(0, 64 * kKiB, out).error, EIO);  // `any` torn: a read fails whole
    EXPECT_EQ(out, nullptr);
  });
  w.run();
  EXPECT_TRUE(moved_pieces(w).empty());
  EXPECT_EQ(w.image->allocated_bytes(), 0u);
}

// A thin image in split mode: pieces land in move order until one does not
// fit; the request reports ENOSPC.
TEST(PartialEnospc, EarlierPiecesLandFirst) {
  int partial = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    DiskOptions o = split_options(16 * kKiB);
    o.capacity_bytes = 32 * kKiB;
    World w(o, seed);
    engine::IoStatus status;
    w.sim.spawn("io", [&] { status = w.disk.write_fresh(0, 64 * kKiB); });
    w.run();
    EXPECT_EQ(status.error, ENOSPC);
    DenseDisk dense(o);
    for (const Moved& m : moved_pieces(w)) {
      ASSERT_TRUE(
          dense.write(m.offset, ContentPayload::fresh(1, 64 * kKiB).slice(m.offset, m.length))
              .ok());
    }
    EXPECT_EQ(first_difference(w.disk.snapshot(), dense.guest_view()), std::nullopt);
    EXPECT_EQ(w.image->allocated_bytes(), dense.allocated_bytes());
    EXPECT_LE(w.image->allocated_bytes(), 32 * kKiB);
    if (w.image->allocated_bytes() > 0) ++partial;
  }
  EXPECT_GT(partial, 5);
}

// --- Write cache and power loss ---

DiskOptions cached_options(std::uint64_t cluster = 0) {
  DiskOptions o = options(cluster);
  o.write_cache = true;
  return o;
}

TEST(WriteCache, DurableOnlyAfterAFlushThatStartedAfterTheCompletion) {
  DiskOptions o = cached_options();
  o.completion_delay_ns = 50 * kNsPerUs;
  World w(o);
  const GuestView empty = w.disk.snapshot();
  std::map<std::string, GuestView> seen;
  // The write lands at 100 us and completes at 150 us; a flush from 120 us
  // to 180 us started before the completion, so it leaves the write volatile.
  w.sim.spawn("writer", [&] { ASSERT_TRUE(w.disk.write_fresh(0, 8 * kKiB).ok()); });
  w.sim.spawn_after(120 * kNsPerUs, "early flush", [&] {
    ASSERT_TRUE(w.disk.flush().ok());
    EXPECT_EQ(w.sim.now(), 180 * kNsPerUs);
    seen.emplace("after early flush", w.disk.durable_snapshot());
    EXPECT_EQ(w.disk.volatile_pieces(), 1u);
  });
  w.sim.spawn_after(200 * kNsPerUs, "late flush", [&] {
    ASSERT_TRUE(w.disk.flush().ok());
    seen.emplace("after late flush", w.disk.durable_snapshot());
    EXPECT_EQ(w.disk.volatile_pieces(), 0u);
  });
  w.run();
  EXPECT_EQ(first_difference(seen.at("after early flush"), empty), std::nullopt);
  EXPECT_EQ(first_difference(seen.at("after late flush"), w.disk.snapshot()), std::nullopt);
  EXPECT_NE(first_difference(w.disk.snapshot(), empty), std::nullopt);
  const auto durable = w.records(EventKind::kDiskDurable);
  ASSERT_EQ(durable.size(), 2u);
  EXPECT_EQ(durable[0].a, 0u);
  EXPECT_EQ(durable[1].a, 1u);
}

// Without a cache nothing is volatile: a power loss drops no completed
// write and fails only the request in flight (EIO at its planned
// completion, its data never moved).
TEST(PowerLoss, WithoutACacheOnlyTheRequestInFlightFails) {
  World w(options());
  engine::IoStatus first;
  engine::IoStatus second;
  PowerLossResult result;
  w.sim.spawn("io", [&] {
    first = w.disk.write_fresh(0, 8 * kKiB);          // served 0..100 us
    second = w.disk.write_fresh(8 * kKiB, 8 * kKiB);  // served 100..200 us
  });
  w.sim.spawn_after(150 * kNsPerUs, "power", [&] {
    RandomStream stream(5);
    result = w.disk.power_loss(PowerLossMode::kAnySubset, stream);
  });
  w.run();
  EXPECT_TRUE(first.ok());
  EXPECT_EQ(second.error, EIO);
  EXPECT_EQ(result.requests_failed, 1u);
  EXPECT_EQ(result.pieces_dropped, 0u);
  EXPECT_EQ(w.disk.volatile_pieces(), 0u);
  EXPECT_EQ(w.disk.snapshot().at(0), (SectorContent{1, 0}));
  EXPECT_EQ(w.disk.snapshot().at(8 * kKiB), (SectorContent{kZeroValue, 0}));
}

// One content change as the tests issue it and the model replays it.
struct Change {
  DiskOp op = DiskOp::kWrite;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool flush_after = false;  // a flush follows it (in the same task)
};

void apply(DiskModel& model, const Change& c, std::uint64_t value) {
  const ContentPayload data = ContentPayload::fresh(value, c.length);
  ASSERT_TRUE(apply_change(model, c.op, c.offset, c.length, &data, true).ok());
}

// Issues `changes` one after another (each write takes the next content
// value: 1, 2, ...), then a power loss; checks against DenseDisk replaying
// every change that should survive, predicted from a copy of the stream.
void check_power_loss(const DiskOptions& o, const std::vector<Change>& changes, PowerLossMode mode,
                      std::uint64_t seed, std::shared_ptr<DiskImage> backing = nullptr,
                      std::shared_ptr<DenseDisk> dense_backing = nullptr) {
  World w(o, 1, backing);
  std::vector<std::uint64_t> values;
  w.sim.spawn("io", [&] {
    for (const Change& c : changes) {
      std::uint64_t value = 0;
      if (c.op == DiskOp::kWrite) {
        ASSERT_TRUE(w.disk.write_fresh(c.offset, c.length, &value).ok());
      }
      if (c.op == DiskOp::kWriteZeroes) {
        ASSERT_TRUE(w.disk.write_zeroes(c.offset, c.length, true).ok());
      }
      if (c.op == DiskOp::kDiscard) {
        ASSERT_TRUE(w.disk.discard(c.offset, c.length).ok());
      }
      values.push_back(value);
      if (c.flush_after) {
        ASSERT_TRUE(w.disk.flush().ok());
      }
    }
  });
  w.run();
  // Volatile: the changes after the last flush, one piece each (atomic).
  std::size_t first_volatile = 0;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].flush_after) first_volatile = i + 1;
  }
  RandomStream stream(seed);
  RandomStream predict = stream;
  std::vector<bool> keep(changes.size(), true);
  const std::size_t n = changes.size() - first_volatile;
  if (mode == PowerLossMode::kAnySubset) {
    for (std::size_t i = first_volatile; i < changes.size(); ++i) keep[i] = predict.chance(0.5);
  } else {
    const std::uint64_t k = predict.between(0, n);
    for (std::size_t i = first_volatile; i < changes.size(); ++i) keep[i] = i - first_volatile < k;
  }
  DenseDisk durable(o);
  DenseDisk expected(o);
  if (dense_backing) {
    durable.attach_backing(dense_backing);
    expected.attach_backing(dense_backing);
  }
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i < first_volatile) apply(durable, changes[i], values[i]);
    if (keep[i]) apply(expected, changes[i], values[i]);
  }
  EXPECT_EQ(first_difference(w.disk.durable_snapshot(), durable.guest_view()), std::nullopt);
  EXPECT_EQ(w.disk.volatile_pieces(), n);

  const PowerLossResult result = w.disk.power_loss(mode, stream);
  // Request ids: each change is one request, each flush one more.
  std::vector<std::uint64_t> dropped_ids;
  std::uint64_t id = 0;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    ++id;
    if (!keep[i]) dropped_ids.push_back(id);
    if (changes[i].flush_after) ++id;
  }
  EXPECT_EQ(result.dropped_requests, dropped_ids);
  EXPECT_EQ(result.pieces_dropped, dropped_ids.size());
  EXPECT_EQ(result.pieces_kept, n - dropped_ids.size());
  EXPECT_EQ(result.requests_failed, 0u);
  EXPECT_EQ(first_difference(w.disk.snapshot(), expected.guest_view()), std::nullopt)
      << "seed " << seed;
  EXPECT_EQ(w.image->allocated_bytes(), expected.allocated_bytes());
  // What survived is durable now.
  EXPECT_EQ(first_difference(w.disk.durable_snapshot(), w.disk.snapshot()), std::nullopt);
  EXPECT_EQ(w.disk.volatile_pieces(), 0u);
  const auto losses = w.records(EventKind::kPowerLoss);
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].b, dropped_ids.size());
}

// Overlapping writes, zero writes and discards; a flush after the second.
std::vector<Change> overlapping_changes() {
  return {
      {DiskOp::kWrite, 0, 64 * kKiB, false},
      {DiskOp::kWrite, 32 * kKiB, 64 * kKiB, true},
      {DiskOp::kWrite, 16 * kKiB, 8 * kKiB, false},
      {DiskOp::kWriteZeroes, 40 * kKiB, 48 * kKiB, false},
      {DiskOp::kWrite, 60 * kKiB, 40 * kKiB, false},
      {DiskOp::kDiscard, 0, 128 * kKiB, false},
      {DiskOp::kWrite, 4 * kKiB, 2 * kKiB, false},
  };
}

TEST(PowerLoss, AnySubsetDropsExactlyTheDrawnWritesOnARawDisk) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    check_power_loss(cached_options(), overlapping_changes(), PowerLossMode::kAnySubset, seed);
  }
}

TEST(PowerLoss, InOrderPrefixKeepsTheDrawnPrefix) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    check_power_loss(cached_options(), overlapping_changes(), PowerLossMode::kInOrderPrefix, seed);
  }
}

TEST(PowerLoss, ClusterImagesKeepTheCowRule) {
  for (std::uint64_t cluster : {4 * kKiB, 64 * kKiB}) {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
        check_power_loss(cached_options(cluster), overlapping_changes(), mode, seed);
      }
    }
  }
}

// The backing "base" (64 KiB clusters) and an image of it holding old
// data, value 1000 (name it in a disk's backing_name).
DiskOptions base_image_options() {
  DiskOptions o = options(64 * kKiB);
  o.name = "base";
  o.zero_init = false;
  return o;
}
std::shared_ptr<DiskImage> old_data_base() {
  auto base = std::make_shared<DiskImage>(base_image_options());
  base->fill_with_old_data(1000);
  return base;
}

TEST(PowerLoss, CowFillsFromTheBackingAsItDidLive) {
  const std::shared_ptr<DiskImage> base = old_data_base();
  auto dense_base = std::make_shared<DenseDisk>(base_image_options());
  dense_base->fill_with_old_data(1000);
  DiskOptions o = cached_options(64 * kKiB);
  o.backing_name = "base";
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    check_power_loss(o, overlapping_changes(), PowerLossMode::kAnySubset, seed, base, dense_base);
  }
}

// A backing attached between two volatile writes: the replay fills the first
// with zeroes and the second from the backing, as it happened.
TEST(PowerLoss, BackingAttachedMidwayIsReplayedInItsPlace) {
  const std::shared_ptr<DiskImage> base = old_data_base();
  DiskOptions o = cached_options(64 * kKiB);
  o.backing_name = "base";
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    World w(o, seed);
    w.sim.spawn("io", [&] {
      ASSERT_TRUE(w.disk.write_fresh(0, 4 * kKiB).ok());  // fills cluster 0 with zeroes
      w.disk.attach_backing(base);
      ASSERT_TRUE(w.disk.write_fresh(64 * kKiB, 4 * kKiB).ok());  // fills from the backing
    });
    w.run();
    RandomStream stream(seed);
    RandomStream predict = stream;
    const bool keep1 = predict.chance(0.5);
    const bool keep2 = predict.chance(0.5);
    w.disk.power_loss(PowerLossMode::kAnySubset, stream);
    const GuestView v = w.disk.snapshot();
    EXPECT_EQ(v.at(0), keep1 ? (SectorContent{1, 0}) : (SectorContent{1000, 0}));
    EXPECT_EQ(v.at(8 * kKiB), keep1 ? SectorContent{} : (SectorContent{1000, 16}));
    EXPECT_EQ(v.at(64 * kKiB), keep2 ? (SectorContent{2, 0}) : (SectorContent{1000, 128}));
    EXPECT_EQ(v.at(72 * kKiB), (SectorContent{1000, 144}));
  }
}

// Requests in flight at a power loss fail with EIO and move no more data.
TEST(PowerLoss, RequestsInFlightFailAndStopMoving) {
  DiskOptions o = cached_options();
  o.io_model = IoModel::kSplit;
  o.completion_delay_ns = 20 * kNsPerUs;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    World w(o, seed);
    engine::IoStatus write_status;
    engine::IoStatus flush_status;
    TimeNs write_done = -1;
    PowerLossResult result;
    w.sim.spawn("writer", [&] {
      write_status = w.disk.write_fresh(0, 64 * kKiB);
      write_done = w.sim.now();
    });
    w.sim.spawn("flusher", [&] { flush_status = w.disk.flush(); });
    std::size_t landed_before = 0;
    w.sim.spawn_after(50 * kNsPerUs, "power", [&] {
      landed_before = w.records(EventKind::kDiskDataMoved).size();
      RandomStream stream(seed);
      result = w.disk.power_loss(PowerLossMode::kInOrderPrefix, stream);
    });
    w.run();
    EXPECT_EQ(write_status.error, EIO);
    EXPECT_EQ(write_done, 120 * kNsPerUs);  // at its planned completion
    EXPECT_EQ(flush_status.error, 0);       // completed at 30 us, before the power loss
    EXPECT_EQ(result.requests_failed, 1u);
    EXPECT_EQ(w.records(EventKind::kDiskDataMoved).size(), landed_before);
    EXPECT_EQ(result.pieces_kept + result.pieces_dropped, landed_before);
    // What is left: the pieces landed before 50 us, all or none (a power
    // loss keeps or drops a request's pieces together).
    EXPECT_TRUE(result.pieces_kept == 0 || result.pieces_kept == landed_before);
    const std::vector<Moved> moved = moved_pieces(w);
    DenseDisk expected(o);
    for (std::size_t i = 0; i < result.pieces_kept; ++i) {
      const Moved& m = moved[i];
      ASSERT_TRUE(
          expected.write(m.offset, ContentPayload::fresh(1, 64 * kKiB).slice(m.offset, m.length))
              .ok());
    }
    EXPECT_EQ(first_difference(w.disk.snapshot(), expected.guest_view()), std::nullopt);
    // The disk serves on.
    w.sim.spawn("after", [&] { EXPECT_TRUE(w.disk.write_fresh(0, 4096).ok()); });
    w.run();
    EXPECT_EQ(w.disk.snapshot().at(0), (SectorContent{2, 0}));
  }
}

// --- Against a model: random concurrent traffic, everything on ---

// Four tasks of random writes, zero writes, discards and flushes.
// W: World or OwnImageWorld (anything with `sim` and `disk`).
template <typename W>
void random_traffic(W& w, std::uint64_t seed, int ops_per_task) {
  for (int t = 0; t < 4; ++t) {
    w.sim.spawn("task" + std::to_string(t), [&w, seed, t, ops_per_task] {
      RandomStream r(seed * 100 + static_cast<std::uint64_t>(t));
      const std::uint64_t sectors = (1 << 20) / 512;  // the first MiB: lots of overlap
      for (int i = 0; i < ops_per_task; ++i) {
        const std::uint64_t offset = r.below(sectors - 128) * 512;
        const std::uint64_t length = (1 + r.below(128)) * 512;
        switch (r.below(8)) {
          case 0:
            (void)w.disk.flush();
            break;
          case 1:
            (void)w.disk.write_zeroes(offset, length, true);
            break;
          case 2:
            (void)w.disk.discard(offset, length);
            break;
          default:
            (void)w.disk.write_fresh(offset, length);
            break;
        }
        w.sim.sleep_for(static_cast<TimeNs>(r.below(30 * kNsPerUs)));
      }
    });
  }
}

DiskOptions everything_on(std::uint64_t cluster) {
  DiskOptions o = options(cluster);
  o.io_model = IoModel::kSplit;
  o.completion_delay_ns = 80 * kNsPerUs;
  o.reorder = true;
  o.write_cache = true;
  o.jitter_ns = 30 * kNsPerUs;
  return o;
}

TEST(AgainstTheModel, DurableContentAndPowerLossMatchAReplay) {
  for (std::uint64_t cluster : {std::uint64_t{0}, 4 * kKiB, 64 * kKiB}) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
        const DiskOptions o = everything_on(cluster);
        World w(o, seed);
        w.disk.set_fault_plan(FaultPlan({FaultRule{.probability = 0.1, .torn = true}}));
        Replay model;
        model.image = w.image.get();
        w.disk.add_observer(model);
        random_traffic(w, seed, 40);
        w.run();
        ASSERT_EQ(w.disk.stats().errors, w.disk.stats().faults_injected);
        const auto durable = model.durable(o, nullptr);
        EXPECT_EQ(first_difference(w.disk.durable_snapshot(), durable->guest_view()), std::nullopt)
            << "cluster " << cluster << " seed " << seed;
        std::size_t volatile_count = 0;
        for (const auto& l : model.landings) volatile_count += l.durable ? 0 : 1;
        EXPECT_EQ(w.disk.volatile_pieces(), volatile_count);
        // Predict the power loss from a copy of its stream.
        RandomStream stream(seed);
        model.power_loss(mode, stream);
        const auto expected = model.replay(o, nullptr, [](const Replay::Landing&) { return true; });
        w.disk.power_loss(mode, stream);
        EXPECT_EQ(first_difference(w.disk.snapshot(), expected->guest_view()), std::nullopt)
            << "cluster " << cluster << " seed " << seed << " " << power_loss_mode_name(mode);
        EXPECT_EQ(w.image->allocated_bytes(), expected->allocated_bytes());
      }
    }
  }
}

// --- Lazy moves: a disk nobody observes moves the same pieces, without events ---

// A disk over an image of its own (nobody else holds it), with a do-nothing
// observer or without: observed, it moves each piece in an event at its
// instant; unobserved, lazily, when something could see it.
struct OwnImageWorld {
  struct Nothing final : DiskObserver {};
  // Sees requests start and end, and wants no data moves.
  struct Quiet final : DiskObserver {
    std::uint64_t starts = 0, moves = 0, ends = 0;
    void on_request_start(const DiskRequest&) override { ++starts; }
    void on_data_moved(const DiskRequest&, std::uint64_t, std::uint64_t) override { ++moves; }
    void on_request_end(const DiskRequest&) override { ++ends; }
    bool wants_data_moves() const override { return false; }
  };
  Simulation sim;
  ContentSource content;
  Nothing nothing;
  Quiet quiet;
  SimDisk disk;
  OwnImageWorld(DiskOptions o, std::uint64_t seed, bool observed, bool quietly = false)
      : sim(SimulationOptions{.seed = seed, .retain_log = true}),
        disk(sim, content, OneDiskWorld::kDiskId, std::move(o)) {
    if (observed) disk.add_observer(nothing);
    if (quietly) disk.add_observer(quiet);
  }
};

// What a run of random traffic, a watcher and a power loss showed.
struct Seen {
  std::vector<LogRecord> moves;  // kDiskDataMoved, by (time, offset, request)
  std::vector<LogRecord> ends;   // kDiskRequestEnd, by (time, offset, length, errno)
  std::vector<GuestView> snapshots;
  std::vector<GuestView> durable;
  std::vector<std::size_t> volatile_counts;
  // Block status of a few ranges, asked before anything else at an instant.
  std::vector<std::tuple<bool, bool, std::uint64_t>> statuses;
  // What each read of the reader took (empty when it failed), in its order.
  std::vector<std::optional<ContentPayload>> reads;
  PowerLossResult power;
  DiskStats stats;
  std::uint64_t events = 0;
  OwnImageWorld::Quiet quiet;  // what a quiet observer saw, when there was one
};

// With `backing`, it is attached midway (o names it as the backing).
Seen watch_traffic(const DiskOptions& o, std::uint64_t seed, bool observed,
                   PowerLossMode mode = PowerLossMode::kAnySubset, bool quietly = false,
                   std::shared_ptr<DiskImage> backing = nullptr) {
  OwnImageWorld w(o, seed, observed, quietly);
  if (backing) {
    w.sim.spawn_after(200 * kNsPerUs + 5, "attach",
                      [&w, backing] { w.disk.attach_backing(backing); });
  }
  w.disk.set_fault_plan(FaultPlan({FaultRule{.probability = 0.1, .torn = true}}));
  random_traffic(w, seed, 30);
  Seen seen;
  // Reads among the writes: a lazy read takes its pieces only when a
  // landing over it, a look at the disk or its completion needs them.
  w.sim.spawn("reader", [&w, &seen, seed] {
    RandomStream r(seed * 100 + 9);
    for (int i = 0; i < 30; ++i) {
      const std::uint64_t offset = r.below((1 << 20) / 512 - 256) * 512;
      const std::uint64_t length = (1 + r.below(256)) * 512;
      engine::PayloadPtr out;
      const engine::IoStatus status = w.disk.read(offset, length, out);
      seen.reads.push_back(status.ok() ? std::optional(static_cast<const ContentPayload&>(*out))
                                       : std::nullopt);
      w.sim.sleep_for(static_cast<TimeNs>(r.below(20 * kNsPerUs)));
    }
  });
  // Looks at the disk between moves: at odd instants, so never at a piece's.
  w.sim.spawn("watcher", [&] {
    RandomStream r(seed * 100 + 11);
    for (int i = 0; i < 40; ++i) {
      w.sim.sleep_for(37 * kNsPerUs + 1);
      // Block status first: a lazy disk settles only what it asks about.
      for (int k = 0; k < 3; ++k) {
        const engine::BlockStatus status =
            w.disk.block_status(r.below((1 << 20) / 512) * 512, (1 + r.below(64)) * 512);
        seen.statuses.emplace_back(status.allocated, status.reads_zero, status.length);
      }
      seen.snapshots.push_back(w.disk.snapshot());
      seen.durable.push_back(w.disk.durable_snapshot());
      seen.volatile_counts.push_back(w.disk.volatile_pieces());
    }
  });
  w.sim.spawn_after(400 * kNsPerUs + 3, "power", [&] {
    RandomStream stream(seed);
    seen.power = w.disk.power_loss(mode, stream);
  });
  const RunOutcome outcome = w.sim.run();
  EXPECT_TRUE(outcome.ok()) << outcome.message;
  seen.events = outcome.events;
  seen.snapshots.push_back(w.disk.snapshot());
  seen.durable.push_back(w.disk.durable_snapshot());
  seen.stats = w.disk.stats();
  seen.quiet = w.quiet;
  const auto key = [](const LogRecord& r) { return std::tuple(r.time, r.a, r.c, r.b); };
  for (const LogRecord& r : w.sim.log().records()) {
    if (r.kind == EventKind::kDiskDataMoved) seen.moves.push_back(r);
    if (r.kind == EventKind::kDiskRequestEnd) seen.ends.push_back(r);
  }
  const auto by_key = [&](const LogRecord& x, const LogRecord& y) { return key(x) < key(y); };
  std::sort(seen.moves.begin(), seen.moves.end(), by_key);
  std::sort(seen.ends.begin(), seen.ends.end(), by_key);
  return seen;
}

bool same_records(const std::vector<LogRecord>& x, const std::vector<LogRecord>& y) {
  return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                    [](const LogRecord& a, const LogRecord& b) {
                      return a.time == b.time && a.kind == b.kind && a.subject == b.subject &&
                             a.a == b.a && a.b == b.b && a.c == b.c;
                    });
}

// The same content and durable content at each look.
void expect_same_content(const Seen& x, const Seen& y) {
  ASSERT_EQ(x.snapshots.size(), y.snapshots.size());
  for (std::size_t i = 0; i < x.snapshots.size(); ++i) {
    EXPECT_EQ(first_difference(x.snapshots[i], y.snapshots[i]), std::nullopt) << i;
    EXPECT_EQ(first_difference(x.durable[i], y.durable[i]), std::nullopt) << i;
  }
}

// The same piece moves and request ends, and the same content and durable
// content at each look.
void expect_same_moves_and_content(const Seen& x, const Seen& y) {
  EXPECT_TRUE(same_records(x.moves, y.moves));
  EXPECT_TRUE(same_records(x.ends, y.ends));
  expect_same_content(x, y);
}

// The moves of each request, by request id (c).
std::map<std::uint64_t, std::vector<LogRecord>> moves_by_request(const Seen& seen) {
  std::map<std::uint64_t, std::vector<LogRecord>> by_request;
  for (const LogRecord& r : seen.moves) by_request[r.c].push_back(r);
  return by_request;
}

// What kinds of lazy moves a comparison saw.
struct MoveKinds {
  std::size_t whole_reads = 0;  // moved whole, unplanned
  std::size_t whole_changes = 0;
  std::size_t split_alike = 0;  // planned lazily, in more than one piece, as eagerly
  MoveKinds& operator+=(const MoveKinds& o) {
    whole_reads += o.whole_reads;
    whole_changes += o.whole_changes;
    split_alike += o.split_alike;
    return *this;
  }
};

// Eager pieces against lazy moves: a lazy request that nothing looked at
// while in service moves as one at its service end, with no plan drawn; so
// a request's lazy moves are its eager pieces, or one move of its whole
// range no earlier than its last piece.
MoveKinds expect_same_or_whole_moves(const Seen& eager, const Seen& lazy) {
  constexpr std::uint64_t kLengthBits = (std::uint64_t{1} << 56) - 1;
  const auto by_request_eager = moves_by_request(eager);
  const auto by_request_lazy = moves_by_request(lazy);
  EXPECT_EQ(by_request_eager.size(), by_request_lazy.size());
  MoveKinds kinds;
  for (const auto& [id, pieces] : by_request_eager) {
    const auto it = by_request_lazy.find(id);
    if (it == by_request_lazy.end()) {
      ADD_FAILURE() << "request " << id << " moved eagerly only";
      continue;
    }
    const std::vector<LogRecord>& moves = it->second;
    if (same_records(pieces, moves)) {
      if (pieces.size() > 1) ++kinds.split_alike;
      continue;
    }
    const bool read = static_cast<DiskOp>(pieces.front().b >> 56) == DiskOp::kRead;
    ++(read ? kinds.whole_reads : kinds.whole_changes);
    EXPECT_EQ(moves.size(), 1u) << "request " << id;
    std::vector<LogRecord> by_offset = pieces;
    std::sort(by_offset.begin(), by_offset.end(),
              [](const LogRecord& a, const LogRecord& b) { return a.a < b.a; });
    std::uint64_t at = by_offset.front().a;
    TimeNs last = 0;
    for (const LogRecord& p : by_offset) {
      EXPECT_EQ(p.a, at) << "request " << id << ": its pieces do not tile its range";
      at += p.b & kLengthBits;
      last = std::max(last, p.time);
    }
    const LogRecord& one = moves.front();
    EXPECT_EQ(one.a, by_offset.front().a) << "request " << id;
    EXPECT_EQ(one.b & kLengthBits, at - by_offset.front().a) << "request " << id;
    EXPECT_EQ(one.b >> 56, by_offset.front().b >> 56) << "request " << id;
    EXPECT_GE(one.time, last) << "request " << id;
  }
  return kinds;
}

// Eager (observed) and lazy runs: the same moves (or whole ones, see
// above), content, counts, reads, power loss and stats, with fewer events
// lazily. Returns what kinds of lazy moves it saw.
MoveKinds expect_same_outcomes(const Seen& eager, const Seen& lazy) {
  EXPECT_FALSE(eager.moves.empty());
  const MoveKinds kinds = expect_same_or_whole_moves(eager, lazy);
  EXPECT_TRUE(same_records(eager.ends, lazy.ends));
  expect_same_content(eager, lazy);
  EXPECT_EQ(eager.volatile_counts, lazy.volatile_counts);
  EXPECT_EQ(eager.statuses, lazy.statuses);
  EXPECT_EQ(eager.reads.size(), lazy.reads.size());
  for (std::size_t i = 0; i < std::min(eager.reads.size(), lazy.reads.size()); ++i) {
    EXPECT_EQ(eager.reads[i], lazy.reads[i]) << "read " << i;
  }
  EXPECT_EQ(eager.power.pieces_kept, lazy.power.pieces_kept);
  EXPECT_EQ(eager.power.pieces_dropped, lazy.power.pieces_dropped);
  EXPECT_EQ(eager.power.dropped_requests, lazy.power.dropped_requests);
  EXPECT_EQ(eager.power.requests_failed, lazy.power.requests_failed);
  EXPECT_EQ(eager.stats.errors, lazy.stats.errors);
  EXPECT_EQ(eager.stats.bytes_read, lazy.stats.bytes_read);
  EXPECT_EQ(eager.stats.bytes_written, lazy.stats.bytes_written);
  // The point of it: no scheduler event per piece.
  EXPECT_LT(lazy.events, eager.events);
  return kinds;
}

// A lazy read whose pieces have all moved only waits for its completion:
// an observer may be added then (it has nothing left to miss).
TEST(LazyMoves, AnObserverMayComeWhileAReadWaitsOnlyForItsCompletion) {
  DiskOptions o = options();
  o.io_model = IoModel::kSplit;
  o.completion_delay_ns = 1000 * kNsPerUs;  // service ends at 100 us, completion at 1.1 ms
  OwnImageWorld w(o, 1, false);
  w.sim.spawn("reader", [&w] {
    engine::PayloadPtr out;
    EXPECT_TRUE(w.disk.read(0, 64 * kKiB, out).ok());
  });
  bool added = false;
  w.sim.spawn_after(500 * kNsPerUs, "adder", [&] {
    w.disk.add_observer(w.nothing);
    added = true;
  });
  const RunOutcome outcome = w.sim.run();
  EXPECT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_TRUE(added);
}

// Lazily, changes wait for what needs them too (deferred); on a thin image
// they move in order instead (which piece runs out of space depends on it).
TEST(LazyMoves, SameMovesContentAndOutcomesAsEager) {
  struct Case {
    std::uint64_t cluster;
    std::uint64_t capacity;
    PowerLossMode mode;
  };
  std::vector<Case> cases;
  for (std::uint64_t cluster : {std::uint64_t{0}, 64 * kKiB}) {
    for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
      cases.push_back({cluster, 0, mode});
    }
    cases.push_back({cluster, 512 * kKiB, PowerLossMode::kInOrderPrefix});
  }
  MoveKinds kinds;
  for (const Case& c : cases) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      DiskOptions o = everything_on(c.cluster);
      o.capacity_bytes = c.capacity;
      const Seen eager = watch_traffic(o, seed, true, c.mode);
      const Seen lazy = watch_traffic(o, seed, false, c.mode);
      SCOPED_TRACE("cluster " + std::to_string(c.cluster) + " capacity " +
                   std::to_string(c.capacity) + " " + std::string(power_loss_mode_name(c.mode)) +
                   " seed " + std::to_string(seed));
      kinds += expect_same_outcomes(eager, lazy);
    }
  }
  // Every kind happens: requests looked at in service (planned, in pieces
  // as eagerly), and reads and changes nobody looked at (moved whole).
  EXPECT_GT(kinds.split_alike, 0u);
  EXPECT_GT(kinds.whole_reads, 0u);
  EXPECT_GT(kinds.whole_changes, 0u);
}

// A backing attached midway: whole-change landings (lazy) and per-piece
// ones (eager) replay with the COW rule as the image filled live.
TEST(LazyMoves, SameContentAndPowerLossWithABackingAttachedMidway) {
  const std::shared_ptr<DiskImage> base = old_data_base();
  MoveKinds kinds;
  for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      DiskOptions o = everything_on(64 * kKiB);
      o.backing_name = "base";
      const Seen eager = watch_traffic(o, seed, true, mode, false, base);
      const Seen lazy = watch_traffic(o, seed, false, mode, false, base);
      SCOPED_TRACE(std::string(power_loss_mode_name(mode)) + " seed " + std::to_string(seed));
      kinds += expect_same_outcomes(eager, lazy);
    }
  }
  EXPECT_GT(kinds.split_alike, 0u);
  EXPECT_GT(kinds.whole_changes, 0u);
}

// Writes whose services overlap, each landing whole when lazy (and
// unplanned, at its service end): a power loss takes requests in issue
// order, so the lazy disk drops the same ones as the eager disk, whose
// pieces land one by one at other instants (an order by landing would
// reorder the coins).
TEST(LazyMoves, AWholeLandingDrawsItsRequestsCoinAtAPowerLoss) {
  int seeds_with_a_loss = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    PowerLossResult results[2];
    GuestView views[2];
    for (bool observed : {true, false}) {
      DiskOptions o = options();
      o.io_model = IoModel::kSplit;
      o.write_cache = true;
      OwnImageWorld w(o, seed, observed);
      for (int i = 0; i < 6; ++i) {
        w.sim.spawn("w" + std::to_string(i),
                    [&w, i] { ASSERT_TRUE(w.disk.write_fresh(i * 256 * kKiB, 256 * kKiB).ok()); });
      }
      w.sim.spawn_after(10'000 * kNsPerUs, "power", [&, observed] {
        RandomStream stream(seed);
        results[observed] = w.disk.power_loss(PowerLossMode::kAnySubset, stream);
        views[observed] = w.disk.snapshot();
      });
      const RunOutcome outcome = w.sim.run();
      ASSERT_TRUE(outcome.ok()) << outcome.message;
    }
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_EQ(results[true].dropped_requests, results[false].dropped_requests);
    EXPECT_EQ(results[true].pieces_dropped, results[false].pieces_dropped);
    EXPECT_EQ(first_difference(views[true], views[false]), std::nullopt);
    if (!results[false].dropped_requests.empty()) ++seeds_with_a_loss;
  }
  EXPECT_GT(seeds_with_a_loss, 10);
}

// An observer that wants no data moves (the World's, mostly) leaves the
// disk lazy: the run is the one without observers, event for event, and
// the observer sees every request start and end but no move.
TEST(LazyMoves, AnObserverThatWantsNoMovesKeepsTheDiskLazy) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const DiskOptions o = everything_on(64 * kKiB);
    const Seen alone = watch_traffic(o, seed, false);
    const Seen quiet = watch_traffic(o, seed, false, PowerLossMode::kAnySubset, true);
    ASSERT_FALSE(alone.moves.empty());
    EXPECT_EQ(quiet.events, alone.events);
    expect_same_moves_and_content(quiet, alone);
    const DiskStats& st = quiet.stats;
    const std::uint64_t requests = st.reads + st.writes + st.zero_writes + st.discards + st.flushes;
    EXPECT_EQ(quiet.quiet.starts, requests);
    EXPECT_EQ(quiet.quiet.ends, requests);
    EXPECT_EQ(quiet.quiet.moves, 0u);
    // And an observer that wants them makes the disk eager again.
    const Seen both = watch_traffic(o, seed, true, PowerLossMode::kAnySubset, true);
    EXPECT_GT(both.events, alone.events);
  }
}

// The index of deferred requests answers "who touches [lo, hi)" like a
// scan of them all, through inserts and erases in any order.
TEST(LazyMoves, RangeListFindsWhatAScanFinds) {
  struct Item {
    std::uint64_t offset;
    std::uint64_t end;
  };
  RandomStream r(7);
  std::vector<std::unique_ptr<Item>> items;
  RangeList<Item> list;
  for (int step = 0; step < 3000; ++step) {
    if (items.empty() || r.below(3) != 0) {
      const std::uint64_t offset = r.below(1000);
      // Mostly short, now and then long: the search must reach back far.
      const std::uint64_t length = 1 + (r.below(20) == 0 ? r.below(500) : r.below(10));
      items.push_back(std::make_unique<Item>(Item{offset, offset + length}));
      list.insert(offset, offset + length, items.back().get());
    } else {
      const std::size_t k = r.below(items.size());
      list.erase(items[k]->offset, items[k].get());
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(k));
    }
    const std::uint64_t lo = r.below(1000);
    const std::uint64_t hi = lo + 1 + r.below(30);
    std::set<const Item*> found;
    list.for_each_touching(lo, hi, [&](Item* item) { EXPECT_TRUE(found.insert(item).second); });
    std::set<const Item*> expected;
    for (const auto& item : items) {
      if (item->offset < hi && lo < item->end) expected.insert(item.get());
    }
    ASSERT_EQ(found, expected) << "step " << step;
  }
}

TEST(LazyMoves, AnObserverCannotJoinWhilePiecesWait) {
  OwnImageWorld w(everything_on(0), 1, false);
  OwnImageWorld::Nothing late;
  w.sim.spawn("writer", [&] { (void)w.disk.write_fresh(0, 64 * kKiB); });
  w.sim.spawn_after(kNsPerUs, "joiner",
                    [&] { EXPECT_THROW(w.disk.add_observer(late), InvariantViolation); });
  ASSERT_TRUE(w.sim.run().ok());
}

// --- Determinism and the default path ---

std::uint64_t traffic_hash(const DiskOptions& o, std::uint64_t seed) {
  World w(o, seed);
  w.disk.set_fault_plan(FaultPlan({FaultRule{.probability = 0.1, .torn = true}}));
  random_traffic(w, seed, 30);
  w.sim.spawn_after(400 * kNsPerUs, "power", [&] {
    RandomStream stream(seed);
    w.disk.power_loss(PowerLossMode::kAnySubset, stream);
  });
  w.run();
  return w.sim.log().hash();
}

TEST(Determinism, SameSeedSameHash) {
  const DiskOptions o = everything_on(16 * kKiB);
  EXPECT_EQ(traffic_hash(o, 3), traffic_hash(o, 3));
  EXPECT_NE(traffic_hash(o, 3), traffic_hash(o, 4));
}

TEST(Determinism, DefaultsLogNothingNew) {
  World w(options(64 * kKiB));
  random_traffic(w, 1, 30);
  w.run();
  for (const LogRecord& r : w.sim.log().records()) {
    EXPECT_LT(static_cast<int>(r.kind), static_cast<int>(EventKind::kDiskDataMoved));
  }
}

}  // namespace
}  // namespace mirrorsim::sim
