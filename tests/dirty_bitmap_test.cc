// Tests of engine/dirty_bitmap.h: edge cases as plain tests, and RapidCheck
// properties that compare the bitmap with trivial models (a std::vector<bool>
// for small disks, a map of dirty runs for large ones).
#include "engine/dirty_bitmap.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/invariant.h"

namespace mirrorsim::engine {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kTiB = kMiB * kMiB;
constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

// ---------------------------------------------------------------------------
// Models and generators
// ---------------------------------------------------------------------------

// The obvious implementation: one bool per chunk, linear scans.
class VectorModel {
 public:
  VectorModel(std::uint64_t length, std::uint64_t granularity)
      : length_(length),
        granularity_(granularity),
        dirty_((length + granularity - 1) / granularity, false) {}

  std::uint64_t chunks() const { return dirty_.size(); }
  bool test(std::uint64_t chunk) const { return dirty_[chunk]; }
  void assign_chunks(std::uint64_t first, std::uint64_t count, bool value) {
    std::fill(dirty_.begin() + static_cast<std::ptrdiff_t>(first),
              dirty_.begin() + static_cast<std::ptrdiff_t>(first + count), value);
  }
  void assign_bytes(std::uint64_t offset, std::uint64_t bytes, bool value) {
    if (bytes == 0) return;
    const std::uint64_t first = offset / granularity_;
    assign_chunks(first, (offset + bytes - 1) / granularity_ - first + 1, value);
  }
  std::uint64_t count() const {
    return static_cast<std::uint64_t>(std::count(dirty_.begin(), dirty_.end(), true));
  }
  std::uint64_t dirty_bytes() const {
    std::uint64_t bytes = 0;
    for (std::uint64_t c = 0; c < chunks(); ++c) {
      if (dirty_[c]) bytes += std::min(granularity_, length_ - c * granularity_);
    }
    return bytes;
  }
  // next[i] = first chunk >= i whose bit equals `value`, or nullopt; i in [0, chunks()].
  std::vector<std::optional<std::uint64_t>> next_table(bool value) const {
    std::vector<std::optional<std::uint64_t>> next(chunks() + 1);
    for (std::uint64_t i = chunks(); i-- > 0;) {
      next[i] = dirty_[i] == value ? std::optional<std::uint64_t>(i) : next[i + 1];
    }
    return next;
  }

 private:
  std::uint64_t length_;
  std::uint64_t granularity_;
  std::vector<bool> dirty_;
};

// One mutation, in bytes or in chunks.
struct Op {
  enum Kind { kSetBytes, kResetBytes, kSetChunks, kResetChunks };
  Kind kind;
  std::uint64_t start;   // byte offset or first chunk
  std::uint64_t amount;  // bytes or chunk count
  bool dirties() const { return kind == kSetBytes || kind == kSetChunks; }
  bool in_bytes() const { return kind == kSetBytes || kind == kResetBytes; }
};

std::string describe(const Op& op) {
  static const char* const kNames[] = {"set", "reset", "set_chunks", "reset_chunks"};
  return std::string(kNames[op.kind]) + "(" + std::to_string(op.start) + ", " +
         std::to_string(op.amount) + ")";
}

// A power of two in [512 B, 64 MiB], mostly small so that disks have many chunks.
std::uint64_t gen_granularity() {
  const auto shift = *rc::gen::weightedOneOf<unsigned>({
      {6, rc::gen::inRange(9u, 13u)},   // 512 B .. 4 KiB
      {3, rc::gen::inRange(13u, 17u)},  // 8 KiB .. 64 KiB
      {1, rc::gen::inRange(17u, 27u)},  // 128 KiB .. 64 MiB
  });
  return std::uint64_t{1} << shift;
}

// A length of up to ~200 chunks, or a count that sits on a word or level
// boundary. The tail makes the last chunk partial half the time.
// With `allow_level_2`, sometimes a count that needs three levels.
std::uint64_t gen_small_length(std::uint64_t granularity, bool allow_level_2) {
  const auto small = rc::gen::weightedOneOf<std::uint64_t>({
      {6, rc::gen::inRange<std::uint64_t>(0, 201)},
      {3, rc::gen::element<std::uint64_t>(0, 1, 63, 64, 65, 127, 128, 129, 191, 192)},
  });
  const auto whole = allow_level_2
                         ? *rc::gen::weightedOneOf<std::uint64_t>({
                               {9, small},
                               {1, rc::gen::element<std::uint64_t>(4095, 4096, 4097, 8191, 8193)},
                           })
                         : *small;
  const bool partial = *rc::gen::arbitrary<bool>();
  const std::uint64_t tail = partial ? *rc::gen::inRange<std::uint64_t>(1, granularity) : 0;
  return whole * granularity + tail;
}

// A random in-range mutation. Ranges are short (up to 3 chunks) most of the
// time and, with `allow_long`, sometimes anything up to the end; starts are
// anywhere, or at the very end.
Op gen_op(std::uint64_t length, std::uint64_t chunks, std::uint64_t granularity,
          bool allow_long = true) {
  const auto kind = static_cast<Op::Kind>(*rc::gen::inRange(0, 4));
  const std::uint64_t limit = (kind == Op::kSetBytes || kind == Op::kResetBytes) ? length : chunks;
  const std::uint64_t unit = (kind == Op::kSetBytes || kind == Op::kResetBytes) ? granularity : 1;
  const std::uint64_t start = *rc::gen::weightedOneOf<std::uint64_t>({
      {8, rc::gen::inRange<std::uint64_t>(0, limit + 1)},
      {1, rc::gen::just(limit - std::min(limit, unit))},
      {1, rc::gen::just(limit)},
  });
  const std::uint64_t room = limit - start;
  const std::uint64_t short_max = std::min(room, 3 * unit);
  const auto short_amount = rc::gen::inRange<std::uint64_t>(0, short_max + 1);
  const std::uint64_t amount = allow_long ? *rc::gen::weightedOneOf<std::uint64_t>({
                                                {6, short_amount},
                                                {3, rc::gen::inRange<std::uint64_t>(0, room + 1)},
                                                {1, rc::gen::just(room)},
                                            })
                                          : *short_amount;
  return Op{kind, start, amount};
}

void apply(DirtyBitmap& bitmap, const Op& op) {
  switch (op.kind) {
    case Op::kSetBytes:
      bitmap.set(op.start, op.amount);
      break;
    case Op::kResetBytes:
      bitmap.reset(op.start, op.amount);
      break;
    case Op::kSetChunks:
      bitmap.set_chunks(op.start, op.amount);
      break;
    case Op::kResetChunks:
      bitmap.reset_chunks(op.start, op.amount);
      break;
  }
}

void apply(VectorModel& model, const Op& op) {
  if (op.in_bytes()) {
    model.assign_bytes(op.start, op.amount, op.dirties());
  } else {
    model.assign_chunks(op.start, op.amount, op.dirties());
  }
}

// Chunk indices [first, last) that `op` touches (first == last when none).
std::pair<std::uint64_t, std::uint64_t> touched(const Op& op, std::uint64_t granularity) {
  if (op.amount == 0) return {0, 0};
  if (!op.in_bytes()) return {op.start, op.start + op.amount};
  return {op.start / granularity, (op.start + op.amount - 1) / granularity + 1};
}

// Positions worth asking about on a large bitmap: ends, word and level
// boundaries, around the last op, and a few random ones.
std::vector<std::uint64_t> sample_positions(std::uint64_t chunks, std::uint64_t around_first,
                                            std::uint64_t around_last) {
  std::vector<std::uint64_t> positions = {0, 1, chunks, chunks + 1, kMax64};
  if (chunks > 0) positions.push_back(chunks - 1);
  // Word (64), level-1 (4096) and level-2 (262144) boundaries: the first few
  // and some random ones.
  for (const std::uint64_t step : {std::uint64_t{64}, std::uint64_t{4096}, std::uint64_t{262144}}) {
    const std::uint64_t boundaries = chunks / step;
    for (std::uint64_t k = 1; k <= boundaries && k <= 4; ++k) {
      positions.push_back(k * step - 1);
      positions.push_back(k * step);
    }
    for (int i = 0; i < 4 && boundaries > 0; ++i) {
      const std::uint64_t b = *rc::gen::inRange<std::uint64_t>(1, boundaries + 1) * step;
      positions.push_back(b - 1);
      positions.push_back(b);
    }
  }
  for (std::uint64_t p : {around_first, around_last}) {
    for (std::uint64_t d = 0; d < 3; ++d) {
      positions.push_back(p + d);
      if (p >= d) positions.push_back(p - d);
    }
  }
  for (int i = 0; i < 32 && chunks > 0; ++i) {
    positions.push_back(*rc::gen::inRange<std::uint64_t>(0, chunks));
  }
  return positions;
}

// Every observable of `bitmap` matches `model`: everywhere when small, at
// sampled positions when large.
void check_against(const DirtyBitmap& bitmap, const VectorModel& model, const Op& last_op,
                   std::uint64_t granularity) {
  RC_ASSERT(bitmap.chunks() == model.chunks());
  RC_ASSERT(bitmap.count() == model.count());
  RC_ASSERT(bitmap.dirty_bytes() == model.dirty_bytes());
  const std::uint64_t chunks = model.chunks();
  const auto next_dirty = model.next_table(true);
  const auto next_clean = model.next_table(false);
  if (chunks <= 1024) {
    for (std::uint64_t i = 0; i <= chunks; ++i) {
      if (i < chunks) RC_ASSERT(bitmap.test_chunk(i) == model.test(i));
      RC_ASSERT(bitmap.next_dirty_chunk(i) == next_dirty[i]);
      RC_ASSERT(bitmap.next_clean_chunk(i) == next_clean[i]);
    }
    RC_ASSERT(!bitmap.next_dirty_chunk(kMax64).has_value());
    RC_ASSERT(!bitmap.next_clean_chunk(kMax64).has_value());
    bitmap.check_consistency();
    return;
  }
  const auto [first, last] = touched(last_op, granularity);
  for (const std::uint64_t p : sample_positions(chunks, first, last)) {
    const std::uint64_t q = std::min(p, chunks);
    if (p < chunks) RC_ASSERT(bitmap.test_chunk(p) == model.test(p));
    RC_ASSERT(bitmap.next_dirty_chunk(p) == next_dirty[q]);
    RC_ASSERT(bitmap.next_clean_chunk(p) == next_clean[q]);
  }
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

RC_GTEST_PROP(DirtyBitmapProperty, MatchesVectorModelAfterEveryOp, ()) {
  const std::uint64_t granularity = gen_granularity();
  const std::uint64_t length = gen_small_length(granularity, true);
  DirtyBitmap bitmap(length, granularity);
  VectorModel model(length, granularity);
  RC_ASSERT(bitmap.chunks() == model.chunks());
  const int ops = *rc::gen::inRange(1, 40);
  for (int i = 0; i < ops; ++i) {
    const Op op = gen_op(length, bitmap.chunks(), granularity);
    RC_LOG() << describe(op) << "\n";
    apply(bitmap, op);
    apply(model, op);
    check_against(bitmap, model, op, granularity);
    // any_in over the op's own range and a random one.
    for (const auto& [offset, bytes] :
         {std::pair{op.in_bytes() ? op.start : 0, op.in_bytes() ? op.amount : 0},
          std::pair{length / 3, length / 3}}) {
      bool expected = false;
      for (std::uint64_t b = offset; bytes != 0 && b <= (offset + bytes - 1); b += granularity) {
        expected = expected || model.test(b / granularity);
      }
      if (bytes != 0) expected = expected || model.test((offset + bytes - 1) / granularity);
      RC_ASSERT(bitmap.any_in(offset, bytes) == expected);
    }
  }
  bitmap.check_consistency();
}

// A second model for large disks: dirty chunks as disjoint, coalesced runs
// [start, end), so that queries cost O(log runs) however big the disk.
class RunModel {
 public:
  explicit RunModel(std::uint64_t chunks) : chunks_(chunks) {}

  void assign(std::uint64_t first, std::uint64_t count, bool dirty) {
    if (count == 0) return;
    const std::uint64_t end = first + count;
    erase(first, end);
    if (dirty) {
      std::uint64_t start = first;
      std::uint64_t stop = end;
      if (auto after = runs_.find(end); after != runs_.end()) {  // touches on the right
        stop = after->second;
        runs_.erase(after);
      }
      if (auto it = runs_.lower_bound(first); it != runs_.begin()) {  // touches on the left
        if (auto before = std::prev(it); before->second == first) {
          start = before->first;
          runs_.erase(before);
        }
      }
      runs_[start] = stop;
    }
  }
  bool test(std::uint64_t chunk) const {
    auto it = runs_.upper_bound(chunk);
    return it != runs_.begin() && std::prev(it)->second > chunk;
  }
  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const auto& [start, end] : runs_) total += end - start;
    return total;
  }
  std::optional<std::uint64_t> next_dirty(std::uint64_t from) const {
    if (from >= chunks_) return std::nullopt;
    if (test(from)) return from;
    auto it = runs_.upper_bound(from);
    return it == runs_.end() ? std::nullopt : std::optional<std::uint64_t>(it->first);
  }
  std::optional<std::uint64_t> next_clean(std::uint64_t from) const {
    if (from >= chunks_) return std::nullopt;
    auto it = runs_.upper_bound(from);
    if (it == runs_.begin() || std::prev(it)->second <= from) return from;
    const std::uint64_t end = std::prev(it)->second;  // runs are coalesced: `end` is clean
    return end < chunks_ ? std::optional<std::uint64_t>(end) : std::nullopt;
  }
  const std::map<std::uint64_t, std::uint64_t>& runs() const { return runs_; }

 private:
  // Makes [first, end) clean, splitting runs that straddle either edge.
  void erase(std::uint64_t first, std::uint64_t end) {
    auto it = runs_.lower_bound(first);
    if (it != runs_.begin()) {
      auto before = std::prev(it);
      if (before->second > first) {
        const std::uint64_t old_end = before->second;
        before->second = first;
        if (old_end > end) runs_[end] = old_end;
      }
    }
    while (it != runs_.end() && it->first < end) {
      const std::uint64_t old_end = it->second;
      it = runs_.erase(it);
      if (old_end > end) runs_[end] = old_end;
    }
  }

  std::uint64_t chunks_;
  std::map<std::uint64_t, std::uint64_t> runs_;  // start -> end (exclusive)
};

// Large disks (2^13 .. 2^24 + 1 chunks, three to five levels), mostly short
// ranges with a few huge ones, against RunModel.
RC_GTEST_PROP(DirtyBitmapProperty, LargeDiskMatchesRunModel, ()) {
  const std::uint64_t granularity = std::uint64_t{1} << *rc::gen::inRange(9u, 17u);
  // Log-uniform sizes, so that small and huge disks are both common.
  const unsigned magnitude = *rc::gen::inRange(13u, 24u);
  const std::uint64_t chunks = *rc::gen::weightedOneOf<std::uint64_t>({
      {4, rc::gen::inRange<std::uint64_t>(std::uint64_t{1} << magnitude,
                                          std::uint64_t{2} << magnitude)},
      {1, rc::gen::element<std::uint64_t>(262143, 262144, 262145, (std::uint64_t{1} << 24) - 1,
                                          std::uint64_t{1} << 24, (std::uint64_t{1} << 24) + 1)},
  });
  const std::uint64_t tail = *rc::gen::element<std::uint64_t>(0, 1, granularity / 2);
  const std::uint64_t length = (tail == 0 ? chunks : chunks - 1) * granularity + tail;
  DirtyBitmap bitmap(length, granularity);
  RC_ASSERT(bitmap.chunks() == chunks);
  RunModel model(chunks);

  const int ops = *rc::gen::inRange(1, 30);
  for (int i = 0; i < ops; ++i) {
    const bool dirty = *rc::gen::weightedElement<bool>({{2, true}, {1, false}});
    // Near the start, near the end, or anywhere.
    const std::uint64_t first = *rc::gen::weightedOneOf<std::uint64_t>({
        {1, rc::gen::inRange<std::uint64_t>(0, 130)},
        {1, rc::gen::inRange<std::uint64_t>(chunks - 130, chunks + 1)},
        {3, rc::gen::inRange<std::uint64_t>(0, chunks + 1)},
    });
    const std::uint64_t room = chunks - first;
    const std::uint64_t count = *rc::gen::weightedOneOf<std::uint64_t>({
        {8, rc::gen::inRange<std::uint64_t>(0, std::min<std::uint64_t>(200, room) + 1)},
        {1, rc::gen::inRange<std::uint64_t>(0, room + 1)},
    });
    RC_LOG() << (dirty ? "set_chunks(" : "reset_chunks(") << first << ", " << count << ")\n";
    if (dirty) {
      bitmap.set_chunks(first, count);
    } else {
      bitmap.reset_chunks(first, count);
    }
    model.assign(first, count, dirty);

    RC_ASSERT(bitmap.count() == model.count());
    const bool last_dirty = model.test(chunks - 1);
    RC_ASSERT(bitmap.dirty_bytes() ==
              model.count() * granularity - (last_dirty && tail != 0 ? granularity - tail : 0));
    // Around the op, at boundaries, at random, and at the edges of up to 32 runs.
    std::vector<std::uint64_t> positions = sample_positions(chunks, first, first + count);
    const std::size_t stride = std::max<std::size_t>(1, model.runs().size() / 32);
    std::size_t n = 0;
    for (const auto& [start, end] : model.runs()) {
      if (n++ % stride != 0) continue;
      for (const std::uint64_t p : {start - 1, start, start + 1, end - 1, end, end + 1}) {
        positions.push_back(p);
      }
    }
    for (const std::uint64_t p : positions) {
      if (p < chunks) RC_ASSERT(bitmap.test_chunk(p) == model.test(p));
      RC_ASSERT(bitmap.next_dirty_chunk(p) == model.next_dirty(p));
      RC_ASSERT(bitmap.next_clean_chunk(p) == model.next_clean(p));
    }
  }
  // The deep check is O(chunks); once per case is enough.
  bitmap.check_consistency();
}

// Scan with next_dirty_chunk (or next_clean_chunk) while the bitmap changes
// between calls: every answer is true at the moment it is given, nothing
// between the cursor and the answer has the wanted state, and every chunk
// that had the wanted state throughout the scan is visited.
void scan_while_mutating(bool want_dirty) {
  const std::uint64_t granularity = gen_granularity();
  const std::uint64_t length = gen_small_length(granularity, false);
  DirtyBitmap bitmap(length, granularity);
  VectorModel model(length, granularity);
  const std::uint64_t chunks = bitmap.chunks();
  // Start all dirty half the time, so that both scans have much to visit.
  if (*rc::gen::arbitrary<bool>()) {
    bitmap.set_chunks(0, chunks);
    model.assign_chunks(0, chunks, true);
  }
  const int setup_ops = *rc::gen::inRange(0, 12);
  for (int i = 0; i < setup_ops; ++i) {
    const Op op = gen_op(length, chunks, granularity);
    apply(bitmap, op);
    apply(model, op);
  }

  std::vector<bool> wanted_throughout(chunks);
  for (std::uint64_t c = 0; c < chunks; ++c) wanted_throughout[c] = model.test(c) == want_dirty;
  std::vector<bool> visited(chunks, false);
  const auto next = [&](std::uint64_t from) {
    return want_dirty ? bitmap.next_dirty_chunk(from) : bitmap.next_clean_chunk(from);
  };

  std::uint64_t cursor = 0;
  std::uint64_t steps = 0;
  for (std::optional<std::uint64_t> c = next(cursor); c; c = next(cursor)) {
    RC_ASSERT(*c >= cursor);
    RC_ASSERT(*c < chunks);
    RC_ASSERT(model.test(*c) == want_dirty);
    for (std::uint64_t skipped = cursor; skipped < *c; ++skipped) {
      RC_ASSERT(model.test(skipped) != want_dirty);
    }
    visited[*c] = true;
    RC_ASSERT(++steps <= chunks);  // the cursor only moves forward

    const int mutations = *rc::gen::inRange(0, 4);
    for (int m = 0; m < mutations; ++m) {
      // Short ranges, so that one mutation rarely ends the scan.
      const Op op = gen_op(length, chunks, granularity, /*allow_long=*/false);
      apply(bitmap, op);
      apply(model, op);
      if (op.dirties() != want_dirty) {
        const auto [first, last] = touched(op, granularity);
        for (std::uint64_t t = first; t < last; ++t) wanted_throughout[t] = false;
      }
    }
    cursor = *c + 1;
  }
  // The scan ended: nothing from the cursor on has the wanted state now.
  for (std::uint64_t c = cursor; c < chunks; ++c) RC_ASSERT(model.test(c) != want_dirty);
  for (std::uint64_t c = 0; c < chunks; ++c) {
    if (wanted_throughout[c]) RC_ASSERT(visited[c]);
  }
  bitmap.check_consistency();
}

RC_GTEST_PROP(DirtyBitmapProperty, DirtyScanWhileMutatingNeverLiesNorSkips, ()) {
  scan_while_mutating(true);
}

RC_GTEST_PROP(DirtyBitmapProperty, CleanScanWhileMutatingNeverLiesNorSkips, ()) {
  scan_while_mutating(false);
}

// ---------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------

TEST(DirtyBitmapTest, RejectsBadGranularity) {
  for (const std::uint64_t bad :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{256}, std::uint64_t{511},
        std::uint64_t{513}, std::uint64_t{1000}, std::uint64_t{3 * 512}, 64 * kMiB + 512,
        128 * kMiB, std::uint64_t{1} << 63, kMax64}) {
    try {
      DirtyBitmap bitmap(kTiB, bad);
      ADD_FAILURE() << "granularity " << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::to_string(bad)), std::string::npos) << message;
      EXPECT_NE(message.find("power of two"), std::string::npos) << message;
      EXPECT_NE(message.find("512"), std::string::npos) << message;
      EXPECT_NE(message.find("64 MiB"), std::string::npos) << message;
    }
  }
  for (std::uint64_t good = 512; good <= 64 * kMiB; good *= 2) {
    EXPECT_NO_THROW(DirtyBitmap(kMiB, good)) << good;
  }
}

TEST(DirtyBitmapTest, EmptyDisk) {
  DirtyBitmap bitmap(0, 64 * kKiB);
  EXPECT_EQ(bitmap.chunks(), 0u);
  EXPECT_EQ(bitmap.levels(), 0u);
  EXPECT_EQ(bitmap.length(), 0u);
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_EQ(bitmap.dirty_bytes(), 0u);
  EXPECT_EQ(bitmap.next_dirty_chunk(0), std::nullopt);
  EXPECT_EQ(bitmap.next_clean_chunk(0), std::nullopt);
  bitmap.set(0, 0);
  bitmap.reset(0, 0);
  bitmap.set_chunks(0, 0);
  EXPECT_FALSE(bitmap.any_in(0, 0));
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_THROW(bitmap.set(0, 1), InvariantViolation);
  EXPECT_THROW(bitmap.test_chunk(0), InvariantViolation);
  EXPECT_THROW(bitmap.chunk_of(0), InvariantViolation);
  bitmap.check_consistency();
}

TEST(DirtyBitmapTest, PartialLastChunk) {
  const std::uint64_t length = 10 * 4096 + 100;
  DirtyBitmap bitmap(length, 4096);
  ASSERT_EQ(bitmap.chunks(), 11u);
  EXPECT_EQ(bitmap.chunk_offset(10), 40960u);
  EXPECT_EQ(bitmap.chunk_bytes(10), 100u);
  EXPECT_EQ(bitmap.chunk_bytes(9), 4096u);
  EXPECT_EQ(bitmap.chunk_of(length - 1), 10u);
  EXPECT_EQ(bitmap.chunk_of(40959), 9u);

  bitmap.set(length - 1, 1);
  EXPECT_TRUE(bitmap.test_chunk(10));
  EXPECT_EQ(bitmap.count(), 1u);
  EXPECT_EQ(bitmap.dirty_bytes(), 100u);
  EXPECT_EQ(bitmap.next_clean_chunk(10), std::nullopt);  // the run reaches the end
  bitmap.set(0, 1);
  EXPECT_EQ(bitmap.dirty_bytes(), 4096u + 100u);
  bitmap.set(0, length);
  EXPECT_EQ(bitmap.count(), 11u);
  EXPECT_EQ(bitmap.dirty_bytes(), length);
  EXPECT_EQ(bitmap.next_clean_chunk(0), std::nullopt);
  bitmap.check_consistency();
}

TEST(DirtyBitmapTest, UnalignedRangeMarksEveryTouchedChunk) {
  DirtyBitmap bitmap(64 * kKiB, 4096);
  bitmap.set(4095, 2);  // last byte of chunk 0, first byte of chunk 1
  EXPECT_TRUE(bitmap.test_chunk(0));
  EXPECT_TRUE(bitmap.test_chunk(1));
  EXPECT_FALSE(bitmap.test_chunk(2));
  EXPECT_EQ(bitmap.count(), 2u);
  bitmap.reset(4096 + 4095, 1);  // one byte of chunk 1 clears it whole
  EXPECT_FALSE(bitmap.test_chunk(1));
  EXPECT_TRUE(bitmap.any_in(0, 1));
  EXPECT_TRUE(bitmap.any_in(4095, 1));
  EXPECT_FALSE(bitmap.any_in(4096, 4096));
  EXPECT_FALSE(bitmap.any_in(0, 0));
}

TEST(DirtyBitmapTest, RangePastEndThrowsAndChangesNothing) {
  const std::uint64_t length = 100 * 512 + 7;
  DirtyBitmap bitmap(length, 512);
  ASSERT_EQ(bitmap.chunks(), 101u);
  EXPECT_THROW(bitmap.set(length, 1), InvariantViolation);
  EXPECT_THROW(bitmap.set(0, length + 1), InvariantViolation);
  EXPECT_THROW(bitmap.set(length + 1, 0), InvariantViolation);
  EXPECT_THROW(bitmap.set(kMax64, 2), InvariantViolation);  // offset + bytes wraps
  EXPECT_THROW(bitmap.set(2, kMax64), InvariantViolation);
  EXPECT_THROW(bitmap.reset(length - 1, 2), InvariantViolation);
  EXPECT_THROW(bitmap.any_in(length, 1), InvariantViolation);
  EXPECT_THROW(bitmap.set_chunks(101, 1), InvariantViolation);
  EXPECT_THROW(bitmap.set_chunks(1, kMax64), InvariantViolation);
  EXPECT_THROW(bitmap.reset_chunks(100, 2), InvariantViolation);
  EXPECT_THROW(bitmap.test_chunk(101), InvariantViolation);
  EXPECT_THROW(bitmap.chunk_offset(101), InvariantViolation);
  EXPECT_THROW(bitmap.chunk_bytes(101), InvariantViolation);
  EXPECT_THROW(bitmap.chunk_of(length), InvariantViolation);
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_EQ(bitmap.next_dirty_chunk(0), std::nullopt);
  // The exact end is fine.
  bitmap.set(0, length);
  bitmap.set(length, 0);
  bitmap.set_chunks(101, 0);
  EXPECT_EQ(bitmap.count(), 101u);
  bitmap.check_consistency();
}

TEST(DirtyBitmapTest, TerabyteAt512Bytes) {
  DirtyBitmap bitmap(kTiB, 512);
  const std::uint64_t chunks = std::uint64_t{1} << 31;
  ASSERT_EQ(bitmap.chunks(), chunks);
  EXPECT_EQ(bitmap.levels(), 6u);
  // 256 MiB for level 0, under 9 MiB for both summaries together.
  EXPECT_GE(bitmap.memory_bytes(), 256 * kMiB);
  EXPECT_LE(bitmap.memory_bytes(), 265 * kMiB);

  bitmap.set(kTiB - 1, 1);
  EXPECT_TRUE(bitmap.test_chunk(chunks - 1));
  EXPECT_EQ(bitmap.next_dirty_chunk(0), chunks - 1);
  EXPECT_EQ(bitmap.count(), 1u);
  EXPECT_EQ(bitmap.dirty_bytes(), 512u);
  EXPECT_EQ(bitmap.next_clean_chunk(chunks - 1), std::nullopt);
  EXPECT_EQ(bitmap.next_clean_chunk(0), 0u);
  EXPECT_TRUE(bitmap.any_in(kTiB - 512, 512));
  EXPECT_FALSE(bitmap.any_in(0, kTiB - 512));

  bitmap.set_chunks(chunks / 2 + 5, 3);
  EXPECT_EQ(bitmap.next_dirty_chunk(1), chunks / 2 + 5);
  EXPECT_EQ(bitmap.next_clean_chunk(chunks / 2 + 5), chunks / 2 + 8);
  bitmap.reset_chunks(chunks / 2 + 5, 3);
  bitmap.reset(kTiB - 1, 1);
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_EQ(bitmap.next_dirty_chunk(0), std::nullopt);
}

TEST(DirtyBitmapTest, TerabyteAt64KiBFillAndDrain) {
  DirtyBitmap bitmap(kTiB, 64 * kKiB);
  const std::uint64_t chunks = std::uint64_t{1} << 24;
  ASSERT_EQ(bitmap.chunks(), chunks);
  EXPECT_EQ(bitmap.levels(), 4u);
  EXPECT_LE(bitmap.memory_bytes(), 2 * kMiB + 80 * kKiB);
  bitmap.set(0, kTiB);
  EXPECT_EQ(bitmap.count(), chunks);
  EXPECT_EQ(bitmap.dirty_bytes(), kTiB);
  EXPECT_EQ(bitmap.next_clean_chunk(0), std::nullopt);
  bitmap.reset_chunks(12345678, 1);
  EXPECT_EQ(bitmap.next_clean_chunk(0), 12345678u);
  EXPECT_EQ(bitmap.next_dirty_chunk(12345678), 12345679u);
  bitmap.reset(0, kTiB);
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_EQ(bitmap.next_dirty_chunk(0), std::nullopt);
  bitmap.check_consistency();
}

// The engine's pattern: find a dirty run, clear it, go on after it.
TEST(DirtyBitmapTest, WalkDirtyRuns) {
  DirtyBitmap bitmap(1000 * 4096, 4096);
  bitmap.set_chunks(3, 2);
  bitmap.set_chunks(63, 3);
  bitmap.set_chunks(990, 10);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
  for (auto start = bitmap.next_dirty_chunk(0); start; start = bitmap.next_dirty_chunk(*start)) {
    const std::uint64_t end = bitmap.next_clean_chunk(*start).value_or(bitmap.chunks());
    runs.emplace_back(*start, end);
    bitmap.reset_chunks(*start, end - *start);
  }
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> expected = {
      {3, 5}, {63, 66}, {990, 1000}};
  EXPECT_EQ(runs, expected);
  EXPECT_EQ(bitmap.count(), 0u);
}

TEST(DirtyBitmapTest, ScanSeesChangesMadeBetweenCalls) {
  DirtyBitmap bitmap(100000 * 512, 512);
  bitmap.set_chunks(10, 1);
  bitmap.set_chunks(70000, 1);
  std::vector<std::uint64_t> seen;
  for (auto c = bitmap.next_dirty_chunk(0); c; c = bitmap.next_dirty_chunk(*c + 1)) {
    seen.push_back(*c);
    if (*c == 10) {
      bitmap.reset_chunks(70000, 1);  // ahead: must not be returned
      bitmap.set_chunks(5, 1);        // behind: not this pass
      bitmap.set_chunks(4097, 1);     // ahead, other level-1 word: must be returned
      bitmap.set_chunks(99999, 1);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{10, 4097, 99999}));
}

TEST(DirtyBitmapTest, MoveLeavesSourceEmpty) {
  DirtyBitmap a(1000 * 512, 512);
  a.set_chunks(7, 3);
  DirtyBitmap b(std::move(a));
  EXPECT_EQ(b.count(), 3u);
  EXPECT_EQ(b.next_dirty_chunk(0), 7u);
  EXPECT_EQ(a.length(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(a.chunks(), 0u);
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.next_dirty_chunk(0), std::nullopt);
  a.check_consistency();

  DirtyBitmap c(4096, 4096);
  c = std::move(b);
  EXPECT_EQ(c.count(), 3u);
  EXPECT_EQ(c.chunks(), 1000u);
  EXPECT_EQ(b.chunks(), 0u);  // NOLINT(bugprone-use-after-move)
  c.check_consistency();
  b.check_consistency();
  static_assert(!std::is_copy_constructible_v<DirtyBitmap>);
  static_assert(!std::is_copy_assignable_v<DirtyBitmap>);
  static_assert(std::is_nothrow_move_constructible_v<DirtyBitmap>);
}

TEST(DirtyBitmapTest, LevelCounts) {
  EXPECT_EQ(DirtyBitmap(512, 512).levels(), 1u);
  EXPECT_EQ(DirtyBitmap(64 * 512, 512).levels(), 1u);
  EXPECT_EQ(DirtyBitmap(65 * 512, 512).levels(), 2u);
  EXPECT_EQ(DirtyBitmap(4096 * 512, 512).levels(), 2u);
  EXPECT_EQ(DirtyBitmap(4097 * 512, 512).levels(), 3u);
}

}  // namespace
}  // namespace mirrorsim::engine
