// When the mirror job waits, and for what: the slot wait of the qemu-7.2
// profile (the first op in flight, not any op: v7.2.0 block/mirror.c
// mirror_wait_for_free_in_flight_slot, :308) and the buffer wait inside
// each copy (every profile: a copy short of buffer pieces lets later,
// smaller copies go first, mirror_co_read :368). The job runs on the
// deterministic runtime against two scripted in-memory devices whose
// request times are set per range, so the order in which ops start and end
// is the test's to choose.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/block_device.h"
#include "engine/job_observer.h"
#include "engine/mirror_job.h"
#include "engine/mirror_params.h"
#include "engine/profile.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim {
namespace {

using engine::BlockStatus;
using engine::IoStatus;
using engine::OpInfo;
using engine::OpKind;
using engine::PayloadPtr;
using engine::Profile;
using engine::TimeNs;

constexpr std::uint64_t kChunk = 64 * 1024;
constexpr TimeNs kUs = engine::kNsPerUs;
constexpr TimeNs kMs = engine::kNsPerMs;

// What a sector last received: 0 for never written, else a stamp.
struct Sectors final : engine::Payload {
  std::vector<std::uint64_t> stamps;
};

// A disk in memory whose reads take a time chosen per offset (1 ms unless
// set), writes 0.1 ms. Block status reports a chunk with any sector ever
// written (stamp not 0) as allocated data, the rest as unallocated zeroes.
class ScriptedDisk final : public engine::BlockDevice {
 public:
  ScriptedDisk(sim::Simulation& sim, std::uint64_t length)
      : sim_(sim), stamps_(length / engine::kSectorSize) {}

  void slow_read(std::uint64_t offset, TimeNs duration) {
    slow_reads_.push_back({offset, duration});
  }
  const std::vector<std::uint64_t>& stamps() const { return stamps_; }

  engine::DeviceInfo info() const override {
    engine::DeviceInfo d;
    d.name = "scripted";
    d.length = stamps_.size() * engine::kSectorSize;
    d.zero_init = true;
    return d;
  }
  IoStatus read(std::uint64_t offset, std::uint64_t length, PayloadPtr& out) override {
    auto data = std::make_unique<Sectors>();
    // The read samples at its start; the time it takes is spent after.
    data->stamps.assign(stamps_.begin() + sector(offset),
                        stamps_.begin() + sector(offset + length));
    out = std::move(data);
    sim_.sleep_for(read_time(offset));
    return IoStatus::success();
  }
  IoStatus write(std::uint64_t offset, std::uint64_t length, const engine::Payload& data) override {
    sim_.sleep_for(100 * kUs);
    const auto& sectors = dynamic_cast<const Sectors&>(data).stamps;
    EXPECT_EQ(sectors.size(), sector(length));
    std::copy(sectors.begin(), sectors.end(), stamps_.begin() + sector(offset));
    return IoStatus::success();
  }
  IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length, bool) override {
    sim_.sleep_for(100 * kUs);
    std::fill_n(stamps_.begin() + sector(offset), sector(length), 0);
    return IoStatus::success();
  }
  IoStatus discard(std::uint64_t offset, std::uint64_t length) override {
    return write_zeroes(offset, length, true);
  }
  IoStatus flush() override { return IoStatus::success(); }
  BlockStatus block_status(std::uint64_t offset, std::uint64_t length) override {
    const bool data = has_data(offset);
    std::uint64_t end = offset - offset % kChunk + kChunk;
    while (end < offset + length && has_data(end) == data) end += kChunk;
    end = std::min(end, offset + length);
    return BlockStatus{data, false, !data, end - offset};
  }

 private:
  static std::uint64_t sector(std::uint64_t bytes) { return bytes / engine::kSectorSize; }
  bool has_data(std::uint64_t offset) const {
    const auto first = stamps_.begin() + sector(offset - offset % kChunk);
    const auto last = first + std::min<std::ptrdiff_t>(sector(kChunk), stamps_.end() - first);
    return std::any_of(first, last, [](std::uint64_t s) { return s != 0; });
  }
  TimeNs read_time(std::uint64_t offset) const {
    for (const auto& [slow_offset, duration] : slow_reads_) {
      if (slow_offset == offset) return duration;
    }
    return 1 * kMs;
  }

  sim::Simulation& sim_;
  std::vector<std::uint64_t> stamps_;
  std::vector<std::pair<std::uint64_t, TimeNs>> slow_reads_;
};

// When each op started and ended, by offset (the tests give every op its
// own offset).
struct OpTimes final : engine::JobObserver {
  explicit OpTimes(sim::Simulation& sim) : sim(sim) {}
  void on_op_start(const OpInfo& op) override {
    starts.push_back({op.offset, sim.now()});
    peak_buffer = std::max(peak_buffer, op.buffer_bytes_in_use);
  }
  void on_op_end(const OpInfo& op, int) override { ends.push_back({op.offset, sim.now()}); }
  static std::optional<TimeNs> at(const std::vector<std::pair<std::uint64_t, TimeNs>>& times,
                                  std::uint64_t offset) {
    for (const auto& [o, t] : times) {
      if (o == offset) return t;
    }
    return std::nullopt;
  }
  std::optional<TimeNs> start(std::uint64_t offset) const { return at(starts, offset); }
  std::optional<TimeNs> end(std::uint64_t offset) const { return at(ends, offset); }

  sim::Simulation& sim;
  std::vector<std::pair<std::uint64_t, TimeNs>> starts;
  std::vector<std::pair<std::uint64_t, TimeNs>> ends;
  std::uint64_t peak_buffer = 0;
};

// A sync=full job over a target that reads as zeroes (only the source's
// data chunks start dirty), run to READY and completed. `guest` runs in the
// driver's task once the job has started.
struct WaitsWorld {
  WaitsWorld(std::vector<bool> data_chunks, Profile profile, std::int64_t buf_size_bytes)
      : source(sim, data_chunks.size() * kChunk),
        target(sim, data_chunks.size() * kChunk),
        observer(sim) {
    params.sync = engine::SyncMode::kFull;
    params.granularity_bytes = kChunk;
    params.buf_size_bytes = buf_size_bytes;
    params.target_is_zero = true;
    params.profile = profile;
    // Stamp the source's data chunks as a guest would have written them.
    for (std::uint64_t c = 0; c < data_chunks.size(); ++c) {
      if (!data_chunks[c]) continue;
      sim.spawn("prefill", [this, c] {
        Sectors d;
        d.stamps.assign(kChunk / engine::kSectorSize, c + 1);
        source.write(c * kChunk, kChunk, d);
      });
    }
    sim.run();
  }

  void run(const std::function<void(engine::MirrorJob&)>& guest) {
    engine::MirrorJob job(sim, source, target, params, &observer);
    sim.spawn("driver", [&] {
      job.start();
      guest(job);
      while (!job.ready_seen()) sim.sleep_for(1 * kMs);
      job.complete();
      job.wait_until_ended();
    });
    const sim::RunOutcome outcome = sim.run();
    ASSERT_EQ(outcome.status, sim::RunOutcome::Status::kCompleted) << outcome.message;
    EXPECT_TRUE(job.outcome().success);
    sim.unwind_tasks();
  }

  // A write of stamp `stamp` over one chunk, through the job's filter.
  static void guest_write(engine::MirrorJob& job, std::uint64_t chunk, std::uint64_t stamp) {
    Sectors d;
    d.stamps.assign(kChunk / engine::kSectorSize, stamp);
    ASSERT_TRUE(job.guest_device().write(chunk * kChunk, kChunk, d).ok());
  }

  sim::Simulation sim{sim::SimulationOptions{.seed = 1, .retain_log = false}};
  ScriptedDisk source;
  ScriptedDisk target;
  OpTimes observer;
  engine::MirrorParams params;
};

// Chunks 0 and 2 hold data, 1 and 3 do not: two iterations, op A over chunk
// 0 (a slow read, 10 ms) and op B over chunk 2 (1 ms). Then nothing is
// dirty and the loop waits for an op. A guest write to chunk 3 at 0.5 ms
// lands before B ends.
struct FirstOpCase {
  static constexpr std::uint64_t kA = 0;
  static constexpr std::uint64_t kB = 2 * kChunk;
  static constexpr std::uint64_t kNew = 3 * kChunk;

  explicit FirstOpCase(Profile profile) : world({true, false, true, false}, profile, 0) {
    world.source.slow_read(kA, 10 * kMs);
    world.run([this](engine::MirrorJob& job) {
      world.sim.sleep_for(500 * kUs);
      WaitsWorld::guest_write(job, kNew / kChunk, 99);
    });
  }
  WaitsWorld world;
};

TEST(SlotWait, Qemu72ProfileWaitsForTheFirstOpNotTheOneThatEndsFirst) {
  FirstOpCase c(Profile::kQemu72);
  const OpTimes& ops = c.world.observer;
  ASSERT_TRUE(ops.end(FirstOpCase::kA) && ops.end(FirstOpCase::kB) && ops.start(FirstOpCase::kNew));
  ASSERT_LT(*ops.end(FirstOpCase::kB), *ops.end(FirstOpCase::kA));
  // B's end does not wake the loop: only A's does, so the chunk the guest
  // dirtied before B ended is claimed once A has ended.
  EXPECT_GE(*ops.start(FirstOpCase::kNew), *ops.end(FirstOpCase::kA));
  EXPECT_EQ(c.world.target.stamps(), c.world.source.stamps());
}

TEST(SlotWait, DefaultProfileLooksAgainWhenAnyOpEnds) {
  FirstOpCase c(Profile::kDefault);
  const OpTimes& ops = c.world.observer;
  ASSERT_TRUE(ops.end(FirstOpCase::kA) && ops.end(FirstOpCase::kB) && ops.start(FirstOpCase::kNew));
  EXPECT_GE(*ops.start(FirstOpCase::kNew), *ops.end(FirstOpCase::kB));
  EXPECT_LT(*ops.start(FirstOpCase::kNew), *ops.end(FirstOpCase::kA));
  EXPECT_EQ(c.world.target.stamps(), c.world.source.stamps());
}

// A buffer of 4 pieces. Data in chunks 0-1 (op X, 2 pieces, a 10 ms read),
// 3-5 (op A, 3 pieces: more than the 2 left while X runs) and 7 (op B, 1
// piece). A must wait for X; B, issued after A, finds its piece free.
// The parameter is a profile's name: it prints as itself in test names.
class BufferOrder : public testing::TestWithParam<std::string> {};

TEST_P(BufferOrder, ACopyShortOfBufferLetsALaterSmallerCopyGoFirst) {
  constexpr std::uint64_t kX = 0;
  constexpr std::uint64_t kA = 3 * kChunk;
  constexpr std::uint64_t kB = 7 * kChunk;
  WaitsWorld world({true, true, false, true, true, true, false, true},
                   engine::parse_profile(GetParam()).value(),
                   4 * static_cast<std::int64_t>(kChunk));
  world.source.slow_read(kX, 10 * kMs);
  world.run([](engine::MirrorJob&) {});
  const OpTimes& ops = world.observer;
  ASSERT_TRUE(ops.start(kA) && ops.start(kB) && ops.end(kX));
  EXPECT_LT(*ops.start(kB), *ops.start(kA));
  EXPECT_LT(*ops.start(kB), *ops.end(kX));
  EXPECT_GE(*ops.start(kA), *ops.end(kX));
  // The bounds still hold: never more buffer in use than buf-size.
  EXPECT_LE(ops.peak_buffer, 4 * kChunk);
  EXPECT_EQ(world.target.stamps(), world.source.stamps());
}

INSTANTIATE_TEST_SUITE_P(Profiles, BufferOrder, testing::Values("default", "qemu-7.2"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param == "default" ? "Default" : "Qemu72";
                         });

}  // namespace
}  // namespace mirrorsim
