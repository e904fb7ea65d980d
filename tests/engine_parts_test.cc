// The engine's small parts: job states, parameters, bug names, the rate
// limiter and the buffer pool.
#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "engine/buffer_pool.h"
#include "engine/invariant.h"
#include "engine/job_state.h"
#include "engine/known_bugs.h"
#include "engine/limits.h"
#include "engine/mirror_params.h"
#include "engine/rate_limiter.h"

namespace mirrorsim::engine {
namespace {

TEST(JobState, ExactlyTheDocumentedTransitionsAreLegal) {
  using S = JobState;
  const std::set<std::pair<S, S>> legal = {
      {S::kCreated, S::kRunning},   {S::kCreated, S::kAborting},   {S::kCreated, S::kNull},
      {S::kRunning, S::kPaused},    {S::kRunning, S::kReady},      {S::kRunning, S::kWaiting},
      {S::kRunning, S::kAborting},  {S::kPaused, S::kRunning},     {S::kReady, S::kStandby},
      {S::kReady, S::kWaiting},     {S::kReady, S::kAborting},     {S::kStandby, S::kReady},
      {S::kWaiting, S::kPending},   {S::kWaiting, S::kAborting},   {S::kPending, S::kAborting},
      {S::kPending, S::kConcluded}, {S::kAborting, S::kConcluded}, {S::kConcluded, S::kNull},
  };
  for (int from = 0; from <= static_cast<int>(S::kNull); ++from) {
    for (int to = 0; to <= static_cast<int>(S::kNull); ++to) {
      const auto f = static_cast<S>(from);
      const auto t = static_cast<S>(to);
      EXPECT_EQ(is_legal_transition(f, t), legal.contains({f, t}))
          << state_name(f) << " -> " << state_name(t);
    }
  }
}

TEST(JobState, IllegalTransitionThrows) {
  JobStateMachine machine;
  machine.transition(JobState::kRunning);
  EXPECT_THROW(machine.transition(JobState::kConcluded), InvariantViolation);
  EXPECT_EQ(machine.state(), JobState::kRunning);
}

TEST(KnownBugs, EveryBugHasAUniqueNameThatParses) {
  std::set<std::string_view> names;
  for (const BugInfo& info : known_bugs()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(parse_bug(info.name), info.bug);
    EXPECT_FALSE(info.fix.empty());
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(Bug::kCount));
}

TEST(KnownBugs, UnknownNameListsTheKnownOnes) {
  try {
    parse_bug("cow-no-rnd");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cow-no-rnd"), std::string::npos);
    EXPECT_NE(message.find("cow-no-round"), std::string::npos);
    EXPECT_NE(message.find("zero-length-no-ready"), std::string::npos);
  }
  std::vector<std::string> names = {"pivot-race", "cow-past-end"};
  BugSet set = BugSet::parse(names);
  EXPECT_TRUE(set.has(Bug::kPivotRace));
  EXPECT_TRUE(set.has(Bug::kCowPastEnd));
  EXPECT_FALSE(set.has(Bug::kCowNoRound));
  EXPECT_EQ(set.names(), (std::vector<std::string>{"cow-past-end", "pivot-race"}));
}

DeviceInfo device(std::uint64_t length, std::uint64_t cluster = 0) {
  DeviceInfo info;
  info.name = "d";
  info.length = length;
  info.cluster_bytes = cluster;
  return info;
}

TEST(MirrorParams, DefaultGranularityFollowsTargetClusters) {
  MirrorParams p;
  EXPECT_EQ(resolve_params(p, device(kMiB), device(kMiB), false).granularity_bytes, 64 * kKiB);
  EXPECT_EQ(resolve_params(p, device(kMiB), device(kMiB, 512), false).granularity_bytes, 4 * kKiB);
  EXPECT_EQ(resolve_params(p, device(kMiB), device(kMiB, 16 * kKiB), false).granularity_bytes,
            16 * kKiB);
  EXPECT_EQ(resolve_params(p, device(kMiB), device(kMiB, 2 * kMiB), false).granularity_bytes,
            64 * kKiB);
}

TEST(MirrorParams, BufferIsRoundedUpAndCapsFollow) {
  MirrorParams p;
  p.granularity_bytes = 64 * kKiB;
  p.buf_size_bytes = 4096;
  ResolvedParams r = resolve_params(p, device(kMiB), device(kMiB), false);
  EXPECT_EQ(r.buf_size_bytes, 64 * kKiB);
  EXPECT_EQ(r.max_io_bytes, kMiB);
  p.buf_size_bytes = 0;
  r = resolve_params(p, device(kMiB), device(kMiB), false);
  EXPECT_EQ(r.buf_size_bytes, kDefaultBufferBytes);
  EXPECT_EQ(r.max_io_bytes, kMiB);
  p.buf_size_bytes = 64 * kMiB;
  r = resolve_params(p, device(kMiB), device(kMiB), false);
  EXPECT_EQ(r.max_io_bytes, 4 * kMiB);
}

TEST(MirrorParams, CowRuleRaisesBufferToOneCluster) {
  MirrorParams p;
  p.granularity_bytes = 64 * kKiB;
  p.buf_size_bytes = 128 * kKiB;
  DeviceInfo target = device(8 * kMiB, kMiB);
  target.backing_named = true;
  ResolvedParams r = resolve_params(p, device(8 * kMiB), target, false);
  EXPECT_TRUE(r.cow);
  EXPECT_EQ(r.buf_size_bytes, kMiB);
  target.backing_attached = true;
  EXPECT_FALSE(resolve_params(p, device(8 * kMiB), target, false).cow);
  target.backing_attached = false;
  p.bugs.add(Bug::kBufBelowCluster);
  EXPECT_EQ(resolve_params(p, device(8 * kMiB), target, false).buf_size_bytes, 128 * kKiB);
}

TEST(MirrorParams, StartTimeChecksAreClearErrors) {
  MirrorParams p;
  auto message = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const MirrorConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message([&] {
              resolve_params(p, device(kMiB), device(2 * kMiB), false);
            }).find("lengths must be equal"),
            std::string::npos);
  EXPECT_NE(message([&] { resolve_params(p, device(kMiB), device(kMiB), true); }).find("itself"),
            std::string::npos);
  p.granularity_bytes = 3000;
  EXPECT_NE(message([&] {
              resolve_params(p, device(kMiB), device(kMiB), false);
            }).find("granularity 3000"),
            std::string::npos);
  p.granularity_bytes = 128 * kMiB;
  EXPECT_NE(
      message([&] { resolve_params(p, device(kMiB), device(kMiB), false); }).find("power of two"),
      std::string::npos);
  p.granularity_bytes = 0;
  p.buf_size_bytes = -1;
  EXPECT_NE(message([&] { resolve_params(p, device(kMiB), device(kMiB), false); }).find("buf-size"),
            std::string::npos);
  p.buf_size_bytes = 0;
  p.speed_bytes_per_s = -5;
  EXPECT_NE(message([&] { resolve_params(p, device(kMiB), device(kMiB), false); }).find("speed"),
            std::string::npos);
  p.speed_bytes_per_s = 0;
  p.bugs.add(Bug::kNoSizeCheck);
  EXPECT_NO_THROW(resolve_params(p, device(kMiB), device(2 * kMiB), false));
}

TEST(MirrorParams, NamesRoundTrip) {
  for (auto m : {SyncMode::kFull, SyncMode::kTop, SyncMode::kNone}) {
    EXPECT_EQ(parse_sync_mode(sync_mode_name(m)), m);
  }
  for (auto p :
       {ErrorPolicy::kReport, ErrorPolicy::kIgnore, ErrorPolicy::kStop, ErrorPolicy::kEnospc}) {
    EXPECT_EQ(parse_error_policy(error_policy_name(p)), p);
  }
  EXPECT_EQ(parse_copy_mode("write-blocking"), CopyMode::kWriteBlocking);
  EXPECT_FALSE(parse_sync_mode("fulll").has_value());
}

TEST(RateLimiter, UnlimitedNeverDelays) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.delay_after(0, 1ULL << 40), 0);
}

TEST(RateLimiter, AverageRateStaysAtTheSpeed) {
  RateLimiter limiter;
  limiter.set_speed(10 * kMiB);  // 1 MiB per 100 ms slice
  TimeNs now = 0;
  std::uint64_t sent = 0;
  while (now < 10 * kNsPerSecond) {
    sent += 256 * kKiB;
    now += limiter.delay_after(now, 256 * kKiB);
  }
  // 10 s at 10 MiB/s, within one slice of quota.
  EXPECT_GE(sent, 100 * kMiB);
  EXPECT_LE(sent, 101 * kMiB + 256 * kKiB);
}

TEST(BufferPool, TakesAndReturnsPiecesAndTracksPeak) {
  BufferPool pool(16 * 4096, 4096);
  EXPECT_EQ(pool.total_pieces(), 16u);
  std::vector<std::uint32_t> a = pool.take(10);
  std::vector<std::uint32_t> b = pool.take(6);
  EXPECT_EQ(pool.free_pieces(), 0u);
  std::set<std::uint32_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 16u);
  EXPECT_THROW(pool.take(1), InvariantViolation);
  pool.give_back(a);
  EXPECT_EQ(pool.free_pieces(), 10u);
  EXPECT_EQ(pool.peak_bytes_in_use(), 16u * 4096);
  EXPECT_EQ(pool.pieces_for(4097), 2u);
}

}  // namespace
}  // namespace mirrorsim::engine
