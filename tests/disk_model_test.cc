// DiskImage against DenseDisk: random sequences of writes, copies, zero
// writes, discards, backing attaches, backing writes, reads, block-status
// queries and snapshots, on raw disks and cluster sizes 512 B .. 2 MiB, with
// and without backing chains, thin capacity, old data and discard-reads-zero.
// After every command both implementations must agree; reads, block status
// and allocation are compared directly, whole disks through GuestView.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"

namespace mirrorsim::sim {
namespace {

constexpr std::uint64_t kMaxSectors = (std::uint64_t{8} << 20) / kSectorSize;  // 8 MiB disks

// Runs `property` as the current test with these limits, unless RC_PARAMS
// sets them (or asks to reproduce a failure, which needs RapidCheck's own path).
template <typename Property>
void check_property(int max_success, int max_size, Property property) {
  const char* env = std::getenv("RC_PARAMS");
  const std::string overrides = env != nullptr ? env : "";
  if (overrides.find("reproduce") != std::string::npos) {
    rc::detail::checkGTest(property);
    return;
  }
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (overrides.find("max_success") == std::string::npos) params.maxSuccess = max_success;
  if (overrides.find("max_size") == std::string::npos) params.maxSize = max_size;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str();
  }
}

// One disk as both implementations.
struct Twin {
  std::shared_ptr<DiskImage> extent;
  std::shared_ptr<DenseDisk> dense;

  Twin(const DiskOptions& options, std::uint64_t page_bytes)
      : extent(std::make_shared<DiskImage>(options, page_bytes)),
        dense(std::make_shared<DenseDisk>(options)) {}
};

// What the generator needs to know to make valid commands.
struct Model {
  std::uint64_t length = 0;
  std::uint64_t cluster = 0;
  bool has_backing = false;
  bool attached = false;
  std::uint64_t backing_length = 0;
};

struct Sut {
  std::optional<Twin> top;
  std::optional<Twin> backing;
  std::optional<Twin> base;  // the backing's own backing, attached from the start
  ContentSource values;
  std::optional<GuestView> snapshot;
  ContentPayload snapshot_content;
};

struct Range {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

std::ostream& operator<<(std::ostream& os, const Range& r) {
  return os << "[" << r.offset << ", +" << r.length << ")";
}

// A request range inside a disk: arbitrary, short, cluster-shaped or at the end.
Range draw_range(std::uint64_t length, std::uint64_t cluster) {
  const std::uint64_t sectors = length / kSectorSize;
  std::uint64_t first = 0;
  std::uint64_t count = 1;
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      first = *rc::gen::inRange<std::uint64_t>(0, sectors);
      count = *rc::gen::inRange<std::uint64_t>(1, sectors - first + 1);
      break;
    case 1:
      first = *rc::gen::inRange<std::uint64_t>(0, sectors);
      count = *rc::gen::inRange<std::uint64_t>(1, std::min<std::uint64_t>(sectors - first, 40) + 1);
      break;
    case 2: {
      if (cluster == 0) cluster = std::uint64_t{4096};
      const std::uint64_t per = cluster / kSectorSize;
      const std::uint64_t clusters = (sectors + per - 1) / per;
      const std::uint64_t k = *rc::gen::inRange<std::uint64_t>(0, clusters);
      const std::uint64_t n = *rc::gen::inRange<std::uint64_t>(1, clusters - k + 1);
      first = k * per;
      std::uint64_t end = std::min(sectors, (k + n) * per);
      // Sometimes nudge either end off the cluster boundary.
      if (*rc::gen::inRange(0, 3) == 0 && first + 1 < end) ++first;
      if (*rc::gen::inRange(0, 3) == 0 && end - 1 > first) --end;
      count = end - first;
      break;
    }
    default:
      count = *rc::gen::inRange<std::uint64_t>(1, std::min<std::uint64_t>(sectors, 64) + 1);
      first = sectors - count;
      break;
  }
  return {first * kSectorSize, count * kSectorSize};
}

void check_agree(const Sut& sut) {
  RC_ASSERT(sut.top->extent->allocated_bytes() == sut.top->dense->allocated_bytes());
  sut.top->dense->check_invariants();
}

using Cmd = rc::state::Command<Model, Sut>;

struct Write : Cmd {
  Range r;
  explicit Write(const Model& m) : r(draw_range(m.length, m.cluster)) {}
  void run(const Model&, Sut& sut) const override {
    const ContentPayload data = ContentPayload::fresh(sut.values.next(), r.length);
    const int a = sut.top->extent->write(r.offset, data).error;
    const int b = sut.top->dense->write(r.offset, data).error;
    RC_ASSERT(a == b);
    check_agree(sut);
  }
  void show(std::ostream& os) const override { os << "write " << r; }
};

// Reads one range and writes what it read to another: multi-extent payloads.
struct Copy : Cmd {
  Range from;
  std::uint64_t to = 0;
  explicit Copy(const Model& m) : from(draw_range(m.length, m.cluster)) {
    to = *rc::gen::inRange<std::uint64_t>(0, (m.length - from.length) / kSectorSize + 1) *
         kSectorSize;
  }
  void run(const Model&, Sut& sut) const override {
    const ContentPayload data = sut.top->extent->read(from.offset, from.length);
    RC_ASSERT(data == sut.top->dense->read(from.offset, from.length));
    const int a = sut.top->extent->write(to, data).error;
    const int b = sut.top->dense->write(to, data).error;
    RC_ASSERT(a == b);
    check_agree(sut);
  }
  void show(std::ostream& os) const override { os << "copy " << from << " to " << to; }
};

struct WriteZeroes : Cmd {
  Range r;
  bool may_unmap;
  explicit WriteZeroes(const Model& m)
      : r(draw_range(m.length, m.cluster)), may_unmap(*rc::gen::arbitrary<bool>()) {}
  void run(const Model&, Sut& sut) const override {
    const int a = sut.top->extent->write_zeroes(r.offset, r.length, may_unmap).error;
    const int b = sut.top->dense->write_zeroes(r.offset, r.length, may_unmap).error;
    RC_ASSERT(a == b);
    check_agree(sut);
  }
  void show(std::ostream& os) const override {
    os << "write_zeroes " << r << (may_unmap ? " unmap" : "");
  }
};

struct Discard : Cmd {
  Range r;
  explicit Discard(const Model& m) : r(draw_range(m.length, m.cluster)) {}
  void run(const Model&, Sut& sut) const override {
    const int a = sut.top->extent->discard(r.offset, r.length).error;
    const int b = sut.top->dense->discard(r.offset, r.length).error;
    RC_ASSERT(a == b);
    check_agree(sut);
  }
  void show(std::ostream& os) const override { os << "discard " << r; }
};

struct Attach : Cmd {
  explicit Attach(const Model&) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(m.has_backing && !m.attached); }
  void apply(Model& m) const override { m.attached = true; }
  void run(const Model&, Sut& sut) const override {
    sut.top->extent->attach_backing(sut.backing->extent);
    sut.top->dense->attach_backing(sut.backing->dense);
  }
  void show(std::ostream& os) const override { os << "attach backing"; }
};

// Writes into the backing image, attached or not: reads see it live.
struct BackingWrite : Cmd {
  Range r;
  explicit BackingWrite(const Model& m) {
    if (m.has_backing) r = draw_range(m.backing_length, 0);
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(m.has_backing); }
  void run(const Model&, Sut& sut) const override {
    const ContentPayload data = ContentPayload::fresh(sut.values.next(), r.length);
    const int a = sut.backing->extent->write(r.offset, data).error;
    const int b = sut.backing->dense->write(r.offset, data).error;
    RC_ASSERT(a == b);
  }
  void show(std::ostream& os) const override { os << "backing write " << r; }
};

struct Read : Cmd {
  Range r;
  explicit Read(const Model& m) : r(draw_range(m.length, m.cluster)) {}
  void run(const Model&, Sut& sut) const override {
    const ContentPayload a = sut.top->extent->read(r.offset, r.length);
    const ContentPayload b = sut.top->dense->read(r.offset, r.length);
    RC_LOG() << "extent read: " << describe(a.extents())
             << "\ndense read:  " << describe(b.extents()) << "\n";
    RC_ASSERT(a.length() == r.length);
    RC_ASSERT(a == b);
  }
  void show(std::ostream& os) const override { os << "read " << r; }
};

struct Status : Cmd {
  Range r;
  explicit Status(const Model& m) : r(draw_range(m.length, m.cluster)) {}
  void run(const Model&, Sut& sut) const override {
    const engine::BlockStatus a = sut.top->extent->block_status(r.offset, r.length);
    const engine::BlockStatus b = sut.top->dense->block_status(r.offset, r.length);
    RC_LOG() << "extent status: " << a.allocated << a.allocated_below << a.reads_zero << " +"
             << a.length << "\ndense status:  " << b.allocated << b.allocated_below << b.reads_zero
             << " +" << b.length << "\n";
    RC_ASSERT(a.length > 0u);
    RC_ASSERT(a.length <= r.length);
    RC_ASSERT(a.allocated == b.allocated);
    RC_ASSERT(a.allocated_below == b.allocated_below);
    RC_ASSERT(a.reads_zero == b.reads_zero);
    RC_ASSERT(a.length == b.length);
  }
  void show(std::ostream& os) const override { os << "block_status " << r; }
};

struct Snapshot : Cmd {
  explicit Snapshot(const Model&) {}
  void run(const Model& m, Sut& sut) const override {
    sut.snapshot = sut.top->extent->guest_view();
    sut.snapshot_content = sut.top->dense->read(0, m.length);
  }
  void show(std::ostream& os) const override { os << "snapshot"; }
};

// The snapshot still reads as when taken, and the whole disks agree.
struct Compare : Cmd {
  explicit Compare(const Model&) {}
  void run(const Model& m, Sut& sut) const override {
    if (sut.snapshot) RC_ASSERT(sut.snapshot->read(0, m.length) == sut.snapshot_content);
    const auto diff = first_difference(sut.top->extent->guest_view(), sut.top->dense->guest_view());
    if (diff) RC_FAIL("extent and dense disks differ: " + diff->describe());
  }
  void show(std::ostream& os) const override { os << "compare"; }
};

std::uint64_t draw_length() {
  const std::uint64_t sectors = *rc::gen::oneOf(
      rc::gen::inRange<std::uint64_t>(1, 65), rc::gen::inRange<std::uint64_t>(1, kMaxSectors + 1));
  return sectors * kSectorSize;
}

std::uint64_t draw_cluster(bool allow_raw) {
  const std::uint64_t cluster =
      *rc::gen::element<std::uint64_t>(0, 512, 1024, 4096, 65536, 262144, std::uint64_t{2} << 20);
  return cluster == 0 && !allow_raw ? 4096 : cluster;
}

// Gives a disk some content of its own: fresh writes and zero writes.
void prefill(Twin& twin, ContentSource& values, int writes) {
  for (int i = 0; i < writes; ++i) {
    const Range r = draw_range(twin.dense->length(), twin.dense->cluster_bytes());
    if (*rc::gen::inRange(0, 4) == 0) {
      twin.extent->write_zeroes(r.offset, r.length, true);
      twin.dense->write_zeroes(r.offset, r.length, true);
    } else {
      const ContentPayload data = ContentPayload::fresh(values.next(), r.length);
      twin.extent->write(r.offset, data);
      twin.dense->write(r.offset, data);
    }
  }
}

void run_model_case() {
  Sut sut;
  Model model;
  const auto page_bytes = *rc::gen::element<std::uint64_t>(512, 4096, 65536, 1 << 20);

  DiskOptions top;
  top.name = "top";
  top.length_bytes = model.length = draw_length();
  top.cluster_bytes = model.cluster = draw_cluster(true);
  top.discard_reads_zero = *rc::gen::arbitrary<bool>();
  top.zero_init = *rc::gen::inRange(0, 4) != 0;
  if (*rc::gen::inRange(0, 4) == 0) {
    top.capacity_bytes =
        *rc::gen::inRange<std::uint64_t>(0, top.length_bytes / kSectorSize + 1) * kSectorSize;
  }
  model.has_backing = top.cluster_bytes != 0 && *rc::gen::inRange(0, 3) != 0;
  if (model.has_backing) top.backing_name = "backing";
  RC_LOG() << "top: length " << top.length_bytes << " cluster " << top.cluster_bytes << " pages "
           << page_bytes << " discard_reads_zero " << top.discard_reads_zero << " zero_init "
           << top.zero_init << " capacity " << top.capacity_bytes << "\n";

  if (model.has_backing) {
    DiskOptions backing;
    backing.name = "backing";
    backing.length_bytes = model.backing_length = draw_length();
    backing.cluster_bytes = draw_cluster(true);
    const bool has_base = backing.cluster_bytes != 0 && *rc::gen::arbitrary<bool>();
    if (has_base) backing.backing_name = "base";
    sut.backing.emplace(backing, page_bytes);
    if (has_base) {
      DiskOptions base;
      base.name = "base";
      base.length_bytes = draw_length();
      sut.base.emplace(base, page_bytes);
      prefill(*sut.base, sut.values, *rc::gen::inRange(0, 6));
      sut.backing->extent->attach_backing(sut.base->extent);
      sut.backing->dense->attach_backing(sut.base->dense);
    }
    prefill(*sut.backing, sut.values, *rc::gen::inRange(0, 8));
    RC_LOG() << "backing: length " << backing.length_bytes << " cluster " << backing.cluster_bytes
             << " base " << (has_base ? sut.base->dense->length() : 0) << "\n";
  }

  sut.top.emplace(top, page_bytes);
  if (!top.zero_init && *rc::gen::arbitrary<bool>()) {
    const std::uint64_t old = sut.values.next();
    sut.top->extent->fill_with_old_data(old);
    sut.top->dense->fill_with_old_data(old);
  }

  rc::state::check(model, sut,
                   rc::state::gen::execOneOfWithArgs<Write, Write, Copy, WriteZeroes, Discard,
                                                     Attach, BackingWrite, Read, Read, Status,
                                                     Status, Snapshot, Compare>());
  Compare(model).run(model, sut);
}

TEST(DiskModel, ExtentImageAgreesWithDenseDisk) {
  check_property(250, 80, [] { run_model_case(); });
}

}  // namespace
}  // namespace mirrorsim::sim
