// Durable completion (ARCHITECTURE.md property 10): when the job says READY
// and when it pivots, the target's durable content (every volatile write
// dropped, as a power loss at that instant could) must equal what the
// source reads then, except where writes are still in flight through the
// job. A job that tells its user "in sync" must be in sync after a crash.
// A cancel after READY ends like a completion without the pivot (MIRROR.md,
// flush included): at its end the durable target must equal the source at
// some instant since the cancel, as point-in-time-copy asks of what the
// target reads (not judged after a power loss, whose disks are judged as
// they were before it).
//
// Left out of each comparison (a RangeMask):
//  - the whole span of every job op in flight (background copies and
//    write-blocking writes, COW-widened, pieces already landed included);
//  - the source range of every guest write, zero write or discard in
//    flight, or completed since the start of the last target flush before
//    that instant: the flush could not cover it, and READY speaks of the
//    instant the job found nothing dirty.
// The target is read as it will be opened: a backing attached only at the
// pivot is read under it already at READY. Judged only when the target has
// a write cache (without one its durable content is what it reads, and the
// pivot is completion-equality's).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "properties/content_provenance.h"
#include "properties/verdict.h"
#include "sim/disks/disk_view.h"

namespace mirrorsim::properties {

// One comparison, made at READY or at the pivot.
struct DurableComparison {
  std::string moment;  // "READY", "the pivot"
  engine::TimeNs time = 0;
  std::optional<sim::Difference> difference;  // outside the ranges left out
  std::optional<DifferenceSides> sides;       // what wrote each side there
};

struct DurableCompletionFacts {
  bool target_cache = false;
  std::vector<DurableComparison> comparisons;
};

Verdict check_durable_completion(const DurableCompletionFacts& facts);

}  // namespace mirrorsim::properties
