// io-mirror, snapshot and precopy (docs/algorithms.md) resolve their
// parameters as their specs say (properties/*_spec.h): the copy unit
// (raised to a cluster when the target zero-fills fresh ones), the copy
// ops in flight, the buffer, and for snapshot and precopy the switch-over
// threshold and the passes. One case a line, each algorithm's own.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "engine/io_mirror_job.h"
#include "engine/precopy_job.h"
#include "engine/snapshot_job.h"
#include "properties/io_mirror_spec.h"
#include "properties/precopy_spec.h"
#include "properties/snapshot_spec.h"
#include "tests/algorithm_rig.h"

namespace mirrorsim {
namespace {

using namespace algorithm_rig;  // tests/algorithm_rig.h
namespace io_spec = properties::spec::io_mirror;
namespace snap_spec = properties::spec::snapshot;
namespace pc_spec = properties::spec::precopy;

struct ResolveCase {
  std::string name;
  engine::Algorithm algorithm;
  std::uint64_t unit_bytes;  // region_bytes as asked (0: the default)
  std::uint32_t ops;
  std::uint64_t cluster;
  bool named;
  bool attached;
  std::uint64_t switch_bytes = 0;  // snapshot and precopy only
  std::uint32_t passes = 0;        // snapshot and precopy only
};

void PrintTo(const ResolveCase& c, std::ostream* os) {
  *os << c.name;
}

// What the engine resolves, and what the spec says it must.
struct Resolved {
  std::uint64_t unit_bytes = 0;
  std::uint32_t ops = 0;
  std::uint64_t buffer_bytes = 0;
  std::optional<std::uint64_t> switch_bytes;  // nullopt: io-mirror has none
  std::optional<std::uint32_t> max_passes;
};

// Snapshot's and precopy's switch-over values (each resolver has its own type).
template <typename Switch>
void take_switch(const Switch& resolved, Resolved& out) {
  out.switch_bytes = resolved.switch_bytes;
  out.max_passes = resolved.max_passes;
}

Resolved engine_resolves(const ResolveCase& c) {
  engine::MirrorParams p;
  p.algorithm = c.algorithm;
  p.region_bytes = c.unit_bytes;
  p.max_copy_ops = c.ops;
  p.switch_bytes = c.switch_bytes;
  p.max_passes = c.passes;
  engine::DeviceInfo source;
  source.name = "source";
  source.length = kLength;
  engine::DeviceInfo target = source;
  target.name = "target";
  target.cluster_bytes = c.cluster;
  target.backing_named = c.named;
  target.backing_attached = c.attached;
  engine::ResolvedParams r;
  Resolved out;
  switch (c.algorithm) {
    case engine::Algorithm::kQemu:
      ADD_FAILURE() << "QEMU's job is pinned by tests/mirror_spec_test.cc";
      break;
    case engine::Algorithm::kIoMirror:
      r = engine::resolve_io_mirror_params(p, source, target, false);
      break;
    case engine::Algorithm::kSnapshot:
      r = engine::resolve_snapshot_params(p, source, target, false);
      take_switch(engine::resolve_snapshot_switch(p, r.granularity_bytes), out);
      break;
    case engine::Algorithm::kPrecopy:
      r = engine::resolve_precopy_params(p, source, target, false);
      take_switch(engine::resolve_precopy_switch(p, r.granularity_bytes), out);
      break;
  }
  out.unit_bytes = r.granularity_bytes;
  out.ops = r.max_in_flight_ops;
  out.buffer_bytes = r.buf_size_bytes;
  return out;
}

// Each algorithm's rules as its spec states them (properties/*_spec.h).
struct SpecRules {
  std::uint64_t (*unit_bytes)(std::uint64_t requested_bytes,
                              const properties::spec::TargetAtStart& target);
  std::uint32_t (*max_copy_ops)(std::uint32_t requested);
  std::uint64_t (*buffer_bytes)(std::uint64_t unit_bytes, std::uint32_t max_copy_ops);
  // nullptr: io-mirror has no switch-over threshold and no passes.
  std::uint64_t (*switch_bytes)(std::uint64_t requested_bytes, std::uint64_t unit_bytes) = nullptr;
  std::uint32_t (*max_passes)(std::uint32_t requested) = nullptr;
};

SpecRules spec_rules(engine::Algorithm algorithm) {
  switch (algorithm) {
    case engine::Algorithm::kSnapshot:
      return {snap_spec::block_bytes, snap_spec::max_copy_ops, snap_spec::buffer_bytes,
              snap_spec::switch_bytes, snap_spec::max_passes};
    case engine::Algorithm::kPrecopy:
      return {pc_spec::block_bytes, pc_spec::max_copy_ops, pc_spec::buffer_bytes,
              pc_spec::switch_bytes, pc_spec::max_passes};
    case engine::Algorithm::kIoMirror:
    case engine::Algorithm::kQemu:  // refused by engine_resolves()
      break;
  }
  return {io_spec::region_bytes, io_spec::max_copy_ops, io_spec::buffer_bytes};
}

Resolved spec_says(const ResolveCase& c) {
  const properties::spec::TargetAtStart at_start{c.cluster, c.named, c.attached};
  const SpecRules rules = spec_rules(c.algorithm);
  Resolved out;
  out.unit_bytes = rules.unit_bytes(c.unit_bytes, at_start);
  out.ops = rules.max_copy_ops(c.ops);
  out.buffer_bytes = rules.buffer_bytes(out.unit_bytes, out.ops);
  if (rules.switch_bytes) out.switch_bytes = rules.switch_bytes(c.switch_bytes, out.unit_bytes);
  if (rules.max_passes) out.max_passes = rules.max_passes(c.passes);
  return out;
}

class ResolvesItsParametersAsTheSpecSays : public testing::TestWithParam<ResolveCase> {};

TEST_P(ResolvesItsParametersAsTheSpecSays, UnitOpsBufferSwitchAndPasses) {
  const ResolveCase& c = GetParam();
  const Resolved got = engine_resolves(c);
  const Resolved want = spec_says(c);
  EXPECT_EQ(got.unit_bytes, want.unit_bytes) << c.unit_bytes << " " << c.cluster;
  EXPECT_EQ(got.ops, want.ops);
  EXPECT_EQ(got.buffer_bytes, want.buffer_bytes);
  EXPECT_EQ(got.switch_bytes, want.switch_bytes);
  EXPECT_EQ(got.max_passes, want.max_passes);
}

constexpr auto kIo = engine::Algorithm::kIoMirror;
constexpr auto kSnap = engine::Algorithm::kSnapshot;
constexpr auto kPre = engine::Algorithm::kPrecopy;

INSTANTIATE_TEST_SUITE_P(
    Algorithms, ResolvesItsParametersAsTheSpecSays,
    testing::Values(
        // io-mirror: defaults; a small region raised to the cluster of a
        // target that zero-fills, not raised once its backing is attached;
        // the largest ops; the smallest region.
        ResolveCase{"IoMirrorDefaults", kIo, 0, 0, 0, false, false},
        ResolveCase{"IoMirrorRaisedToCluster", kIo, 4 * kKiB, 3, 64 * kKiB, true, false},
        ResolveCase{"IoMirrorBackingAttached", kIo, 4 * kKiB, 3, 64 * kKiB, true, true},
        ResolveCase{"IoMirrorMostOps", kIo, 2 * kMiB, 64, 64 * kKiB, true, false},
        ResolveCase{"IoMirrorSmallest", kIo, 512, 1, 0, false, false},
        // snapshot: the same, with switch_bytes and max_passes.
        ResolveCase{"SnapshotDefaults", kSnap, 0, 0, 0, false, false, 0, 0},
        ResolveCase{"SnapshotRaisedToCluster", kSnap, 4 * kKiB, 3, 64 * kKiB, true, false, 512, 1},
        ResolveCase{"SnapshotBackingAttached", kSnap, 4 * kKiB, 3, 64 * kKiB, true, true, 0, 1000},
        ResolveCase{"SnapshotMostOps", kSnap, 2 * kMiB, 64, 64 * kKiB, true, false, 3 * kMiB, 7},
        // precopy: the same.
        ResolveCase{"PrecopyDefaults", kPre, 0, 0, 0, false, false, 0, 0},
        ResolveCase{"PrecopyRaisedToCluster", kPre, 4 * kKiB, 3, 64 * kKiB, true, false, 0, 2},
        ResolveCase{"PrecopyBackingAttached", kPre, 4 * kKiB, 3, 64 * kKiB, true, true, 1 * kMiB,
                    1},
        ResolveCase{"PrecopyMostOps", kPre, 2 * kMiB, 64, 64 * kKiB, true, false, 512, 1000},
        ResolveCase{"PrecopySmallest", kPre, 512, 1, 0, false, false, 0, 0}),
    [](const testing::TestParamInfo<ResolveCase>& info) { return info.param.name; });

}  // namespace
}  // namespace mirrorsim
