// The COW span (engine/cow_span.h): widening to whole target clusters, at
// the disk end, with no clusters, under the buffer cap, and with the bug
// switch that stops clamping at the disk end.
#include "engine/cow_span.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "engine/limits.h"

namespace mirrorsim::engine {
namespace {

CowSpanRule rule(std::uint64_t cluster_bytes, std::uint64_t disk_length_bytes) {
  CowSpanRule r;
  r.cluster_bytes = cluster_bytes;
  r.disk_length_bytes = disk_length_bytes;
  return r;
}

TEST(CowSpan, UnalignedSpanGrowsToTheClustersItTouches) {
  const CowSpanRule r = rule(64 * kKiB, kMiB);
  EXPECT_EQ(cow_span({4 * kKiB, 4 * kKiB}, r), (ByteSpan{0, 64 * kKiB}));
  EXPECT_EQ(cow_span({60 * kKiB, 8 * kKiB}, r), (ByteSpan{0, 128 * kKiB}));
  EXPECT_EQ(cow_span({64 * kKiB, 1}, r), (ByteSpan{64 * kKiB, 64 * kKiB}));
  EXPECT_FALSE(covers_whole_clusters({4 * kKiB, 4 * kKiB}, r));
  EXPECT_FALSE(covers_whole_clusters({0, 4 * kKiB}, r));  // aligned start, short end
}

TEST(CowSpan, AlignedSpanIsUnchanged) {
  const CowSpanRule r = rule(64 * kKiB, kMiB);
  const ByteSpan span{128 * kKiB, 192 * kKiB};
  EXPECT_TRUE(covers_whole_clusters(span, r));
  EXPECT_EQ(cow_span(span, r), span);
}

TEST(CowSpan, StopsAtTheDiskEndInsideTheLastCluster) {
  // The disk ends 4 KiB into its last 64 KiB cluster.
  const std::uint64_t disk = kMiB + 4 * kKiB;
  const CowSpanRule r = rule(64 * kKiB, disk);
  EXPECT_EQ(cow_span({kMiB + kKiB, kKiB}, r), (ByteSpan{kMiB, 4 * kKiB}));
  EXPECT_EQ(cow_span({kMiB - kKiB, 2 * kKiB}, r), (ByteSpan{kMiB - 64 * kKiB, 68 * kKiB}));
  // Ending at the disk end counts as ending on a cluster boundary.
  EXPECT_TRUE(covers_whole_clusters({kMiB, 4 * kKiB}, r));
  EXPECT_EQ(cow_span({kMiB, 4 * kKiB}, r), (ByteSpan{kMiB, 4 * kKiB}));
}

TEST(CowSpan, CowPastEndBugRoundsPastTheDiskEnd) {
  // Bug::kCowPastEnd (fixed by 4150ae60): the job passes clamp_to_disk_end
  // = false, and the span then reaches a whole cluster past the data.
  CowSpanRule r = rule(64 * kKiB, kMiB + 4 * kKiB);
  r.clamp_to_disk_end = false;
  EXPECT_EQ(cow_span({kMiB + kKiB, kKiB}, r), (ByteSpan{kMiB, 64 * kKiB}));
}

TEST(CowSpan, NoClustersMeansNoWidening) {
  const CowSpanRule r = rule(0, kMiB);
  const ByteSpan span{kKiB + 512, 3 * 512};
  EXPECT_TRUE(covers_whole_clusters(span, r));
  EXPECT_EQ(cow_span(span, r), span);
}

TEST(CowSpan, ClusterSmallerThanAChunkLeavesChunkAlignedSpansAlone) {
  // 4 KiB clusters under 64 KiB chunks: the job does not keep the COW
  // bitmap then (MIRROR.md), and a chunk-aligned span needs no widening.
  const CowSpanRule r = rule(4 * kKiB, kMiB);
  const ByteSpan chunk_run{64 * kKiB, 128 * kKiB};
  EXPECT_TRUE(covers_whole_clusters(chunk_run, r));
  EXPECT_EQ(cow_span(chunk_run, r), chunk_run);
  // A guest write inside one small cluster still widens to that cluster.
  EXPECT_EQ(cow_span({5 * kKiB, 512}, r), (ByteSpan{4 * kKiB, 4 * kKiB}));
}

TEST(CowSpan, LongSpanIsCutToWholeClustersOfTheBuffer) {
  CowSpanRule r = rule(64 * kKiB, 16 * kMiB);
  r.max_bytes = 200 * kKiB;  // three whole clusters fit
  EXPECT_EQ(cow_span({kKiB, 300 * kKiB}, r), (ByteSpan{0, 192 * kKiB}));
  // Exactly the cap is not cut.
  r.max_bytes = 320 * kKiB;
  EXPECT_EQ(cow_span({kKiB, 300 * kKiB}, r), (ByteSpan{0, 320 * kKiB}));
}

TEST(CowSpan, BufferBelowAClusterStillCoversOneWholeCluster) {
  // Only under Bug::kBufBelowCluster is the buffer smaller than a cluster;
  // the cut keeps one cluster, even past a clamped disk end.
  CowSpanRule r = rule(64 * kKiB, kMiB + 40 * kKiB);
  r.max_bytes = 32 * kKiB;
  EXPECT_EQ(cow_span({4 * kKiB, 4 * kKiB}, r), (ByteSpan{0, 64 * kKiB}));
  EXPECT_EQ(cow_span({kMiB + 4 * kKiB, 4 * kKiB}, r), (ByteSpan{kMiB, 64 * kKiB}));
}

// The two rules this function replaced, as the job wrote them up to commit
// d8d715a: the background copy's widening and the write-blocking write's.
ByteSpan former_background_widening(ByteSpan span, std::uint64_t cluster, std::uint64_t length,
                                    bool past_end_bug, std::uint64_t buf) {
  std::uint64_t w_start = span.offset_bytes / cluster * cluster;
  std::uint64_t w_end = (span.end_bytes() + cluster - 1) / cluster * cluster;
  if (!past_end_bug) w_end = std::min(w_end, length);
  if (w_end - w_start > buf) w_end = w_start + std::max(cluster, buf / cluster * cluster);
  return {w_start, w_end - w_start};
}

ByteSpan former_active_widening(ByteSpan span, std::uint64_t cluster, std::uint64_t length) {
  const std::uint64_t offset = span.offset_bytes;
  const std::uint64_t end = span.end_bytes();
  const bool whole = offset % cluster != 0 || (end % cluster != 0 && end != length);
  const std::uint64_t start = whole ? offset / cluster * cluster : offset;
  const std::uint64_t stop =
      whole ? std::min((end + cluster - 1) / cluster * cluster, length) : end;
  return {start, stop - start};
}

TEST(CowSpan, AgreesWithBothFormerRulesOnEverySmallSpan) {
  constexpr std::uint64_t kStep = 512;
  for (const std::uint64_t cluster : {kStep, 2 * kStep, 4 * kStep, 8 * kStep}) {
    for (const std::uint64_t disk : {8 * kStep, 11 * kStep, 13 * kStep}) {
      for (const std::uint64_t buf : {kStep, 4 * kStep, 6 * kStep, 64 * kStep}) {
        for (const bool past_end_bug : {false, true}) {
          for (std::uint64_t offset = 0; offset < disk; offset += kStep) {
            for (std::uint64_t end = offset + kStep; end <= disk; end += kStep) {
              const ByteSpan span{offset, end - offset};
              CowSpanRule r = rule(cluster, disk);
              r.clamp_to_disk_end = !past_end_bug;
              r.max_bytes = buf;
              ASSERT_EQ(cow_span(span, r),
                        former_background_widening(span, cluster, disk, past_end_bug, buf));
              const CowSpanRule active = rule(cluster, disk);
              const ByteSpan widened = cow_span(span, active);
              ASSERT_EQ(widened, former_active_widening(span, cluster, disk));
              ASSERT_EQ(covers_whole_clusters(span, active), widened == span);
            }
          }
        }
      }
    }
  }
}

TEST(CowSpan, IsTheSmallestWholeClusterCover) {
  constexpr std::uint64_t kStep = 512;
  const std::uint64_t cluster = 4 * kStep;
  const std::uint64_t disk = 13 * kStep;
  const CowSpanRule r = rule(cluster, disk);
  for (std::uint64_t offset = 0; offset < disk; offset += kStep) {
    for (std::uint64_t end = offset + kStep; end <= disk; end += kStep) {
      const ByteSpan w = cow_span({offset, end - offset}, r);
      EXPECT_LE(w.offset_bytes, offset);
      EXPECT_GE(w.end_bytes(), end);
      EXPECT_EQ(w.offset_bytes % cluster, 0U);
      EXPECT_TRUE(w.end_bytes() % cluster == 0 || w.end_bytes() == disk);
      EXPECT_EQ(w.offset_bytes / cluster, offset / cluster);
      EXPECT_EQ((w.end_bytes() - 1) / cluster, (end - 1) / cluster);
    }
  }
}

}  // namespace
}  // namespace mirrorsim::engine
