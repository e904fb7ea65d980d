// The order of the steps in cow_span() is part of the behaviour: round out,
// clamp to the disk end, then cut to max_bytes. With a buffer smaller than
// a cluster (only under Bug::kBufBelowCluster) the cut can reach past a
// clamped end; the job has always done that, and keeps doing it.
#include "engine/cow_span.h"

#include <algorithm>

namespace mirrorsim::engine {

bool covers_whole_clusters(ByteSpan span, const CowSpanRule& rule) {
  const std::uint64_t cluster = rule.cluster_bytes;
  if (cluster == 0) return true;
  const std::uint64_t end = span.end_bytes();
  return span.offset_bytes % cluster == 0 && (end % cluster == 0 || end == rule.disk_length_bytes);
}

ByteSpan cow_span(ByteSpan span, const CowSpanRule& rule) {
  const std::uint64_t cluster = rule.cluster_bytes;
  if (cluster == 0) return span;
  const std::uint64_t start = span.offset_bytes / cluster * cluster;
  std::uint64_t end = (span.end_bytes() + cluster - 1) / cluster * cluster;
  if (rule.clamp_to_disk_end) end = std::min(end, rule.disk_length_bytes);
  if (end - start > rule.max_bytes) {
    end = start + std::max(cluster, rule.max_bytes / cluster * cluster);
  }
  return ByteSpan{start, end - start};
}

}  // namespace mirrorsim::engine
