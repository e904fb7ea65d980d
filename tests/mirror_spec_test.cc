// The engine's constants and parameter resolution against the oracles' own
// statement of MIRROR.md (properties/mirror_spec.h). The oracles never read
// engine/limits.h; this test is where the two must agree, so a limit that
// drifts in the engine fails here instead of dragging its oracle along.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "engine/limits.h"
#include "engine/mirror_params.h"
#include "properties/mirror_spec.h"

namespace mirrorsim {
namespace {

namespace spec = properties::spec;

TEST(MirrorSpec, EngineConstantsAreTheSpecification) {
  EXPECT_EQ(engine::kMaxInFlightOps, spec::kMaxInFlightOps);
  EXPECT_EQ(engine::kDefaultBufferBytes, spec::kDefaultBufSizeBytes);
  EXPECT_EQ(engine::kMaxIoFloorBytes, spec::kMaxOpFloorBytes);
  EXPECT_EQ(engine::kMaxIovPieces, spec::kMaxIovPieces);
  EXPECT_EQ(engine::kSliceNs, spec::kRateSliceNs);
  EXPECT_EQ(engine::kGranularityMinBytes, spec::kGranularityMinBytes);
  EXPECT_EQ(engine::kGranularityMaxBytes, spec::kGranularityMaxBytes);
  EXPECT_EQ(engine::kDefaultGranularityMinBytes, spec::kDefaultGranularityMinBytes);
  EXPECT_EQ(engine::kDefaultGranularityMaxBytes, spec::kDefaultGranularityMaxBytes);
}

// Every combination of requested granularity and buffer, target cluster and
// backing state: the engine resolves what the specification says.
TEST(MirrorSpec, EngineResolvesParametersAsSpecified) {
  constexpr std::uint64_t kLength = 64 * spec::kMiB;
  int combinations = 0;
  for (std::uint64_t granularity : {0ULL, 512ULL, 4096ULL, 65536ULL, 1ULL << 20}) {
    for (std::int64_t buf : {0LL, 1LL, 4096LL, 100'000LL, 1LL << 20, 48LL << 20}) {
      for (std::uint64_t cluster : {0ULL, 512ULL, 4096ULL, 65536ULL, 1ULL << 20, 2ULL << 20}) {
        for (int backing = 0; backing < 3; ++backing) {
          engine::DeviceInfo source{"source", kLength, 65536, false, false, true, false};
          engine::DeviceInfo target{"target",     kLength, cluster, backing > 0,
                                    backing == 2, true,    false};
          engine::MirrorParams params;
          params.granularity_bytes = granularity;
          params.buf_size_bytes = buf;
          const engine::ResolvedParams r = engine::resolve_params(params, source, target, false);
          const spec::TargetAtStart t{cluster, backing > 0, backing == 2};
          const std::uint64_t g = spec::granularity_bytes(granularity, t);
          const std::string where = "granularity " + std::to_string(granularity) + " buf " +
                                    std::to_string(buf) + " cluster " + std::to_string(cluster) +
                                    " backing " + std::to_string(backing);
          EXPECT_EQ(r.granularity_bytes, g) << where;
          EXPECT_EQ(r.cow, spec::cow(g, t)) << where;
          const std::uint64_t b = spec::buf_size_bytes(static_cast<std::uint64_t>(buf), g, t);
          EXPECT_EQ(r.buf_size_bytes, b) << where;
          EXPECT_EQ(r.max_io_bytes, spec::max_op_bytes(b, g)) << where;
          EXPECT_EQ(r.max_in_flight_ops, spec::kMaxInFlightOps) << where;
          ++combinations;
        }
      }
    }
  }
  EXPECT_EQ(combinations, 5 * 6 * 6 * 3);
}

}  // namespace
}  // namespace mirrorsim
