// A write cache keeps no second copy of the disk: each volatile landing
// keeps an undo record (the runs it could alter, as they were), and the
// durable content and a power loss's outcome are the live layer with every
// volatile landing undone, then the surviving ones applied again. Checked
// here against a plain replay: on random concurrent traffic over small
// pages, raw and clustered images, a backing attached midway, torn writes,
// flushes and repeated power losses, the durable content and what each power
// loss leaves must be what DenseDisk, the reference model, gets by
// replaying the landings that should survive. Also: DiskImage's undo
// records themselves, and writes made straight to the image.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/invariant.h"
#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/fault_plan.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/random.h"
#include "sim/kernel/simulation.h"
#include "tests/landing_replay.h"

namespace mirrorsim::sim {
namespace {

using engine::kNsPerUs;
using engine::TimeNs;
constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kDiskBytes = 1 << 20;
// Not a whole number of clusters: the last cluster is short.
constexpr std::uint64_t kOddDiskBytes = kDiskBytes + 5 * kSectorSize;
constexpr std::uint64_t kOldData = 1000;  // the backing's content value

// Whether a zero write may unmap: drawn from its offset, so that the replay,
// which sees requests but not this flag, knows it too.
bool may_unmap(std::uint64_t request_offset) {
  return request_offset / kSectorSize % 2 == 0;
}

DiskOptions disk_options(std::uint64_t cluster, bool discard_reads_zero,
                         std::uint64_t length = kDiskBytes) {
  DiskOptions o;
  o.name = "disk";
  o.length_bytes = length;
  o.cluster_bytes = cluster;
  if (cluster > 0) o.backing_name = "base";  // attached midway (raw disks have none)
  o.discard_reads_zero = discard_reads_zero;
  o.latency_ns = 100 * kNsPerUs;
  o.bandwidth_bytes_per_s = 0;
  o.flush_latency_ns = 10 * kNsPerUs;
  o.io_model = IoModel::kSplit;
  o.completion_delay_ns = 80 * kNsPerUs;
  o.reorder = true;
  o.jitter_ns = 30 * kNsPerUs;
  o.write_cache = true;
  return o;
}

DiskOptions backing_options(std::uint64_t length = kDiskBytes) {
  DiskOptions o;
  o.name = "base";
  o.length_bytes = length;
  o.cluster_bytes = 64 * kKiB;
  o.zero_init = false;
  return o;
}

struct Config {
  std::uint64_t cluster = 0;
  std::uint64_t page_bytes = 0;
  int tasks = 4;
  PowerLossMode mode = PowerLossMode::kAnySubset;
  std::uint64_t length = kDiskBytes;
  std::uint64_t capacity = 0;  // thin: some changes fail with ENOSPC, some pieces land
};

std::string describe(const Config& c, std::uint64_t seed) {
  return "cluster " + std::to_string(c.cluster) + " page " + std::to_string(c.page_bytes) +
         " tasks " + std::to_string(c.tasks) + " " + std::string(power_loss_mode_name(c.mode)) +
         " length " + std::to_string(c.length) + " capacity " + std::to_string(c.capacity) +
         " seed " + std::to_string(seed);
}

// Random traffic with checks all along; returns how many checks ran.
int run_against_replay(const Config& c, std::uint64_t seed) {
  const DiskOptions o = disk_options(c.cluster, seed % 2 == 0, c.length);
  auto backing = std::make_shared<DiskImage>(backing_options(c.length));
  backing->fill_with_old_data(kOldData);
  auto dense_backing = std::make_shared<DenseDisk>(backing_options(c.length));
  dense_backing->fill_with_old_data(kOldData);

  Simulation sim(SimulationOptions{.seed = seed});
  ContentSource content;
  DiskOptions with_depth = o;
  with_depth.queue_depth = 128;  // many tasks: many landings in flight at a flush
  // The replays (the disk's and the model's, from `o`) have no capacity:
  // a durable subset may need more room than the run ever did.
  with_depth.capacity_bytes = c.capacity;
  auto image = std::make_shared<DiskImage>(with_depth, c.page_bytes);
  SimDisk disk(sim, content, 9, image);
  disk.set_fault_plan(FaultPlan({FaultRule{.probability = 0.1, .torn = true}}));
  Replay model;
  model.may_unmap = may_unmap;
  model.image = image.get();
  disk.add_observer(model);
  const std::string what = describe(c, seed);
  int checks = 0;

  for (int t = 0; t < c.tasks; ++t) {
    sim.spawn("task" + std::to_string(t), [&, t] {
      RandomStream r(seed * 1000 + static_cast<std::uint64_t>(t));
      const std::uint64_t sectors = c.length / kSectorSize;
      for (int i = 0; i < 24; ++i) {
        // Mostly small changes, now and then one over a large part of the disk.
        const std::uint64_t length =
            (r.below(10) == 0 ? 1 + r.below(sectors) : 1 + r.below(64)) * kSectorSize;
        const std::uint64_t offset = r.below(sectors - length / kSectorSize + 1) * kSectorSize;
        switch (r.below(10)) {
          case 0:
          case 1:
            (void)disk.flush();
            break;
          case 2:
            (void)disk.write_zeroes(offset, length, may_unmap(offset));
            break;
          case 3:
            (void)disk.discard(offset, length);
            break;
          default:
            (void)disk.write_fresh(offset, length);
            break;
        }
        sim.sleep_for(static_cast<TimeNs>(r.below(40 * kNsPerUs)));
      }
    });
  }
  if (c.cluster > 0) {
    sim.spawn_after(300 * kNsPerUs + 7, "attach", [&] {
      model.attach_at = model.landings.size();
      disk.attach_backing(backing);
    });
  }
  // Looks at the durable content between moves (odd instants).
  sim.spawn("watcher", [&] {
    for (int i = 0; i < 60; ++i) {
      sim.sleep_for(41 * kNsPerUs + 1);
      EXPECT_EQ(
          first_difference(disk.durable_snapshot(), model.durable(o, dense_backing)->guest_view()),
          std::nullopt)
          << what << " at " << sim.now();
      ++checks;
    }
  });
  // Power losses in the middle of the traffic, each checked at once.
  sim.spawn("power", [&] {
    for (std::uint64_t k = 0; k < 3; ++k) {
      sim.sleep_for(600 * kNsPerUs + 13);
      RandomStream stream(seed * 10 + k);
      model.power_loss(c.mode, stream);
      (void)disk.power_loss(c.mode, stream);
      const auto expected = model.replay(o, dense_backing, [](const Replay::Landing&) {
        return false;  // every open landing was settled just now
      });
      EXPECT_EQ(first_difference(disk.snapshot(), expected->guest_view()), std::nullopt)
          << what << " power loss " << k;
      EXPECT_EQ(image->allocated_bytes(), expected->allocated_bytes())
          << what << " power loss " << k;
      EXPECT_EQ(first_difference(disk.durable_snapshot(), disk.snapshot()), std::nullopt) << what;
      ++checks;
    }
  });
  const RunOutcome outcome = sim.run();
  EXPECT_TRUE(outcome.ok()) << outcome.message;
  // At the end: the durable content, then a last power loss.
  EXPECT_EQ(
      first_difference(disk.durable_snapshot(), model.durable(o, dense_backing)->guest_view()),
      std::nullopt)
      << what << " at the end";
  RandomStream stream(seed * 10 + 9);
  model.power_loss(c.mode, stream);
  (void)disk.power_loss(c.mode, stream);
  const auto expected =
      model.replay(o, dense_backing, [](const Replay::Landing&) { return false; });
  EXPECT_EQ(first_difference(disk.snapshot(), expected->guest_view()), std::nullopt)
      << what << " last power loss";
  EXPECT_EQ(image->allocated_bytes(), expected->allocated_bytes()) << what << " last power loss";
  return checks + 2;
}

TEST(UndoLog, DurableContentAndPowerLossesMatchAPlainReplay) {
  int checks = 0;
  for (std::uint64_t cluster : {std::uint64_t{0}, 4 * kKiB, 64 * kKiB}) {
    for (std::uint64_t page : {std::uint64_t{512}, 8 * kKiB, 64 * kKiB}) {
      for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
        for (std::uint64_t seed = 1; seed <= 2; ++seed) {
          checks += run_against_replay({cluster, page, 4, mode}, seed);
        }
      }
    }
  }
  EXPECT_GT(checks, 500);
}

// A thin disk whose last cluster is short: changes that fail with ENOSPC
// (or land only their first pieces) and undo records clamped at the end.
TEST(UndoLog, ThinDiskWithAShortLastClusterMatchesAPlainReplay) {
  for (std::uint64_t cluster : {std::uint64_t{0}, 4 * kKiB, 64 * kKiB}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      run_against_replay(
          {cluster, 8 * kKiB, 6, PowerLossMode::kAnySubset, kOddDiskBytes, 700 * kKiB}, seed);
      run_against_replay(
          {cluster, 512, 6, PowerLossMode::kInOrderPrefix, kOddDiskBytes, 700 * kKiB}, seed);
    }
  }
}

// So many tasks that hundreds of landings are volatile at once, many of
// them over each other: undone newest first, they must give the base.
TEST(UndoLog, ManyLandingsInFlightMatchAPlainReplayToo) {
  for (std::uint64_t cluster : {std::uint64_t{0}, 64 * kKiB}) {
    run_against_replay({cluster, 4 * kKiB, 100, PowerLossMode::kAnySubset}, 1);
  }
}

// A raw disk with a write cache and nothing else unkind, and its image to
// write straight into.
struct QuietCachedDisk {
  static DiskOptions options() {
    DiskOptions o = disk_options(0, false);
    o.io_model = IoModel::kAtomic;
    o.completion_delay_ns = 0;
    o.reorder = false;
    o.jitter_ns = 0;
    return o;
  }
  // Runs `io` as the one task, to its end.
  template <typename Io>
  void run(Io io) {
    sim.spawn("io", io);
    ASSERT_TRUE(sim.run().ok());
  }

  Simulation sim{SimulationOptions{.seed = 1}};
  ContentSource content;
  std::shared_ptr<DiskImage> image = std::make_shared<DiskImage>(options(), 64 * kKiB);
  SimDisk disk{sim, content, 9, image};
};

// The header's contract: what is written to the image directly while no
// landing is volatile is durable at once (as a prefill is).
TEST(UndoLog, AWriteStraightToTheImageWithNothingVolatileIsDurable) {
  QuietCachedDisk q;
  SimDisk& disk = q.disk;
  DiskImage& image = *q.image;
  q.run([&] {
    ASSERT_TRUE(disk.write_fresh(0, 4 * kKiB).ok());
    ASSERT_TRUE(disk.flush().ok());
    ASSERT_TRUE(image.write(8 * kKiB, ContentPayload::fresh(77, 4 * kKiB)).ok());
    ASSERT_TRUE(disk.write_fresh(12 * kKiB, 4 * kKiB).ok());  // the same page, volatile
  });
  EXPECT_EQ(disk.durable_snapshot().at(8 * kKiB), (SectorContent{77, 0}));
  EXPECT_EQ(disk.durable_snapshot().at(12 * kKiB), SectorContent{});
  RandomStream stream(1);
  (void)disk.power_loss(PowerLossMode::kInOrderPrefix, stream);
  EXPECT_EQ(disk.snapshot().at(0), (SectorContent{1, 0}));
  EXPECT_EQ(disk.snapshot().at(8 * kKiB), (SectorContent{77, 0}));
}

// ... and one made while landings are volatile cannot be told from theirs
// by undoing them: the disk reports it instead of losing track.
TEST(UndoLog, AWriteStraightToTheImageWhileLandingsAreVolatileIsReported) {
  QuietCachedDisk q;
  SimDisk& disk = q.disk;
  DiskImage& image = *q.image;
  q.run([&] {
    ASSERT_TRUE(disk.write_fresh(0, 4 * kKiB).ok());  // volatile
    (void)disk.durable_snapshot();                    // the durable state is kept from here
    ASSERT_TRUE(image.write(8 * kKiB, ContentPayload::fresh(77, 4 * kKiB)).ok());
  });
  EXPECT_THROW((void)disk.durable_snapshot(), InvariantViolation);
  RandomStream stream(1);
  EXPECT_THROW((void)disk.power_loss(PowerLossMode::kAnySubset, stream), InvariantViolation);
}

// A disk written straight into for good (the World's source after the
// pivot) ends its write cache first: what was volatile then and every
// later change survive a power loss.
TEST(UndoLog, AnEndedWriteCacheKeepsEverything) {
  QuietCachedDisk q;
  SimDisk& disk = q.disk;
  DiskImage& image = *q.image;
  q.run([&] {
    ASSERT_TRUE(disk.write_fresh(0, 4 * kKiB).ok());  // volatile
    EXPECT_EQ(disk.volatile_pieces(), 1u);
    disk.end_write_cache();
    ASSERT_TRUE(image.write(8 * kKiB, ContentPayload::fresh(77, 4 * kKiB)).ok());
    ASSERT_TRUE(disk.write_fresh(16 * kKiB, 4 * kKiB).ok());
  });
  EXPECT_EQ(disk.volatile_pieces(), 0u);
  EXPECT_EQ(first_difference(disk.durable_snapshot(), disk.snapshot()), std::nullopt);
  RandomStream stream(1);
  (void)disk.power_loss(PowerLossMode::kAnySubset, stream);
  EXPECT_EQ(disk.snapshot().at(0), (SectorContent{1, 0}));
  EXPECT_EQ(disk.snapshot().at(8 * kKiB), (SectorContent{77, 0}));
  EXPECT_EQ(disk.snapshot().at(16 * kKiB), (SectorContent{2, 0}));
}

// DiskImage's undo records: the runs a change can alter, taken before each
// of a series of random changes and put back newest first, give every
// earlier state again, content and allocation count; on a disk whose last
// cluster is short too (a third of the changes reach its end), and on a
// thin one, where a change that fails changes nothing. A write that takes
// its record as it changes the page (write_keeping_undo) takes the same one.
TEST(UndoLog, RunsPutBackUndoEachChange) {
  for (std::uint64_t length : {kDiskBytes, kOddDiskBytes}) {
    for (std::uint64_t capacity : {std::uint64_t{0}, 600 * kKiB}) {
      for (std::uint64_t cluster : {std::uint64_t{0}, 4 * kKiB, 64 * kKiB}) {
        for (std::uint64_t page : {std::uint64_t{512}, 4 * kKiB, 64 * kKiB}) {
          for (std::uint64_t seed = 1; seed <= 10; ++seed) {
            const std::string what = "length " + std::to_string(length) + " capacity " +
                                     std::to_string(capacity) + " cluster " +
                                     std::to_string(cluster) + " page " + std::to_string(page) +
                                     " seed " + std::to_string(seed);
            DiskOptions o = disk_options(cluster, seed % 2 == 0, length);
            o.write_cache = false;
            o.capacity_bytes = capacity;
            DiskImage image(o, page);
            if (cluster > 0) {
              auto backing = std::make_shared<DiskImage>(backing_options(length));
              backing->fill_with_old_data(kOldData);
              image.attach_backing(backing);  // the COW rule fills from it
            }
            RandomStream r(seed);
            std::vector<DiskImage::LayerState> states;
            std::vector<std::vector<Extent>> undo;
            for (std::uint64_t value = 1; value <= 60; ++value) {
              std::uint64_t sectors = 1 + (r.below(8) == 0 ? r.below(1024) : r.below(16));
              const std::uint64_t offset =
                  r.below(3) == 0 ? length - sectors * kSectorSize
                                  : r.below(length / kSectorSize - sectors + 1) * kSectorSize;
              const std::uint64_t bytes = sectors * kSectorSize;
              const ContentPayload data = ContentPayload::fresh(value, bytes);
              const DiskOp ops[] = {DiskOp::kWrite, DiskOp::kWrite, DiskOp::kWriteZeroes,
                                    DiskOp::kDiscard};
              const DiskOp op = ops[r.below(4)];
              const DiskImage::LayerState before = image.save();
              std::vector<Extent> runs;
              image.append_runs_a_change_alters(offset, bytes, runs);
              // A write takes its own record as it changes the page: the same one.
              std::vector<Extent> taken;
              const bool unmap = r.chance(0.5);
              const bool ok = op == DiskOp::kWrite
                                  ? image.write_keeping_undo(offset, data, taken).ok()
                                  : apply_change(image, op, offset, bytes, &data, unmap).ok();
              if (ok && op == DiskOp::kWrite) {
                EXPECT_EQ(taken, runs) << what;
              }
              if (!ok) {
                EXPECT_EQ(image.save().store, before.store) << what;
                EXPECT_EQ(image.allocated_bytes(), before.allocated_bytes) << what;
                continue;
              }
              states.push_back(before);
              undo.push_back(std::move(runs));
            }
            while (!states.empty()) {
              image.put_back_runs(undo.back());
              EXPECT_EQ(image.save().store, states.back().store)
                  << what << " step " << states.size();
              EXPECT_EQ(image.allocated_bytes(), states.back().allocated_bytes)
                  << what << " step " << states.size();
              states.pop_back();
              undo.pop_back();
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace mirrorsim::sim
