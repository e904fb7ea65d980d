// ExtentLog: appends come back whole and in place; chunks leave from the
// front only when nothing at or after a position is in them.
#include "sim/disks/extent_log.h"

#include <gtest/gtest.h>

#include <vector>

namespace mirrorsim::sim {
namespace {

std::vector<Extent> extents(std::uint64_t first_value, std::size_t count) {
  std::vector<Extent> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back({i * 512, 512, first_value + i, 0});
  return out;
}

void expect_equal(std::span<const Extent> got, const std::vector<Extent>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].offset, want[i].offset);
    EXPECT_EQ(got[i].length, want[i].length);
    EXPECT_EQ(got[i].value, want[i].value);
  }
}

TEST(ExtentLog, AppendsComeBackWholeAcrossChunksAndDrops) {
  ExtentLog log;
  struct Stored {
    ExtentLog::Position at;
    std::vector<Extent> extents;
  };
  std::vector<Stored> stored;
  // Sizes that leave odd tails, one larger than a chunk, and empty ones.
  const std::size_t sizes[] = {1, 7, 0, 5000, ExtentLog::kChunkExtents + 3, 9000, 0, 12000, 2};
  std::uint64_t value = 1;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t n : sizes) {
      std::vector<Extent> e = extents(value, n);
      value += n + 1;
      const ExtentLog::Position end_before = log.end();
      const ExtentLog::Position at = log.append(e);
      EXPECT_GE(at, end_before);  // positions only increase
      if (!stored.empty()) {
        EXPECT_GE(at, stored.back().at);
      }
      stored.push_back({at, std::move(e)});
    }
  }
  for (const Stored& s : stored) expect_equal(log.at(s.at, s.extents.size()), s.extents);
  // Drop before each in turn: the rest stay readable, unmoved.
  for (std::size_t k = 0; k < stored.size(); ++k) {
    const Extent* where = log.at(stored.back().at, stored.back().extents.size()).data();
    log.drop_before(stored[k].at);
    for (std::size_t j = k; j < stored.size(); ++j) {
      expect_equal(log.at(stored[j].at, stored[j].extents.size()), stored[j].extents);
    }
    EXPECT_EQ(log.at(stored.back().at, stored.back().extents.size()).data(), where);
  }
  // After clear() positions still increase, and appends work as before.
  const ExtentLog::Position last = stored.back().at;
  log.clear();
  const std::vector<Extent> e = extents(7, 3);
  const ExtentLog::Position at = log.append(e);
  EXPECT_GT(at, last);
  expect_equal(log.at(at, 3), e);
}

// A log emptied and refilled again and again (a cache flushed often)
// reuses a freed chunk and keeps every append intact.
TEST(ExtentLog, RefillsAfterDropsAndClearsKeepTheirContent) {
  ExtentLog log;
  std::uint64_t value = 1;
  for (int round = 0; round < 50; ++round) {
    std::vector<std::pair<ExtentLog::Position, std::vector<Extent>>> live;
    for (std::size_t n : {300, 7000, 5000, 9000}) {
      std::vector<Extent> e = extents(value, n);
      value += n;
      live.emplace_back(log.append(e), std::move(e));
    }
    for (const auto& [at, e] : live) expect_equal(log.at(at, e.size()), e);
    if (round % 2 == 0) {
      log.drop_before(live.back().first);
      expect_equal(log.at(live.back().first, live.back().second.size()), live.back().second);
    } else {
      log.clear();
    }
  }
  EXPECT_EQ(log.at(log.end(), 0).size(), 0u);
}

}  // namespace
}  // namespace mirrorsim::sim
