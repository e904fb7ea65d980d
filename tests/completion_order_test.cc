// The disk facts behind docs/bugs.md, "Why no bug needs late completions or
// reordering alone". On one disk, in-order late completions keep the order
// of completions equal to the order in which data moved, as a disk without
// delays does: an engine that sees only its own issues and completions
// cannot tell the two apart. Reordered completions break that order, even
// for a request issued after another's data had all moved; so does split
// I/O without any delay, on a jittered disk that serves several requests
// at once. Random reads and writes of random sizes, many seeds.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "sim/disks/sim_disk.h"
#include "sim/kernel/random.h"
#include "tests/one_disk_world.h"

namespace mirrorsim::sim {
namespace {

using engine::kNsPerUs;
using engine::TimeNs;

constexpr std::uint64_t kKiB = 1024;

struct Life {
  TimeNs issued = 0;
  TimeNs first_move = -1;
  TimeNs last_move = -1;
  TimeNs completed = -1;
};

// Each request's issue, data moves and completion, by request id.
struct Lives : DiskObserver {
  explicit Lives(const Simulation& simulation) : sim(simulation) {}
  void on_data_moved(const DiskRequest& r, std::uint64_t, std::uint64_t) override {
    Life& life = by_id[r.id];
    if (life.first_move < 0) life.first_move = sim.now();
    life.last_move = sim.now();
  }
  void on_request_end(const DiskRequest& r) override {
    by_id[r.id].issued = r.start_ns;
    by_id[r.id].completed = r.end_ns;
  }
  const Simulation& sim;
  std::map<std::uint64_t, Life> by_id;
};

struct Orders {
  // Some request completed before one whose data moved before its own.
  bool completion_differs_from_data = false;
  // ...even though it was issued after that one's data had all moved.
  bool differs_without_overlap = false;
};

Orders run_disk(std::uint64_t seed, IoModel model, TimeNs delay, bool reorder) {
  DiskOptions o;
  o.name = "disk";
  o.length_bytes = 4 << 20;
  o.latency_ns = 100 * kNsPerUs;
  o.bandwidth_bytes_per_s = 100'000'000;
  o.jitter_ns = 200 * kNsPerUs;
  o.queue_depth = 4;
  o.io_model = model;
  o.completion_delay_ns = delay;
  o.reorder = reorder;
  OneDiskWorld w(o, seed);
  Lives lives(w.sim);
  w.disk.add_observer(lives);
  RandomStream draws = RandomStream::derive(seed, "completion-order-test");
  for (int task = 0; task < 4; ++task) {
    w.sim.spawn("guest" + std::to_string(task), [&w, &draws] {
      for (int i = 0; i < 12; ++i) {
        const std::uint64_t length = draws.between(1, 16) * 4 * kKiB;
        const std::uint64_t offset = draws.between(0, 63) * 64 * kKiB;
        if (draws.between(0, 1) == 0) {
          ASSERT_TRUE(w.disk.write_fresh(offset, length).ok());
        } else {
          engine::PayloadPtr out;
          ASSERT_TRUE(w.disk.read(offset, length, out).ok());
        }
        w.sim.sleep_for(static_cast<TimeNs>(draws.between(0, 300)) * kNsPerUs);
      }
    });
  }
  const RunOutcome outcome = w.sim.run();
  EXPECT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(lives.by_id.size(), 48u);  // every request moved data and completed
  Orders orders;
  for (const auto& [a_id, a] : lives.by_id) {
    for (const auto& [c_id, c] : lives.by_id) {
      if (a.last_move >= c.first_move || c.completed >= a.completed) continue;
      orders.completion_differs_from_data = true;
      if (c.issued > a.last_move) orders.differs_without_overlap = true;
    }
  }
  return orders;
}

TEST(CompletionOrder, InOrderLateCompletionsFollowTheDataLikeADiskWithoutDelays) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const TimeNs delay : {TimeNs{0}, 3000 * kNsPerUs}) {
      const Orders orders = run_disk(seed, IoModel::kAtomic, delay, false);
      EXPECT_FALSE(orders.completion_differs_from_data) << "seed " << seed << " delay " << delay;
    }
  }
}

TEST(CompletionOrder, ReorderAndSplitIoEachBreakIt) {
  int reorder_breaks = 0;
  int split_breaks = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    reorder_breaks +=
        run_disk(seed, IoModel::kAtomic, 3000 * kNsPerUs, true).differs_without_overlap;
    split_breaks += run_disk(seed, IoModel::kSplit, 0, false).differs_without_overlap;
  }
  EXPECT_GT(reorder_breaks, 0);
  EXPECT_GT(split_breaks, 0);
}

}  // namespace
}  // namespace mirrorsim::sim
