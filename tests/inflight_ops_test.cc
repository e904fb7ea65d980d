// The in-flight op table (engine/inflight_ops.h): ids and order, the
// counts, overlap by exact byte ranges, and what a caller bug does.
#include "engine/inflight_ops.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/invariant.h"
#include "engine/limits.h"

namespace mirrorsim::engine {
namespace {

std::vector<std::uint64_t> ids(const InflightOps& table) {
  std::vector<std::uint64_t> out;
  for (const InflightOp& op : table.ops()) out.push_back(op.id);
  return out;
}

TEST(InflightOps, IdsGrowFromOneAndAreNeverReused) {
  InflightOps table;
  EXPECT_EQ(table.add(OpKind::kCopy, {0, 512}, true, false), 1U);
  EXPECT_EQ(table.add(OpKind::kZero, {512, 512}, true, false), 2U);
  table.remove(2);
  EXPECT_EQ(table.add(OpKind::kCopy, {0, 512}, true, false), 3U);
  EXPECT_EQ(ids(table), (std::vector<std::uint64_t>{1, 3}));
}

TEST(InflightOps, RemovingFromTheMiddleKeepsIdOrder) {
  InflightOps table;
  for (std::uint64_t i = 0; i < 5; ++i) table.add(OpKind::kCopy, {i * 4096, 4096}, true, false);
  table.remove(3);
  table.remove(1);
  EXPECT_EQ(ids(table), (std::vector<std::uint64_t>{2, 4, 5}));
  EXPECT_EQ(table.at(4).span.offset_bytes, 3 * 4096U);
}

TEST(InflightOps, RemoveReturnsTheOpWithItsPieces) {
  InflightOps table;
  const std::uint64_t id = table.add(OpKind::kCopy, {4096, 8192}, true, false);
  table.at(id).pieces = {7, 9};
  const InflightOp op = table.remove(id);
  EXPECT_EQ(op.id, id);
  EXPECT_EQ(op.kind, OpKind::kCopy);
  EXPECT_EQ(op.span, (ByteSpan{4096, 8192}));
  EXPECT_EQ(op.pieces, (std::vector<std::uint32_t>{7, 9}));
  EXPECT_TRUE(table.ops().empty());
}

TEST(InflightOps, CountsFollowAddAndRemove) {
  InflightOps table;
  const std::uint64_t pseudo = table.add(OpKind::kCopy, {0, 4096}, false, true);
  const std::uint64_t active = table.add(OpKind::kActiveWrite, {0, 4096}, false, false);
  const std::uint64_t copy = table.add(OpKind::kCopy, {4096, 4096}, true, false);
  const std::uint64_t zero = table.add(OpKind::kZero, {8192, 4096}, true, false);
  EXPECT_EQ(table.background_count(), 2U);
  EXPECT_EQ(table.active_write_count(), 1U);
  table.remove(copy);
  table.remove(active);
  EXPECT_EQ(table.background_count(), 1U);
  EXPECT_EQ(table.active_write_count(), 0U);
  table.remove(zero);
  table.remove(pseudo);
  EXPECT_EQ(table.background_count(), 0U);
}

TEST(InflightOps, OnlyTheJobsOwnIoCountsAsItsIo) {
  InflightOps table;
  table.add(OpKind::kCopy, {0, 4096}, false, true);          // stand-in
  table.add(OpKind::kActiveWrite, {0, 4096}, false, false);  // the guest's
  EXPECT_FALSE(table.job_io_in_flight());
  const std::uint64_t discard = table.add(OpKind::kDiscard, {4096, 4096}, true, false);
  EXPECT_TRUE(table.job_io_in_flight());
  table.remove(discard);
  EXPECT_FALSE(table.job_io_in_flight());
}

TEST(InflightOps, OverlapIsByExactBytes) {
  InflightOps table;
  const std::uint64_t a = table.add(OpKind::kActiveWrite, {1000, 100}, false, false);
  const std::uint64_t b = table.add(OpKind::kActiveWrite, {1050, 100}, false, false);
  // Touching ends do not overlap; one shared byte does.
  EXPECT_EQ(table.find_overlap({900, 100}, 0), nullptr);
  EXPECT_EQ(table.find_overlap({1150, 100}, 0), nullptr);
  EXPECT_EQ(table.find_overlap({999, 2}, 0)->id, a);
  EXPECT_EQ(table.find_overlap({1149, 1}, 0)->id, b);
  // The first in id order wins; except_id skips one.
  EXPECT_EQ(table.find_overlap({1060, 10}, 0)->id, a);
  EXPECT_EQ(table.find_overlap({1060, 10}, a)->id, b);
  // Both writes share the 512-byte chunk at 1024; when the first ends, the
  // second still covers its own bytes of it.
  table.remove(a);
  EXPECT_EQ(table.find_overlap({1024, 26}, 0), nullptr);
  EXPECT_EQ(table.find_overlap({1024, 512}, 0)->id, b);
}

TEST(InflightOps, AtMostSixteenBackgroundOps) {
  InflightOps table;
  for (std::uint32_t i = 0; i < kMaxInFlightOps; ++i) {
    table.add(OpKind::kCopy, {i * 4096, 4096}, true, false);
  }
  EXPECT_THROW(table.add(OpKind::kCopy, {0, 4096}, true, false), InvariantViolation);
  EXPECT_EQ(table.background_count(), kMaxInFlightOps);
  EXPECT_EQ(table.ops().size(), kMaxInFlightOps);
  // Active writes and stand-ins do not count against the limit.
  table.add(OpKind::kActiveWrite, {0, 4096}, false, false);
  table.add(OpKind::kCopy, {0, 4096}, false, true);
  EXPECT_EQ(table.background_count(), kMaxInFlightOps);
}

TEST(InflightOps, UnknownIdIsACallerBug) {
  InflightOps table;
  const std::uint64_t id = table.add(OpKind::kCopy, {0, 4096}, true, false);
  EXPECT_THROW(table.at(id + 1), InvariantViolation);
  EXPECT_THROW(table.remove(id + 1), InvariantViolation);
  table.remove(id);
  EXPECT_THROW(table.remove(id), InvariantViolation);
  EXPECT_EQ(table.background_count(), 0U);
}

}  // namespace
}  // namespace mirrorsim::engine
