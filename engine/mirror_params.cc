#include "engine/mirror_params.h"

#include <algorithm>
#include <string>

#include "engine/limits.h"

namespace mirrorsim::engine {
namespace {

bool is_power_of_two(std::uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

std::uint64_t round_up(std::uint64_t v, std::uint64_t multiple) {
  return (v + multiple - 1) / multiple * multiple;
}

}  // namespace

std::string_view sync_mode_name(SyncMode mode) {
  switch (mode) {
    case SyncMode::kFull:
      return "full";
    case SyncMode::kTop:
      return "top";
    case SyncMode::kNone:
      return "none";
  }
  return "?";
}

std::string_view copy_mode_name(CopyMode mode) {
  return mode == CopyMode::kBackground ? "background" : "write-blocking";
}

std::string_view error_policy_name(ErrorPolicy policy) {
  switch (policy) {
    case ErrorPolicy::kReport:
      return "report";
    case ErrorPolicy::kIgnore:
      return "ignore";
    case ErrorPolicy::kStop:
      return "stop";
    case ErrorPolicy::kEnospc:
      return "enospc";
  }
  return "?";
}

std::optional<SyncMode> parse_sync_mode(std::string_view name) {
  for (SyncMode m : {SyncMode::kFull, SyncMode::kTop, SyncMode::kNone}) {
    if (sync_mode_name(m) == name) return m;
  }
  return std::nullopt;
}

std::optional<CopyMode> parse_copy_mode(std::string_view name) {
  for (CopyMode m : {CopyMode::kBackground, CopyMode::kWriteBlocking}) {
    if (copy_mode_name(m) == name) return m;
  }
  return std::nullopt;
}

std::optional<ErrorPolicy> parse_error_policy(std::string_view name) {
  for (ErrorPolicy p :
       {ErrorPolicy::kReport, ErrorPolicy::kIgnore, ErrorPolicy::kStop, ErrorPolicy::kEnospc}) {
    if (error_policy_name(p) == name) return p;
  }
  return std::nullopt;
}

ResolvedParams resolve_params(const MirrorParams& params, const DeviceInfo& source,
                              const DeviceInfo& target, bool same_device) {
  if (same_device) {
    throw MirrorConfigError("cannot mirror device '" + source.name + "' into itself");
  }
  // Fixed by e83dd680: compare the lengths before copying anything.
  if (!params.bugs.has(Bug::kNoSizeCheck) && source.length != target.length) {
    throw MirrorConfigError("source '" + source.name + "' is " + std::to_string(source.length) +
                            " bytes but target '" + target.name + "' is " +
                            std::to_string(target.length) + " bytes; lengths must be equal");
  }
  if (params.buf_size_bytes < 0) {
    throw MirrorConfigError("buf-size " + std::to_string(params.buf_size_bytes) +
                            " is negative; allowed: 0 (default) or a positive byte count");
  }
  if (params.speed_bytes_per_s < 0) {
    throw MirrorConfigError("speed " + std::to_string(params.speed_bytes_per_s) +
                            " is negative; allowed: 0 (unlimited) or bytes per second");
  }

  ResolvedParams r;
  r.length_bytes = source.length;
  r.target_cluster_bytes = target.cluster_bytes;
  if (params.granularity_bytes == 0) {
    r.granularity_bytes = target.cluster_bytes == 0
                              ? kDefaultGranularityMaxBytes
                              : std::clamp(target.cluster_bytes, kDefaultGranularityMinBytes,
                                           kDefaultGranularityMaxBytes);
  } else {
    if (!is_power_of_two(params.granularity_bytes) ||
        params.granularity_bytes < kGranularityMinBytes ||
        params.granularity_bytes > kGranularityMaxBytes) {
      throw MirrorConfigError("granularity " + std::to_string(params.granularity_bytes) +
                              " is not allowed; allowed: a power of two from 512 to 67108864");
    }
    r.granularity_bytes = params.granularity_bytes;
  }

  std::uint64_t buf = params.buf_size_bytes == 0
                          ? kDefaultBufferBytes
                          : static_cast<std::uint64_t>(params.buf_size_bytes);
  buf = round_up(buf, r.granularity_bytes);

  // The COW rule: a target whose backing image is named but not attached
  // fills untouched parts of a freshly allocated cluster with zeroes, so
  // copies into clusters larger than a chunk must cover whole clusters.
  r.target_fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  r.cow = r.target_fills_zeroes && r.granularity_bytes < target.cluster_bytes;
  // Fixed by 48ac0a4d: a widened copy needs room for one whole cluster.
  if (r.cow && !params.bugs.has(Bug::kBufBelowCluster)) {
    buf = std::max(buf, target.cluster_bytes);
  }
  r.buf_size_bytes = buf;
  // The drift is the kind an engineer makes "for throughput": every use of
  // the limit follows it, the engine's own assertion included.
  r.max_in_flight_ops =
      params.bugs.has(Bug::kInflightLimitDrift) ? 2 * kMaxInFlightOps : kMaxInFlightOps;
  r.max_io_bytes = std::max({buf / r.max_in_flight_ops, kMaxIoFloorBytes, r.granularity_bytes});
  // QEMU caps a copy at its iovec in every version (mirror_co_read()).
  r.max_io_bytes = std::min(r.max_io_bytes, r.granularity_bytes * kMaxIovPieces);
  r.max_io_bytes = r.max_io_bytes / r.granularity_bytes * r.granularity_bytes;
  return r;
}

}  // namespace mirrorsim::engine
