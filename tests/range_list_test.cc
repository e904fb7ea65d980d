// RangeList: the index of a lazy disk's deferred requests. Its answers must
// be those of a plain list scanned whole: entries by offset (equal offsets
// in insertion order), "which touch [lo, hi)?" in that order, and an erase
// that removes the item asked for and no other. Checked on random lists
// with many equal offsets, long and short ranges mixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "sim/disks/range_list.h"

namespace mirrorsim::sim {
namespace {

struct Item {};

struct Plain {
  std::uint64_t offset;
  std::uint64_t end;
  Item* item;
};

std::vector<Item*> touching(const std::vector<Plain>& plain, std::uint64_t lo, std::uint64_t hi) {
  std::vector<Item*> out;
  for (const Plain& p : plain) {
    if (p.offset < hi && lo < p.end) out.push_back(p.item);
  }
  return out;
}

TEST(RangeList, AnswersAsAPlainListScannedWhole) {
  std::mt19937_64 random(11);
  std::array<Item, 64> items;
  for (int round = 0; round < 20000; ++round) {
    RangeList<Item> list;
    std::vector<Plain> plain;  // by offset, equal offsets in insertion order
    const std::size_t count = random() % 48;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t offset = random() % 64;
      const std::uint64_t length = random() % 4 == 0 ? 1 + random() % 40 : 1 + random() % 4;
      list.insert(offset, offset + length, &items[i]);
      const auto at =
          std::upper_bound(plain.begin(), plain.end(), offset,
                           [](std::uint64_t x, const Plain& p) { return x < p.offset; });
      plain.insert(at, Plain{offset, offset + length, &items[i]});
    }
    for (int query = 0; query < 4; ++query) {
      ASSERT_EQ(list.entries().size(), plain.size());
      for (std::size_t i = 0; i < plain.size(); ++i) {
        ASSERT_EQ(list.entries()[i].offset, plain[i].offset) << "round " << round;
        ASSERT_EQ(list.entries()[i].item, plain[i].item) << "round " << round;
      }
      const std::uint64_t lo = random() % 80;
      const std::uint64_t hi = lo + random() % 24;
      std::vector<Item*> seen;
      list.for_each_touching(lo, hi, [&seen](Item* item) { seen.push_back(item); });
      ASSERT_EQ(seen, touching(plain, lo, hi))
          << "round " << round << " [" << lo << ", " << hi << ")";
      if (plain.empty()) break;
      const Plain gone = plain[random() % plain.size()];
      list.erase(gone.offset, gone.item);
      plain.erase(std::find_if(plain.begin(), plain.end(),
                               [&gone](const Plain& p) { return p.item == gone.item; }));
    }
  }
}

TEST(RangeList, ErasingWhatIsNotThereChangesNothing) {
  std::array<Item, 3> items;
  RangeList<Item> list;
  list.insert(8, 16, &items[0]);
  list.insert(8, 12, &items[1]);
  list.erase(8, &items[2]);  // at an offset in use, another item
  list.erase(4, &items[0]);  // the item, at another offset
  ASSERT_EQ(list.entries().size(), 2u);
  EXPECT_EQ(list.entries()[0].item, &items[0]);
  EXPECT_EQ(list.entries()[1].item, &items[1]);
}

}  // namespace
}  // namespace mirrorsim::sim
