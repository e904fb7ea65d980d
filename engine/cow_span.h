// The COW rule's arithmetic: which bytes a copy into a clustered target
// must cover so that the target never fills part of a cluster with zeroes
// (MIRROR.md, "Algorithm" 3 and "Target devices"; QEMU b812f671).
//
// A target that names a backing image it has not attached yet allocates
// whole clusters, and fills the part of a fresh cluster that a write leaves
// out with zeroes instead of the backing's data. So a write that covers part
// of a cluster is widened to the clusters it touches, and the job copies
// those from the source. Both the background copy (mirror_job.cc) and the
// write-blocking guest write (mirror_job_guest.cc) use this one rule.
//
// What it guarantees, for a rule with cluster_bytes != 0 and a span inside
// the disk:
//  1. cow_span() contains its input span (unless cut by 3), starts on a
//     cluster boundary and ends on one or at the disk end (with
//     clamp_to_disk_end false: always on one, possibly past the disk end).
//  2. It is the smallest such span: it touches no cluster the input does not.
//  3. When the widened span is longer than max_bytes, it is cut to start
//     plus max(one cluster, max_bytes rounded down to clusters); the cut
//     span may then miss the input's end, and the caller copies the rest
//     with a later op.
//  4. A span that already meets 1 (covers_whole_clusters() is true) comes
//     back unchanged.
//  5. With cluster_bytes == 0 (the target has no clusters) every span
//     already covers whole clusters and comes back unchanged.
//
// Pure functions: no state, no I/O, safe from any task.
#pragma once

#include <cstdint>
#include <limits>

#include "engine/byte_span.h"

namespace mirrorsim::engine {

// How to widen. A value.
struct CowSpanRule {
  std::uint64_t cluster_bytes = 0;  // the target's cluster size; 0: no clusters
  std::uint64_t disk_length_bytes = 0;
  // Only Bug::kCowPastEnd (fixed by 4150ae60) widens past the disk end.
  bool clamp_to_disk_end = true;
  // The longest span one op may cover (a background copy: the buffer).
  std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();
};

// True when `span` starts on a cluster boundary and ends on one or at the
// disk end: a write of it leaves no part of a cluster to fill.
bool covers_whole_clusters(ByteSpan span, const CowSpanRule& rule);

// `span` widened outward to whole clusters (see the guarantees above).
ByteSpan cow_span(ByteSpan span, const CowSpanRule& rule);

}  // namespace mirrorsim::engine
