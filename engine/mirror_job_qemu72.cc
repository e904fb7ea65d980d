// The qemu-7.2 profile's in-flight chunk bitmap, as v7.2.0 block/mirror.c
// keeps its in_flight_bitmap. The default engine tracks ops by exact byte
// ranges instead (engine/inflight_ops.h); here a chunk is "in flight" only
// while its bit is set, and bits are set and cleared over different ranges:
//  - mirror_iteration() sets them over the run of chunks it claims, before
//    mirror_cow_align() widens an op (mirror_iteration:552);
//  - mirror_iteration_done() clears them over the op's widened range
//    (mirror_iteration_done:209), wiping bits other ops still hold;
//  - active_write_prepare() sets them over a write-blocking write's chunks
//    (:1398) and active_write_settle() clears them (:1422).
// What goes wrong with it: scenarios/regressions/qemu-7.2/.
#include <algorithm>

#include "engine/mirror_job.h"

namespace mirrorsim::engine {
namespace {

struct ChunkRange {
  std::uint64_t first = 0;
  std::uint64_t end = 0;  // exclusive
};

ChunkRange chunks_of(ByteSpan span, std::uint64_t granularity) {
  return {span.offset_bytes / granularity, (span.end_bytes() + granularity - 1) / granularity};
}

}  // namespace

bool MirrorJob::chunk_in_flight(std::uint64_t chunk) const {
  return chunk < inflight_chunks_->chunks() && inflight_chunks_->test_chunk(chunk);
}

void MirrorJob::mark_chunks_in_flight(ByteSpan span) {
  const ChunkRange c = chunks_of(span, resolved_.granularity_bytes);
  const std::uint64_t end = std::min(c.end, inflight_chunks_->chunks());
  if (end > c.first) inflight_chunks_->set_chunks(c.first, end - c.first);
}

void MirrorJob::clear_chunks_in_flight(ByteSpan span) {
  const ChunkRange c = chunks_of(span, resolved_.granularity_bytes);
  const std::uint64_t end = std::min(c.end, inflight_chunks_->chunks());
  if (end > c.first) inflight_chunks_->reset_chunks(c.first, end - c.first);
}

// mirror_wait_on_conflicts() (v7.2.0 block/mirror.c:135-186): while an
// in-flight BIT in the range is set, wait for the first op in the list whose
// (widened) chunk range overlaps, then look again. An op widened past its
// bits is not waited for unless some bit in the range is set.
void MirrorJob::wait_on_inflight_bits(ByteSpan span, std::uint64_t self_id) {
  const std::uint64_t g = resolved_.granularity_bytes;
  const ChunkRange self = chunks_of(span, g);
  auto any_bit_set = [&] {
    for (std::uint64_t c = self.first; c < self.end; ++c) {
      if (chunk_in_flight(c)) return true;
    }
    return false;
  };
  // QEMU also stops waiting once the job has failed (`s->ret >= 0`, :145);
  // the profile keeps waiting, as the default engine does: the target is
  // abandoned then, and overlapping writes to it would only hide, behind
  // the bounds property, what the bookkeeping does to a live job.
  while (any_bit_set()) {
    std::uint64_t blocker = 0;
    for (const InflightOp& op : ops_.ops()) {
      if (op.id == self_id) continue;
      const ChunkRange other = chunks_of(op.span, g);
      if (other.first < self.end && self.first < other.end) {
        blocker = op.id;
        break;
      }
    }
    // A bit with no op over it: QEMU would loop here without yielding.
    // Bits are only set under an op, so this does not happen; go on.
    if (blocker == 0) return;
    op_done_.wait_until([&] { return !ops_.contains(blocker); });
  }
}

}  // namespace mirrorsim::engine
