#include "reports/qemu_sibling_chain.h"

#include <algorithm>

#include "engine/limits.h"

namespace mirrorsim::reports {

std::optional<SiblingChain> find_sibling_chain(const scenarios::Scenario& s,
                                               std::span<const sim::GuestRequest> requests,
                                               std::span<const engine::TimeNs> landed,
                                               std::span<const SimCopyOp> ops,
                                               const std::optional<LostWrite>& lost,
                                               std::optional<engine::TimeNs> ready) {
  // QEMU widens when the target's cluster is larger than the granularity
  // (by default the cluster, clamped to 4..64 KiB) and its backing is not
  // attached yet; P must allocate the cluster (so S waits behind it in
  // qcow2); the speed and every command are the script's to give.
  const std::uint64_t cluster = s.target.cluster_bytes;
  const std::uint64_t granularity = s.mirror.granularity_bytes != 0
                                        ? s.mirror.granularity_bytes
                                        : std::clamp(cluster, engine::kDefaultGranularityMinBytes,
                                                     engine::kDefaultGranularityMaxBytes);
  const bool geometry = s.target.kind == scenarios::DiskKind::kCluster && !s.target.old_data &&
                        s.target.backing == scenarios::Backing::kAtPivot && cluster > granularity &&
                        s.mirror.copy_mode == scenarios::CopyMode::kBackground &&
                        s.mirror.speed_bytes_per_s == 0;
  const bool only_complete = std::all_of(
      s.commands.begin(), s.commands.end(),
      [](const scenarios::Command& c) { return c.kind == scenarios::CommandKind::kComplete; });
  if (!geometry || !only_complete || !lost || lost->length == 0 || ops.size() < 3 ||
      lost->request >= requests.size()) {
    return std::nullopt;
  }
  SiblingChain chain{0, 1, 0, lost->request, lost->offset, lost->length};
  const SimCopyOp& p = ops[chain.first];
  const SimCopyOp& stale = ops[chain.stale];
  sim::GuestRequest q = requests[chain.request];
  q.offset = lost->offset;
  q.length = lost->length;
  const engine::TimeNs q_landed = chain.request < landed.size() ? landed[chain.request] : q.time;
  // (Ops come in start order: P started first.)
  const bool siblings = p.offset == stale.offset && p.length == stale.length &&
                        p.offset % cluster == 0 && p.length == cluster &&
                        overlaps(p.offset, p.length, q.offset, q.length);
  if (!siblings || !read_before(p, q, q_landed) || !read_before(stale, q, q_landed) ||
      stale.start > q.time || stale.end <= q.time || (ready && *ready <= stale.end)) {
    return std::nullopt;
  }
  // The script sends the later requests once S has landed: none may come
  // before that in the simulation.
  for (std::size_t r = chain.request + 1; r < requests.size(); ++r) {
    if (requests[r].time < stale.end) return std::nullopt;
  }
  // F: a copy of the range that read it after the request landed, issued
  // once P had ended and ended before S.
  for (std::size_t k = 2; k < ops.size(); ++k) {
    const SimCopyOp& f = ops[k];
    if (overlaps(f.offset, f.length, q.offset, q.length) && !read_before(f, q, q_landed) &&
        f.start >= p.end && f.end < stale.end) {
      chain.fresh = k;
      return chain;
    }
  }
  return std::nullopt;
}

}  // namespace mirrorsim::reports
