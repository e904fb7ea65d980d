// The mirror job's table of ops in flight: background copies, zeroes and
// discards, write-blocking guest writes, and the stand-in op of the
// iteration being planned. The job waits on it for conflicts and for room.
//
// What it guarantees:
//  1. Ids start at 1, grow, and are never reused; ops() lists the ops in id
//     order, so every scan over them is deterministic.
//  2. background_count() is the number of ops added with background set, and
//     never exceeds max_background() (kMaxInFlightOps unless set): adding one
//     more throws InvariantViolation.
//  3. active_write_count() is the number of ops of kind kActiveWrite.
//  4. In-flight tracking is by exact byte ranges, not per chunk: two ops may
//     share a chunk, and removing one leaves the other's range in place.
//  5. An id that is not in the table is a caller bug: at() and remove()
//     throw InvariantViolation and change nothing.
//
// Costs: at most kMaxInFlightOps background ops, one stand-in, and one op
// per write-blocking guest write, so a few dozen; ids only grow, so a vector
// appended to beats a map. add() is amortised O(1); at() is O(log n);
// remove() and the scans are O(n).
//
// Not thread-safe: the job's cooperative tasks share it. A reference from
// at() lasts until the next add() or remove(). Copying is switched off: the
// ops hold buffer pieces, and one job has one table.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/byte_span.h"
#include "engine/job_observer.h"
#include "engine/limits.h"

namespace mirrorsim::engine {

struct InflightOp {
  std::uint64_t id = 0;
  OpKind kind = OpKind::kCopy;
  ByteSpan span;
  bool background = true;             // counts against kMaxInFlightOps
  bool pseudo = false;                // stands for a whole iteration, does no I/O
  std::vector<std::uint32_t> pieces;  // buffer pieces the op holds
};

class InflightOps {
 public:
  InflightOps() = default;
  InflightOps(const InflightOps&) = delete;
  InflightOps& operator=(const InflightOps&) = delete;

  // Adds an op holding no buffer pieces and returns its id.
  std::uint64_t add(OpKind kind, ByteSpan span, bool background, bool pseudo);

  // The op with this id. REQUIRES: it is in the table.
  InflightOp& at(std::uint64_t id);
  const InflightOp& at(std::uint64_t id) const;

  // Takes the op out of the table and returns it, with its pieces.
  // REQUIRES: it is in the table.
  InflightOp remove(std::uint64_t id);

  // The first op, in id order, other than `except_id`, whose span overlaps
  // `span`; nullptr if none.
  const InflightOp* find_overlap(ByteSpan span, std::uint64_t except_id) const;

  // True while the op with this id is in the table.
  bool contains(std::uint64_t id) const;

  // True while the job's own I/O is in flight: an op that is neither a
  // stand-in nor a guest's write-blocking write.
  bool job_io_in_flight() const;

  // The job sets its resolved limit when it starts.
  void set_max_background(std::uint32_t max_background) { max_background_ = max_background; }
  std::uint32_t max_background() const { return max_background_; }

  std::span<const InflightOp> ops() const { return ops_; }
  std::uint32_t background_count() const { return background_count_; }
  std::uint32_t active_write_count() const { return active_write_count_; }

 private:
  std::vector<InflightOp> ops_;  // in id order
  std::uint64_t next_id_ = 1;
  std::uint32_t background_count_ = 0;
  std::uint32_t max_background_ = kMaxInFlightOps;
  std::uint32_t active_write_count_ = 0;
};

}  // namespace mirrorsim::engine
