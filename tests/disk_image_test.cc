// Disk images by example: the COW rule, geometry validation, block status,
// discard and zero semantics, capacity, snapshots and comparisons, and the
// extent store's sparseness and sharing.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/invariant.h"
#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::sim {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kTiB = kMiB * kMiB;

DiskOptions options(std::string name, std::uint64_t length, std::uint64_t cluster = 0) {
  DiskOptions o;
  o.name = std::move(name);
  o.length_bytes = length;
  o.cluster_bytes = cluster;
  return o;
}

// A backing image whose first 1 MiB holds value 100 (sector i reads (100, i)).
std::shared_ptr<DiskImage> make_backing() {
  auto backing = std::make_shared<DiskImage>(options("base", 4 * kMiB, 64 * kKiB));
  EXPECT_TRUE(backing->write(0, ContentPayload::fresh(100, kMiB)).ok());
  return backing;
}

std::vector<Extent> read_extents(const DiskModel& disk, std::uint64_t offset,
                                 std::uint64_t length) {
  ContentPayload p = disk.read(offset, length);
  return {p.extents().begin(), p.extents().end()};
}

// --- The COW rule ---

TEST(CowRule, PartialWriteWithUnattachedBackingFillsZeroes) {
  DiskOptions o = options("target", 4 * kMiB, 64 * kKiB);
  o.backing_name = "base";
  DiskImage target(o);
  auto backing = make_backing();
  // 4 KiB into the middle of the unallocated cluster [64 KiB, 128 KiB).
  ASSERT_TRUE(target.write(80 * kKiB, ContentPayload::fresh(7, 4 * kKiB)).ok());
  EXPECT_EQ(target.allocated_bytes(), 64 * kKiB);  // the whole cluster
  target.attach_backing(backing);
  // The rest of that cluster was filled with zeroes, not with the backing's data...
  EXPECT_EQ(read_extents(target, 64 * kKiB, 64 * kKiB),
            (std::vector<Extent>{
                {0, 16 * kKiB, 0, 0}, {16 * kKiB, 4 * kKiB, 7, 0}, {20 * kKiB, 44 * kKiB, 0, 0}}));
  // ...while untouched clusters now read through to the backing.
  EXPECT_EQ(read_extents(target, 0, 64 * kKiB), (std::vector<Extent>{{0, 64 * kKiB, 100, 0}}));
}

TEST(CowRule, PartialWriteWithAttachedBackingFillsBackingContent) {
  DiskOptions o = options("target", 4 * kMiB, 64 * kKiB);
  o.backing_name = "base";
  DiskImage target(o);
  target.attach_backing(make_backing());
  ASSERT_TRUE(target.write(80 * kKiB, ContentPayload::fresh(7, 4 * kKiB)).ok());
  // Sector i of the backing reads (100, i): the fill keeps those indices.
  EXPECT_EQ(read_extents(target, 64 * kKiB, 64 * kKiB),
            (std::vector<Extent>{{0, 16 * kKiB, 100, 128},
                                 {16 * kKiB, 4 * kKiB, 7, 0},
                                 {20 * kKiB, 44 * kKiB, 100, 168}}));
  const engine::BlockStatus status = target.block_status(64 * kKiB, 64 * kKiB);
  EXPECT_TRUE(status.allocated);
  EXPECT_EQ(status.length, 64 * kKiB);
  // The fill is this layer's data now: later backing changes do not show.
  EXPECT_EQ(target.allocated_bytes(), 64 * kKiB);
}

TEST(CowRule, FillPastTheBackingEndReadsZero) {
  DiskOptions o = options("target", 4 * kMiB, 64 * kKiB);
  DiskImage target(o);
  auto backing = std::make_shared<DiskImage>(options("short", 72 * kKiB, 4 * kKiB));
  ASSERT_TRUE(backing->write(0, ContentPayload::fresh(5, 72 * kKiB)).ok());
  target.attach_backing(backing);
  ASSERT_TRUE(target.write(96 * kKiB, ContentPayload::fresh(7, 4 * kKiB)).ok());
  EXPECT_EQ(read_extents(target, 64 * kKiB, 64 * kKiB),
            (std::vector<Extent>{{0, 8 * kKiB, 5, 128},
                                 {8 * kKiB, 24 * kKiB, 0, 0},
                                 {32 * kKiB, 4 * kKiB, 7, 0},
                                 {36 * kKiB, 28 * kKiB, 0, 0}}));
}

TEST(CowRule, PartialWriteIntoZeroClusterFillsZeroes) {
  DiskImage target(options("target", 4 * kMiB, 64 * kKiB));
  target.attach_backing(make_backing());
  ASSERT_TRUE(target.write_zeroes(0, 64 * kKiB, false).ok());  // a zero cluster
  EXPECT_EQ(target.allocated_bytes(), 0u);
  ASSERT_TRUE(target.write(4 * kKiB, ContentPayload::fresh(7, 4 * kKiB)).ok());
  EXPECT_EQ(read_extents(target, 0, 64 * kKiB),
            (std::vector<Extent>{
                {0, 4 * kKiB, 0, 0}, {4 * kKiB, 4 * kKiB, 7, 0}, {8 * kKiB, 56 * kKiB, 0, 0}}));
  EXPECT_EQ(target.allocated_bytes(), 64 * kKiB);
}

TEST(CowRule, DenseDiskFollowsTheSameRule) {
  DiskOptions o = options("target", kMiB, 64 * kKiB);
  DenseDisk target(o);
  auto backing = std::make_shared<DenseDisk>(options("base", kMiB));
  ASSERT_TRUE(backing->write(0, ContentPayload::fresh(100, kMiB)).ok());
  ASSERT_TRUE(target.write(80 * kKiB, ContentPayload::fresh(7, 4 * kKiB)).ok());  // zero fill
  target.attach_backing(backing);
  ASSERT_TRUE(target.write(144 * kKiB, ContentPayload::fresh(8, 4 * kKiB)).ok());  // backing fill
  EXPECT_EQ(read_extents(target, 64 * kKiB, 128 * kKiB),
            (std::vector<Extent>{{0, 16 * kKiB, 0, 0},
                                 {16 * kKiB, 4 * kKiB, 7, 0},
                                 {20 * kKiB, 44 * kKiB, 0, 0},
                                 {64 * kKiB, 16 * kKiB, 100, 256},
                                 {80 * kKiB, 4 * kKiB, 8, 0},
                                 {84 * kKiB, 44 * kKiB, 100, 296}}));
  target.check_invariants();
}

// --- Geometry and request validation ---

void expect_rejected(const DiskOptions& o, const std::string& field, const std::string& allowed) {
  try {
    DiskImage image(o);
    ADD_FAILURE() << "accepted " << field;
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(field), std::string::npos) << message;
    EXPECT_NE(message.find(allowed), std::string::npos) << message;
    EXPECT_NE(message.find("'" + o.name + "'"), std::string::npos) << message;
  }
}

TEST(Geometry, BadGeometryIsAClearError) {
  expect_rejected(options("d", kMiB, 3000), "cluster_bytes", "power of two from 512 B to 2 MiB");
  expect_rejected(options("d", kMiB, 256), "cluster_bytes", "power of two");
  expect_rejected(options("d", kMiB, 4 * kMiB), "cluster_bytes", "2 MiB");
  expect_rejected(options("d", 1000), "length", "multiple of 512");
  expect_rejected(options("d", std::uint64_t{2} << 50), "length", "at most 1 PiB");
  expect_rejected(options("", kMiB), "name", "non-empty");
  DiskOptions raw_with_backing = options("d", kMiB);
  raw_with_backing.backing_name = "base";
  expect_rejected(raw_with_backing, "backing_name", "raw");
  DiskOptions no_queue = options("d", kMiB);
  no_queue.queue_depth = 0;
  expect_rejected(no_queue, "queue_depth", "from 1 to 4096");
  DiskOptions old_data = options("d", kMiB);
  old_data.start_with_old_data = true;
  expect_rejected(old_data, "start_with_old_data", "zero_init");
  EXPECT_THROW(DenseDisk(options("d", 128 * kMiB)), std::invalid_argument);
  // Valid edges.
  EXPECT_NO_THROW(DiskImage(options("d", 0)));
  EXPECT_NO_THROW(DiskImage(options("d", kMiB + 512, 2 * kMiB)));
  EXPECT_NO_THROW(DiskImage(options("d", kMiB, 512)));
}

TEST(Geometry, BadRequestsThrow) {
  DiskImage disk(options("d", kMiB, 4 * kKiB));
  EXPECT_THROW(disk.read(100, 512), std::invalid_argument);
  EXPECT_THROW(disk.read(0, 100), std::invalid_argument);
  EXPECT_THROW(disk.read(0, 0), std::invalid_argument);
  EXPECT_THROW(disk.read(kMiB - 512, 1024), std::invalid_argument);
  EXPECT_THROW(disk.write(kMiB, ContentPayload::fresh(1, 512)), std::invalid_argument);
  EXPECT_THROW(disk.write_zeroes(512, 256, true), std::invalid_argument);
  EXPECT_THROW(disk.discard(2 * kMiB, 512), std::invalid_argument);
  EXPECT_THROW(disk.block_status(0, 0), std::invalid_argument);
  DiskImage raw(options("raw", kMiB));
  EXPECT_THROW(raw.attach_backing(make_backing()), std::invalid_argument);
  DiskOptions named = options("named", kMiB, 4 * kKiB);
  named.backing_name = "other";
  DiskImage wrong(named);
  EXPECT_THROW(wrong.attach_backing(make_backing()), std::invalid_argument);
  auto self = std::make_shared<DiskImage>(options("self", kMiB, 4 * kKiB));
  EXPECT_THROW(self->attach_backing(self), std::invalid_argument);
  EXPECT_THROW(self->attach_backing(std::make_shared<DenseDisk>(options("dense", kMiB))),
               std::invalid_argument);
}

TEST(Content, PayloadsAndSources) {
  ContentSource source;
  EXPECT_EQ(source.next(), 1u);
  EXPECT_EQ(source.next(), 2u);
  EXPECT_EQ(source.issued(), 2u);
  ContentPayload p = ContentPayload::fresh(9, 4 * kKiB);
  EXPECT_EQ(p.length(), 4 * kKiB);
  EXPECT_EQ(p.at(1024), (SectorContent{9, 2}));
  EXPECT_EQ(ContentPayload::zeroes(kKiB).at(512), (SectorContent{0, 0}));
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{512, 512, 1, 0}}), "");
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{0, 100, 1, 0}}), "");
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{0, 512, kZeroClusterValue, 0}}), "");
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{0, 512, 0, 3}}), "");
  EXPECT_THROW(ContentPayload(std::vector<Extent>{{0, 512, 1, 0}, {1024, 512, 1, 0}}),
               InvariantViolation);
  std::vector<Extent> merged;
  append_merged(merged, {0, 512, 4, 10});
  append_merged(merged, {512, 1024, 4, 11});
  append_merged(merged, {1536, 512, 4, 20});
  EXPECT_EQ(merged, (std::vector<Extent>{{0, 1536, 4, 10}, {1536, 512, 4, 20}}));
}

// --- Semantics by example ---

TEST(Semantics, RawDiskStatusAndZeroes) {
  DiskImage disk(options("raw", kMiB));
  engine::BlockStatus s = disk.block_status(0, kMiB);
  EXPECT_FALSE(s.allocated);
  EXPECT_TRUE(s.reads_zero);
  EXPECT_EQ(s.length, kMiB);
  ASSERT_TRUE(disk.write(4 * kKiB, ContentPayload::fresh(3, 4 * kKiB)).ok());
  s = disk.block_status(0, kMiB);
  EXPECT_EQ(s.length, 4 * kKiB);
  s = disk.block_status(4 * kKiB, kMiB - 4 * kKiB);
  EXPECT_TRUE(s.allocated);
  EXPECT_FALSE(s.reads_zero);
  EXPECT_EQ(s.length, 4 * kKiB);
  // Zeroes without unmap are data; with unmap the range becomes a hole.
  ASSERT_TRUE(disk.write_zeroes(4 * kKiB, kKiB, false).ok());
  s = disk.block_status(4 * kKiB, kKiB);
  EXPECT_TRUE(s.allocated);
  EXPECT_FALSE(s.reads_zero);
  ASSERT_TRUE(disk.write_zeroes(4 * kKiB, 2 * kKiB, true).ok());
  s = disk.block_status(4 * kKiB, 2 * kKiB);
  EXPECT_FALSE(s.allocated);
  EXPECT_TRUE(s.reads_zero);
  // Discard without discard_reads_zero changes nothing on a raw disk.
  ASSERT_TRUE(disk.discard(0, kMiB).ok());
  EXPECT_EQ(disk.read(6 * kKiB, 2 * kKiB).at(0), (SectorContent{3, 4}));
}

TEST(Semantics, ClusterDiskDiscardAndZeroClusters) {
  DiskImage disk(options("qcow", 2 * kMiB, 64 * kKiB));
  auto backing = make_backing();
  disk.attach_backing(backing);
  ASSERT_TRUE(disk.write(0, ContentPayload::fresh(5, 256 * kKiB)).ok());
  // Discard [32K, 200K): only the whole clusters [64K, 192K) go; they read the backing again.
  ASSERT_TRUE(disk.discard(32 * kKiB, 168 * kKiB).ok());
  EXPECT_EQ(read_extents(disk, 0, 256 * kKiB),
            (std::vector<Extent>{{0, 64 * kKiB, 5, 0},
                                 {64 * kKiB, 128 * kKiB, 100, 128},
                                 {192 * kKiB, 64 * kKiB, 5, 384}}));
  engine::BlockStatus s = disk.block_status(64 * kKiB, 2 * kMiB - 64 * kKiB);
  EXPECT_FALSE(s.allocated);
  EXPECT_TRUE(s.allocated_below);
  EXPECT_FALSE(s.reads_zero);
  EXPECT_EQ(s.length, 128 * kKiB);
  // Zero clusters hide the backing and report reads_zero.
  ASSERT_TRUE(disk.write_zeroes(64 * kKiB, 64 * kKiB, true).ok());
  s = disk.block_status(64 * kKiB, 64 * kKiB);
  EXPECT_TRUE(s.allocated);
  EXPECT_TRUE(s.reads_zero);
  EXPECT_EQ(disk.read(64 * kKiB, 512).at(0), (SectorContent{0, 0}));
  // Past the backing's data the backing itself reads zero.
  s = disk.block_status(kMiB, kMiB);
  EXPECT_FALSE(s.allocated);
  EXPECT_FALSE(s.allocated_below);
  EXPECT_TRUE(s.reads_zero);
}

TEST(Semantics, DiscardReadsZeroMakesTheRangeReadZero) {
  DiskOptions o = options("qcow", kMiB, 64 * kKiB);
  o.discard_reads_zero = true;
  DiskImage disk(o);
  disk.attach_backing(make_backing());
  ASSERT_TRUE(disk.discard(32 * kKiB, 100 * kKiB).ok());
  EXPECT_EQ(read_extents(disk, 0, 192 * kKiB),
            (std::vector<Extent>{{0, 32 * kKiB, 100, 0},
                                 {32 * kKiB, 100 * kKiB, 0, 0},
                                 {132 * kKiB, 60 * kKiB, 100, 264}}));
}

TEST(Semantics, ShortLastClusterCountsAsWholeAtTheEnd) {
  DiskImage disk(options("odd", 64 * kKiB + 4 * kKiB, 64 * kKiB));
  ASSERT_TRUE(disk.write_zeroes(64 * kKiB, 4 * kKiB, true).ok());
  EXPECT_EQ(disk.allocated_bytes(), 0u);  // a zero cluster, not zero data
  EXPECT_TRUE(disk.block_status(64 * kKiB, 4 * kKiB).allocated);
  ASSERT_TRUE(disk.write(64 * kKiB, ContentPayload::fresh(2, kKiB)).ok());
  EXPECT_EQ(disk.allocated_bytes(), 4 * kKiB);
}

TEST(Semantics, OldDataReadsItsValueEverywhere) {
  DiskOptions o = options("old", kMiB);
  o.zero_init = false;
  DiskImage disk(o);
  disk.fill_with_old_data(77);
  EXPECT_EQ(disk.read(8 * kKiB, 512).at(0), (SectorContent{77, 16}));
  EXPECT_EQ(disk.allocated_bytes(), kMiB);
  DiskImage zero_init(options("fresh", kMiB));
  EXPECT_THROW(zero_init.fill_with_old_data(77), std::invalid_argument);
}

TEST(Semantics, ThinTargetRunsOutOfSpace) {
  DiskOptions o = options("thin", kMiB, 64 * kKiB);
  o.capacity_bytes = 128 * kKiB;
  DiskImage disk(o);
  ASSERT_TRUE(disk.write(0, ContentPayload::fresh(1, 4 * kKiB)).ok());          // 64 KiB
  ASSERT_TRUE(disk.write(64 * kKiB, ContentPayload::fresh(2, 4 * kKiB)).ok());  // 128 KiB
  EXPECT_EQ(disk.write(128 * kKiB, ContentPayload::fresh(3, 512)).error, ENOSPC);
  EXPECT_EQ(disk.read(128 * kKiB, 512).at(0), (SectorContent{0, 0}));           // unchanged
  ASSERT_TRUE(disk.write(4 * kKiB, ContentPayload::fresh(4, 60 * kKiB)).ok());  // no new cluster
  ASSERT_TRUE(disk.write_zeroes(0, 64 * kKiB, true).ok());                      // frees a cluster
  EXPECT_TRUE(disk.write(128 * kKiB, ContentPayload::fresh(3, 512)).ok());
  EXPECT_EQ(disk.allocated_bytes(), 128 * kKiB);
}

// --- Snapshots and comparison ---

TEST(GuestViews, SnapshotsDoNotChangeAndCompareByExtents) {
  DiskImage disk(options("d", 64 * kMiB, 64 * kKiB));
  ASSERT_TRUE(disk.write(kMiB, ContentPayload::fresh(1, 8 * kMiB)).ok());
  GuestView before = disk.guest_view();
  EXPECT_FALSE(first_difference(before, disk.guest_view()).has_value());
  ASSERT_TRUE(disk.write(3 * kMiB, ContentPayload::fresh(2, 4 * kKiB)).ok());
  EXPECT_EQ(before.at(3 * kMiB), (SectorContent{1, 4096}));
  auto diff = first_difference(before, disk.guest_view());
  ASSERT_TRUE(diff.has_value());
  EXPECT_EQ(diff->offset, 3 * kMiB);
  EXPECT_EQ(diff->length, 4 * kKiB);
  EXPECT_EQ(diff->a, (SectorContent{1, 4096}));
  EXPECT_EQ(diff->b, (SectorContent{2, 0}));
  EXPECT_NE(diff->describe().find("byte 3145728"), std::string::npos) << diff->describe();
  // Different history, same content: equal.
  DiskImage other(options("o", 64 * kMiB, 4 * kKiB));
  ASSERT_TRUE(other.write(kMiB, ContentPayload::fresh(1, 2 * kMiB)).ok());
  ASSERT_TRUE(other.write(3 * kMiB, ContentPayload::fresh(2, 4 * kKiB)).ok());
  ASSERT_TRUE(
      other.write(3 * kMiB + 4 * kKiB, ContentPayload({{0, 6 * kMiB - 4 * kKiB, 1, 4104}})).ok());
  EXPECT_FALSE(first_difference(disk.guest_view(), other.guest_view()).has_value());
}

TEST(GuestViews, ZeroClustersAndZeroDataCompareEqual) {
  // Same shape, so the comparison goes page by page; the representations
  // differ (zero cluster vs zero data) but the content does not.
  DiskImage a(options("a", 8 * kMiB, 64 * kKiB));
  DiskImage b(options("b", 8 * kMiB, 64 * kKiB));
  ASSERT_TRUE(a.write(0, ContentPayload::fresh(1, 8 * kMiB)).ok());
  ASSERT_TRUE(b.write(0, ContentPayload::fresh(1, 8 * kMiB)).ok());
  ASSERT_TRUE(a.write_zeroes(2 * kMiB, kMiB, true).ok());
  ASSERT_TRUE(b.write(2 * kMiB, ContentPayload::zeroes(kMiB)).ok());
  EXPECT_NE(a.layer(), b.layer());
  EXPECT_FALSE(first_difference(a.guest_view(), b.guest_view()).has_value());
  // A difference after identical pages is still found, exactly.
  ASSERT_TRUE(b.write(5 * kMiB + 512, ContentPayload::fresh(9, 1024)).ok());
  auto diff = first_difference(a.guest_view(), b.guest_view());
  ASSERT_TRUE(diff.has_value());
  EXPECT_EQ(diff->offset, 5 * kMiB + 512);
  EXPECT_EQ(diff->length, 1024u);
  EXPECT_EQ(diff->b, (SectorContent{9, 0}));
  EXPECT_EQ(a.layer().identical_prefix(b.layer(), 0), 2 * kMiB);
  EXPECT_EQ(a.layer().identical_prefix(b.layer(), 3 * kMiB), 2 * kMiB);
}

TEST(GuestViews, LengthMismatchIsADifference) {
  DiskImage a(options("a", kMiB));
  DiskImage b(options("b", 2 * kMiB));
  auto diff = first_difference(a.guest_view(), b.guest_view());
  ASSERT_TRUE(diff.has_value());
  EXPECT_EQ(diff->offset, kMiB);
  EXPECT_TRUE(diff->a_past_end);
  EXPECT_FALSE(diff->b_past_end);
}

TEST(GuestViews, ViewReadsThroughTheChainAsOfTheSnapshot) {
  DiskImage top(options("top", 4 * kMiB, 64 * kKiB));
  auto backing = make_backing();
  top.attach_backing(backing);
  GuestView view = top.guest_view();
  EXPECT_EQ(view.depth(), 2u);
  ASSERT_TRUE(backing->write(0, ContentPayload::fresh(200, 4 * kKiB)).ok());
  EXPECT_EQ(view.at(0), (SectorContent{100, 0}));
  EXPECT_EQ(top.read(0, 512).at(0), (SectorContent{200, 0}));
}

// --- The extent store ---

TEST(ExtentStore, EmptyTerabyteCostsLessThanAMebibyte) {
  ExtentStore store(kTiB);
  EXPECT_LT(store.memory_bytes(), kMiB);
  DiskImage disk(options("big", kTiB, 64 * kKiB));
  EXPECT_LT(disk.layer().memory_bytes(), kMiB);
  EXPECT_TRUE(disk.block_status(0, kTiB).reads_zero);
  EXPECT_EQ(disk.block_status(0, kTiB).length, kTiB);
}

TEST(ExtentStore, ZeroingATerabyteSharesPages) {
  DiskImage disk(options("big", kTiB, 64 * kKiB));
  ASSERT_TRUE(disk.write(kMiB + 4 * kKiB, ContentPayload::fresh(1, 4 * kKiB)).ok());
  ASSERT_TRUE(disk.write_zeroes(0, kTiB, true).ok());
  EXPECT_LT(disk.layer().memory_bytes(), kMiB);
  EXPECT_EQ(disk.allocated_bytes(), 0u);
  engine::BlockStatus s = disk.block_status(0, kTiB);
  EXPECT_TRUE(s.allocated && s.reads_zero);
  EXPECT_EQ(s.length, kTiB);
  // Old data over the whole disk is one extent too.
  DiskOptions o = options("old", kTiB);
  o.zero_init = false;
  DiskImage old(o);
  old.fill_with_old_data(5);
  EXPECT_LT(old.layer().memory_bytes(), kMiB);
  EXPECT_EQ(old.read(kTiB - 512, 512).at(0), (SectorContent{5, kTiB / 512 - 1}));
}

TEST(ExtentStore, MergesContinuingExtentsAcrossWrites) {
  ExtentStore store(8 * kMiB, 4 * kKiB);
  store.assign(0, 6 * kKiB, 9, 0);
  store.assign(6 * kKiB, 10 * kKiB, 9, 12);  // continues (9, 0..11)
  store.assign(16 * kKiB, 4 * kKiB, 9, 99);  // does not
  EXPECT_EQ(store.extents(),
            (std::vector<Extent>{{0, 16 * kKiB, 9, 0}, {16 * kKiB, 4 * kKiB, 9, 99}}));
  store.clear(kKiB, kKiB);
  EXPECT_EQ(store.extents(0, 4 * kKiB),
            (std::vector<Extent>{{0, kKiB, 9, 0}, {2 * kKiB, 2 * kKiB, 9, 4}}));
  store.assign(kKiB, kKiB, 9, 2);  // fills the hole back: one extent again
  EXPECT_EQ(store.extents(0, 16 * kKiB), (std::vector<Extent>{{0, 16 * kKiB, 9, 0}}));
}

TEST(ExtentStore, ReportsTheDataItReplaces) {
  ExtentStore store(4 * kMiB, 64 * kKiB);
  EXPECT_EQ(store.assign(0, 8 * kKiB, 3, 0), 0u);
  EXPECT_EQ(store.assign(4 * kKiB, 8 * kKiB, kZeroClusterValue, 0), 4 * kKiB);
  EXPECT_EQ(store.assign(0, 2 * kMiB, 4, 0), 4 * kKiB);  // zero clusters are not data
  EXPECT_EQ(store.clear(kMiB, 3 * kMiB), kMiB);
  EXPECT_EQ(store.stored_extents(), 16u);  // one per 64 KiB page of [0, 1 MiB)
  EXPECT_EQ(store.extents(), (std::vector<Extent>{{0, kMiB, 4, 0}}));
}

TEST(ExtentStore, PacksLargeValuesAndIndicesExactly) {
  ExtentStore store(8 * kMiB);
  const std::uint64_t big_index = std::uint64_t{1} << 41;
  store.assign(512, 3 * kMiB, kMaxContentValue, big_index);  // spans four pages
  store.assign(4 * kMiB, kMiB, kZeroClusterValue, 0);
  store.assign(5 * kMiB, 512, kMaxContentValue, big_index + 3 * kMiB / 512);  // a new extent
  EXPECT_EQ(store.extents(),
            (std::vector<Extent>{{512, 3 * kMiB, kMaxContentValue, big_index},
                                 {4 * kMiB, kMiB, kZeroClusterValue, 0},
                                 {5 * kMiB, 512, kMaxContentValue, big_index + 6144}}));
  store.clear(kMiB, 512);
  EXPECT_EQ(store.extents(kMiB - 512, 2 * kKiB),
            (std::vector<Extent>{{kMiB - 512, 512, kMaxContentValue, big_index + 2046},
                                 {kMiB + 512, kKiB, kMaxContentValue, big_index + 2048}}));
  EXPECT_THROW(store.assign(0, 512, kMaxContentValue + 1, 0), InvariantViolation);
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{0, 512, kMaxContentValue + 1, 0}}), "");
  EXPECT_NE(ContentPayload::check(std::vector<Extent>{{0, 1024, 1, kMaxContentIndex}}), "");
  EXPECT_THROW(ExtentStore(kMiB, 2 * kMiB), InvariantViolation);  // pages up to 1 MiB
}

TEST(ExtentStore, CopiesAreIndependentSnapshots) {
  ExtentStore store(64 * kMiB, 64 * kKiB);
  for (std::uint64_t i = 0; i < 100; ++i) store.assign(i * 300 * kKiB, 4 * kKiB, i + 1, 0);
  ExtentStore snapshot = store;
  EXPECT_TRUE(snapshot.shares_storage(store, 0, 64 * kMiB));
  EXPECT_EQ(snapshot, store);
  store.assign(600 * kKiB, 8 * kKiB, 1000, 0);
  store.clear(0, kMiB);
  EXPECT_EQ(snapshot.extents(0, 1200 * kKiB), (std::vector<Extent>{{0, 4 * kKiB, 1, 0},
                                                                   {300 * kKiB, 4 * kKiB, 2, 0},
                                                                   {600 * kKiB, 4 * kKiB, 3, 0},
                                                                   {900 * kKiB, 4 * kKiB, 4, 0}}));
  EXPECT_EQ(ExtentStore::first_difference(snapshot, store), 0u);
  EXPECT_FALSE(snapshot.shares_storage(store, 0, kMiB));
  EXPECT_TRUE(snapshot.shares_storage(store, 2 * kMiB, kMiB));  // untouched pages stay shared
}

}  // namespace
}  // namespace mirrorsim::sim
