// io-mirror's parameters and commands: each command checks the job's state,
// throws JobCommandError when it does not allow it, and otherwise leaves a
// request in commands_ (engine/job_commands.h) for the job's task.
#include <string>

#include "engine/io_mirror_job.h"
#include "engine/limits.h"

namespace mirrorsim::engine {

ResolvedParams resolve_io_mirror_params(const MirrorParams& params, const DeviceInfo& source,
                                        const DeviceInfo& target, bool same_device) {
  if (same_device) {
    throw MirrorConfigError("cannot mirror device '" + source.name + "' into itself");
  }
  if (source.length != target.length) {
    throw MirrorConfigError("source '" + source.name + "' is " + std::to_string(source.length) +
                            " bytes but target '" + target.name + "' is " +
                            std::to_string(target.length) + " bytes; lengths must be equal");
  }
  if (params.speed_bytes_per_s < 0) {
    throw MirrorConfigError("speed " + std::to_string(params.speed_bytes_per_s) +
                            " is negative; allowed: 0 (unlimited) or bytes per second");
  }
  const std::uint64_t region =
      params.region_bytes == 0 ? kIoMirrorDefaultRegionBytes : params.region_bytes;
  if ((region & (region - 1)) != 0 || region < kCopyUnitMinBytes || region > kCopyUnitMaxBytes) {
    throw MirrorConfigError("region_bytes " + std::to_string(region) +
                            " is not allowed; allowed: 0 (default) or a power of two from " +
                            std::to_string(kCopyUnitMinBytes) + " to " +
                            std::to_string(kCopyUnitMaxBytes));
  }
  const std::uint32_t ops =
      params.max_copy_ops == 0 ? kIoMirrorDefaultCopyOps : params.max_copy_ops;
  if (ops > kMaxCopyOpsLimit) {
    throw MirrorConfigError("max_copy_ops " + std::to_string(ops) +
                            " is not allowed; allowed: 0 (default) or 1 to " +
                            std::to_string(kMaxCopyOpsLimit));
  }
  ResolvedParams r;
  r.length_bytes = source.length;
  r.target_cluster_bytes = target.cluster_bytes;
  // The COW rule: a target that zero-fills the rest of a fresh cluster gets
  // whole clusters only, so a region is at least one cluster.
  r.target_fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  r.cow = r.target_fills_zeroes && region < target.cluster_bytes;
  r.granularity_bytes = r.cow ? target.cluster_bytes : region;
  r.max_io_bytes = r.granularity_bytes;
  r.max_in_flight_ops = ops;
  r.buf_size_bytes = r.granularity_bytes * ops;
  return r;
}

AlgorithmPromises IoMirrorJob::promises() const {
  AlgorithmPromises p;
  p.converges_under_any_write_rate = true;
  return p;
}

void IoMirrorJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  resolved_ =
      resolve_io_mirror_params(params_, source_.info(), target_.info(), &source_ == &target_);
  rate_.set_speed(static_cast<std::uint64_t>(params_.speed_bytes_per_s));
  // sync=none: only writes from now on are copied, so everything is behind
  // the cursor from the start.
  if (params_.sync == SyncMode::kNone) {
    copied_end_ = resolved_.length_bytes;
    issued_end_ = resolved_.length_bytes;
  }
  guest_drain_.begin();  // no guest write may straddle the moment mirroring starts
  intercepting_ = true;
  guest_drain_.end();
  start_time_ = runtime_.now();
  task_ = runtime_.spawn("io-mirror-job", [this] { run(); });
}

void IoMirrorJob::complete() {
  commands_.request_complete(state());
  kick();
}

void IoMirrorJob::switch_to_write_blocking() {
  throw JobCommandError(
      "change copy-mode: io-mirror has no background mode; every write behind its cursor is "
      "mirrored already");
}

}  // namespace mirrorsim::engine
