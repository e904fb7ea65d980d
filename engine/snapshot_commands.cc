// snapshot's parameters and commands: each command checks the job's state,
// throws JobCommandError when it does not allow it, and otherwise leaves a
// request in commands_ (engine/job_commands.h) for the job's task.
#include <string>

#include "engine/io_mirror_job.h"
#include "engine/limits.h"
#include "engine/snapshot_job.h"

namespace mirrorsim::engine {

ResolvedParams resolve_snapshot_params(const MirrorParams& params, const DeviceInfo& source,
                                       const DeviceInfo& target, bool same_device) {
  return resolve_io_mirror_params(params, source, target, same_device);
}

SnapshotSwitch resolve_snapshot_switch(const MirrorParams& params, std::uint64_t block_bytes) {
  if (params.switch_bytes % kSectorSize != 0) {
    throw MirrorConfigError("switch_bytes " + std::to_string(params.switch_bytes) +
                            " is not allowed; allowed: 0 (default) or a multiple of 512 bytes");
  }
  if (params.max_passes > kMaxPassesLimit) {
    throw MirrorConfigError("max_passes " + std::to_string(params.max_passes) +
                            " is not allowed; allowed: 0 (default) or 1 to " +
                            std::to_string(kMaxPassesLimit));
  }
  SnapshotSwitch s;
  s.switch_bytes =
      params.switch_bytes == 0 ? kSnapshotDefaultSwitchBlocks * block_bytes : params.switch_bytes;
  s.max_passes = params.max_passes == 0 ? kSnapshotDefaultMaxPasses : params.max_passes;
  return s;
}

// READY comes after at most max_passes rounds whatever the guest writes, so
// a run stuck before it is a liveness violation. After READY the rounds go
// on, and a guest that writes faster than they copy keeps them from getting
// smaller: an outcome, as for a background-mode job.
AlgorithmPromises SnapshotJob::promises() const {
  AlgorithmPromises p;
  p.converges_under_any_write_rate = !ready_;
  p.pauses_guest_at_switch = true;
  p.point_in_time_cancel = true;
  return p;
}

void SnapshotJob::start() {
  if (state() != JobState::kCreated) throw JobCommandError("start: the job was started already");
  resolved_ =
      resolve_snapshot_params(params_, source_.info(), target_.info(), &source_ == &target_);
  switch_ = resolve_snapshot_switch(params_, resolved_.granularity_bytes);
  rate_.set_speed(static_cast<std::uint64_t>(params_.speed_bytes_per_s));
  const std::uint64_t block = resolved_.granularity_bytes;
  const std::uint64_t blocks = (resolved_.length_bytes + block - 1) / block;
  round_.assign(blocks, Block::kOut);
  written_.assign(blocks, 0);
  // Round 0 freezes the image as it is now; no guest write straddles the
  // moment. sync=none copies nothing in it: only what is written from now.
  guest_drain_.begin();
  intercepting_ = true;
  if (params_.sync != SyncMode::kNone) {
    for (std::uint64_t b = 0; b < blocks; ++b) round_[b] = Block::kPending;
    round_left_ = blocks;
    owed_blocks_ = blocks;
  }
  rounds_begun_ = 1;
  round_open_ = true;
  guest_drain_.end();
  start_time_ = runtime_.now();
  task_ = runtime_.spawn("snapshot-job", [this] { run(); });
}

void SnapshotJob::complete() {
  commands_.request_complete(state());
  kick();
}

void SnapshotJob::switch_to_write_blocking() {
  throw JobCommandError(
      "change copy-mode: snapshot has no write-blocking mode; it copies in rounds and pauses "
      "the guest for the last one");
}

}  // namespace mirrorsim::engine
