// Parameters of a mirror job (MIRROR.md "Parameters"), their names as
// written in scenarios and on the command line, and their resolution into
// the values a job runs with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/algorithm.h"
#include "engine/block_device.h"
#include "engine/known_bugs.h"
#include "engine/profile.h"

namespace mirrorsim::engine {

enum class SyncMode : std::uint8_t { kFull, kTop, kNone };
enum class CopyMode : std::uint8_t { kBackground, kWriteBlocking };
enum class ErrorPolicy : std::uint8_t { kReport, kIgnore, kStop, kEnospc };

std::string_view sync_mode_name(SyncMode mode);
std::string_view copy_mode_name(CopyMode mode);
std::string_view error_policy_name(ErrorPolicy policy);
// Each returns nullopt for an unknown name.
std::optional<SyncMode> parse_sync_mode(std::string_view name);
std::optional<CopyMode> parse_copy_mode(std::string_view name);
std::optional<ErrorPolicy> parse_error_policy(std::string_view name);

struct MirrorParams {
  SyncMode sync = SyncMode::kFull;
  CopyMode copy_mode = CopyMode::kBackground;
  std::uint64_t granularity_bytes = 0;  // 0: default from the target's clusters
  std::int64_t buf_size_bytes = 0;      // 0: default; negative is an error
  std::int64_t speed_bytes_per_s = 0;   // 0: unlimited; negative is an error
  ErrorPolicy on_source_error = ErrorPolicy::kReport;
  ErrorPolicy on_target_error = ErrorPolicy::kReport;
  bool unmap = true;
  bool target_is_zero = false;
  BugSet bugs;
  Profile profile = Profile::kDefault;  // adds profile_literals(profile) to bugs
  // Which algorithm runs (engine/mirror_algorithm.h). The parameters above
  // are the QEMU job's; the other algorithms read sync, speed, the error
  // policies, unmap and bugs, and these (0: the default, docs/algorithms.md):
  Algorithm algorithm = Algorithm::kQemu;
  // The copy unit: io-mirror's region, pre-copy's dirty block, snapshot's
  // delta block.
  std::uint64_t region_bytes = 0;
  std::uint32_t max_copy_ops = 0;  // copy ops in flight at once
  // Pre-copy and snapshot: switch over (pause the guest, copy the rest) once
  // what is left is at most switch_bytes, or after max_passes passes.
  std::uint64_t switch_bytes = 0;
  std::uint32_t max_passes = 0;
  // Pre-copy: the longest downtime it may plan for (0: no limit), and what it
  // does when its passes end with more left than that.
  std::int64_t max_downtime_ns = 0;
  DowntimeAction on_downtime_limit = DowntimeAction::kForce;

  friend bool operator==(const MirrorParams&, const MirrorParams&) = default;
};

// Thrown at job start for parameters or devices the job cannot run with.
class MirrorConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The values a job runs with, after defaults and the COW rule.
struct ResolvedParams {
  std::uint64_t length_bytes = 0;
  std::uint64_t granularity_bytes = 0;
  std::uint64_t buf_size_bytes = 0;        // multiple of granularity
  std::uint64_t max_io_bytes = 0;          // cap of one copy op holding data
  std::uint32_t max_in_flight_ops = 0;     // background ops in flight at once
  std::uint64_t target_cluster_bytes = 0;  // 0: target has no clusters
  bool cow = false;                        // the per-chunk COW bitmap is in use
  // The target is clustered and names a backing image it has not attached:
  // any write covering part of an unallocated cluster zero-fills the rest.
  bool target_fills_zeroes = false;
};

// Checks the start-time rules of MIRROR.md and resolves defaults. Throws
// MirrorConfigError with a message naming the parameter and what is allowed.
ResolvedParams resolve_params(const MirrorParams& params, const DeviceInfo& source,
                              const DeviceInfo& target, bool same_device);

}  // namespace mirrorsim::engine
