// RangeMask: the ranges an oracle leaves out of a comparison. Its answers
// must be those of the plain definition: both views read through a top layer
// that reads zero over every range added. Checked on random views over small
// pages, against that layer built range by range as added.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "properties/range_mask.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/extent_store.h"

namespace mirrorsim::properties {
namespace {

constexpr std::uint64_t kSector = 512;
constexpr std::uint64_t kLength = std::uint64_t{4} << 20;
constexpr std::uint64_t kPageBytes = 64 * 1024;

struct Case {
  sim::ExtentStore a{kLength, kPageBytes};
  sim::ExtentStore b{kLength, kPageBytes};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> masked;  // as added
};

std::uint64_t sectors(std::mt19937_64& rng, std::uint64_t most) {
  return std::uniform_int_distribution<std::uint64_t>(1, most)(rng) * kSector;
}

std::uint64_t somewhere(std::mt19937_64& rng) {
  return std::uniform_int_distribution<std::uint64_t>(0, kLength / kSector - 1)(rng) * kSector;
}

// The same random content on both sides, then a few differences (some
// masked, some not), and masked ranges of their own; some ranges run past
// the end, which the mask clamps.
Case random_case(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Case c;
  for (int i = 0; i < 60; ++i) {
    const std::uint64_t at = somewhere(rng);
    const std::uint64_t length = std::min(sectors(rng, 512), kLength - at);
    const std::uint64_t value = 1 + rng() % 40;
    (void)c.a.assign(at, length, value, rng() % 1000);
    c.b = c.a;
  }
  const int differences = static_cast<int>(rng() % 6);
  for (int i = 0; i < differences; ++i) {
    const std::uint64_t at = somewhere(rng);
    const std::uint64_t length = std::min(sectors(rng, 300), kLength - at);
    (void)c.b.assign(at, length, 100 + rng() % 5, 0);
    if (rng() % 3 != 0) {  // usually masked, sometimes only partly
      const std::uint64_t from = at >= kSector * 8 && rng() % 2 == 0 ? at - kSector * 8 : at;
      c.masked.emplace_back(
          from, rng() % 4 == 0 ? length / kSector / 2 * kSector + kSector : length + kSector * 3);
    }
  }
  const int more = static_cast<int>(rng() % 40);
  for (int i = 0; i < more; ++i) c.masked.emplace_back(somewhere(rng), sectors(rng, 4000));
  return c;
}

// The definition: a top layer reading zero over each range, added in order.
sim::GuestView through_mask(const Case& c, const sim::ExtentStore& store) {
  sim::ExtentStore top(kLength, kPageBytes);
  for (const auto& [offset, length] : c.masked) {
    if (offset >= kLength) continue;  // the mask drops these too
    (void)top.assign(offset, std::min(length, kLength - offset), sim::kZeroValue, 0);
  }
  return sim::GuestView({top, store});
}

RangeMask mask_of(const Case& c) {
  RangeMask mask(kLength);
  for (const auto& [offset, length] : c.masked) mask.add(offset, length);
  return mask;
}

TEST(RangeMask, FindsTheDifferenceTheMaskedViewsShow) {
  int found = 0;
  int left_out = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Case c = random_case(seed);
    const sim::GuestView a({c.a});
    const sim::GuestView b({c.b});
    ASSERT_TRUE(sim::compares_by_pages(a, b));
    const std::optional<sim::Difference> expected =
        sim::first_difference(through_mask(c, c.a), through_mask(c, c.b));
    EXPECT_EQ(mask_of(c).difference(a, b), expected) << "seed " << seed;
    if (expected) ++found;
    if (!expected && sim::first_difference(a, b)) ++left_out;
  }
  // Both outcomes occur: differences found, and differences all masked.
  EXPECT_GT(found, 30);
  EXPECT_GT(left_out, 30);
}

TEST(RangeMask, ViewsOfSeveralLayersGiveTheSameAnswer) {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Case c = random_case(seed);
    const sim::ExtentStore empty(kLength, kPageBytes);
    const sim::GuestView a({c.a, empty});
    const sim::GuestView b({empty, c.b});
    ASSERT_FALSE(sim::compares_by_pages(a, b));
    const sim::GuestView ma = through_mask(c, c.a);
    const sim::GuestView mb = through_mask(c, c.b);
    EXPECT_EQ(mask_of(c).difference(a, b), sim::first_difference(ma, mb)) << "seed " << seed;
  }
}

// As the World uses a mask: thousands of ranges (merged in batches before
// the comparison, touching ones among them), then a copy that gets a few
// more (writes in flight) while the original does not.
TEST(RangeMask, ACopyWithMoreRangesAfterManyBatchesStillAnswersByDefinition) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    Case c = random_case(seed);
    const int many = 5000 + static_cast<int>(rng() % 6000);
    for (int i = 0; i < many; ++i) {
      const std::uint64_t at = somewhere(rng);
      const std::uint64_t length = sectors(rng, 4);
      c.masked.emplace_back(at, length);
      if (rng() % 4 == 0) c.masked.emplace_back(at + length, sectors(rng, 4));  // touching
    }
    const RangeMask original = mask_of(c);
    RangeMask copy = original;
    Case more = c;
    for (int i = 0; i < 5; ++i) {
      const std::uint64_t at = somewhere(rng);
      const std::uint64_t length = sectors(rng, 200);
      copy.add(at, length);
      more.masked.emplace_back(at, length);
    }
    const sim::GuestView a({c.a});
    const sim::GuestView b({c.b});
    EXPECT_EQ(original.difference(a, b),
              sim::first_difference(through_mask(c, c.a), through_mask(c, c.b)))
        << "seed " << seed;
    EXPECT_EQ(copy.difference(a, b),
              sim::first_difference(through_mask(more, c.a), through_mask(more, c.b)))
        << "seed " << seed;
  }
}

TEST(RangeMask, CountsTheUnionOfItsRangesOnceEach) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    RangeMask mask(kLength);
    std::vector<bool> covered(kLength / kSector, false);
    // Enough ranges to merge in several batches before the count.
    const int ranges = 3000 + static_cast<int>(rng() % 8000);
    for (int i = 0; i < ranges; ++i) {
      const std::uint64_t at = somewhere(rng);
      const std::uint64_t length = sectors(rng, 64);
      mask.add(at, length);
      for (std::uint64_t s = at; s < std::min(kLength, at + length); s += kSector) {
        covered[s / kSector] = true;
      }
    }
    std::uint64_t expected = 0;
    for (const bool sector : covered) expected += sector ? kSector : 0;
    EXPECT_EQ(mask.bytes(), expected) << "seed " << seed;
    mask.clear();
    EXPECT_TRUE(mask.empty());
    EXPECT_EQ(mask.bytes(), 0u);
  }
}

// Hundreds of thousands of short ranges all over a 1 TiB mask (a guest
// writing between target flushes): batches this big are sorted by radix,
// over every 16-bit digit of the offsets. Checked against a plain sort.
TEST(RangeMask, ManyRangesOverABigDiskCountTheirUnion) {
  constexpr std::uint64_t kBig = std::uint64_t{1} << 40;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    std::mt19937_64 rng(seed);
    RangeMask mask(kBig);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (int i = 0; i < 300'000; ++i) {
      // Now and then one near another, so that some overlap or touch.
      const std::uint64_t at = rng() % 8 == 0 && !ranges.empty()
                                   ? ranges[rng() % ranges.size()].second
                                   : rng() % (kBig / kSector) * kSector;
      const std::uint64_t end = std::min(kBig, at + (1 + rng() % 8) * kSector);
      mask.add(at, end - at);
      ranges.emplace_back(at, end);
    }
    std::sort(ranges.begin(), ranges.end());
    std::uint64_t expected = 0;
    std::uint64_t covered_to = 0;
    for (const auto& [at, end] : ranges) {
      const std::uint64_t from = std::max(at, covered_to);
      if (end > from) expected += end - from;
      covered_to = std::max(covered_to, end);
    }
    EXPECT_EQ(mask.bytes(), expected) << "seed " << seed;
  }
}

TEST(RangeMask, RangesPastTheEndOrEmptyAddNothing) {
  RangeMask mask(kLength);
  mask.add(kLength, kSector);
  mask.add(0, 0);
  EXPECT_TRUE(mask.empty());
  mask.add(kLength - kSector, 8 * kSector);
  EXPECT_EQ(mask.bytes(), kSector);
}

}  // namespace
}  // namespace mirrorsim::properties
