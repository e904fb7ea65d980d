// Pre-copy's parameters and commands: each command checks the job's state,
// throws JobCommandError when it does not allow it, and otherwise leaves a
// request in commands_ (engine/job_commands.h) for the job's task.
#include <string>

#include "engine/precopy_job.h"

namespace mirrorsim::engine {

ResolvedParams resolve_precopy_params(const MirrorParams& params, const DeviceInfo& source,
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
  const std::uint64_t block =
      params.region_bytes == 0 ? kPrecopyDefaultBlockBytes : params.region_bytes;
  if ((block & (block - 1)) != 0 || block < kCopyUnitMinBytes || block > kCopyUnitMaxBytes) {
    throw MirrorConfigError("region_bytes " + std::to_string(block) +
                            " is not allowed; allowed: 0 (default) or a power of two from " +
                            std::to_string(kCopyUnitMinBytes) + " to " +
                            std::to_string(kCopyUnitMaxBytes));
  }
  const std::uint32_t ops = params.max_copy_ops == 0 ? kPrecopyDefaultCopyOps : params.max_copy_ops;
  if (ops > kMaxCopyOpsLimit) {
    throw MirrorConfigError("max_copy_ops " + std::to_string(ops) +
                            " is not allowed; allowed: 0 (default) or 1 to " +
                            std::to_string(kMaxCopyOpsLimit));
  }
  if (params.max_passes > kMaxPassesLimit) {
    throw MirrorConfigError("max_passes " + std::to_string(params.max_passes) +
                            " is not allowed; allowed: 0 (default) or 1 to " +
                            std::to_string(kMaxPassesLimit));
  }
  if (params.max_downtime_ns < 0) {
    throw MirrorConfigError("max_downtime " + std::to_string(params.max_downtime_ns) +
                            " ns is negative; allowed: 0 (no limit) or a duration");
  }
  ResolvedParams r;
  r.length_bytes = source.length;
  r.target_cluster_bytes = target.cluster_bytes;
  // The COW rule: a copy into a target that zero-fills the rest of a fresh
  // cluster must cover whole clusters, so a block is at least one cluster.
  r.target_fills_zeroes =
      target.cluster_bytes != 0 && target.backing_named && !target.backing_attached;
  r.cow = r.target_fills_zeroes && block < target.cluster_bytes;
  r.granularity_bytes = r.cow ? target.cluster_bytes : block;
  r.max_io_bytes = r.granularity_bytes;
  r.max_in_flight_ops = ops;
  r.buf_size_bytes = r.granularity_bytes * ops;
  return r;
}

PrecopyResolved resolve_precopy_switch(const MirrorParams& params, std::uint64_t block_bytes) {
  PrecopyResolved s;
  s.switch_bytes =
      params.switch_bytes == 0 ? kPrecopyDefaultSwitchBlocks * block_bytes : params.switch_bytes;
  s.max_passes = params.max_passes == 0 ? kPrecopyDefaultMaxPasses : params.max_passes;
  return s;
}

AlgorithmPromises PrecopyJob::promises() const {
  AlgorithmPromises p;
  // A guest that dirties as fast as the job copies keeps the dirty set from
  // shrinking; the passes still end (max_passes), so READY or the downtime
  // abort comes, but what is left then may be large.
  p.converges_under_any_write_rate = false;
  p.pauses_guest_at_switch = true;
  // A soft cancel after READY runs the switch-over without the pivot: the
  // guest is paused while the rest is copied, so the target is the source
  // as it was at the pause.
  p.point_in_time_cancel = true;
  return p;
}

void PrecopyJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  resolved_ = resolve_precopy_params(params_, source_.info(), target_.info(), &source_ == &target_);
  switch_ = resolve_precopy_switch(params_, resolved_.granularity_bytes);
  dirty_.emplace(resolved_.length_bytes, resolved_.granularity_bytes);
  rate_.set_speed(static_cast<std::uint64_t>(params_.speed_bytes_per_s));
  guest_drain_.begin();  // no guest write may straddle the moment tracking starts
  intercepting_ = true;
  guest_drain_.end();
  start_time_ = runtime_.now();
  task_ = runtime_.spawn("precopy-job", [this] { run(); });
}

void PrecopyJob::complete() {
  commands_.request_complete(state());
  kick();
  op_done_.wake_all();  // a job waiting for a copy slot starts the switch-over at once
}

void PrecopyJob::switch_to_write_blocking() {
  throw JobCommandError(
      "change copy-mode: precopy has no write-blocking mode; it copies dirty blocks in passes "
      "and pauses the guest at the switch-over instead");
}

}  // namespace mirrorsim::engine
