// Crash safety (ARCHITECTURE.md property 11): after a power loss, the
// guest's disk (the source before the pivot, the target after it) still
// holds every write the guest saw acknowledged as durable. A write is
// acknowledged once a guest flush issued after its completion succeeded.
//
// GuestDurability follows the guest's writes and flushes. At each flush's
// start it keeps a snapshot of what the guest reads then (the World's
// source image, which follows the target after the pivot): once that flush
// succeeds, the snapshot is the acknowledged content, except where a write
// in flight at the flush's start, or issued since, may have changed it
// (those ranges are left out, by a RangeMask that grows as writes end).
// After a power loss the disk, read whole, must equal the acknowledged
// content outside those ranges and the ranges of writes still in flight.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "properties/range_mask.h"
#include "properties/verdict.h"
#include "sim/disks/disk_view.h"

namespace mirrorsim::properties {

class GuestDurability {
 public:
  // `initial`: what the guest reads before its first request (durable: it
  // was there before the run).
  explicit GuestDurability(sim::GuestView initial);

  // A write, zero write or discard (by the guest's request number).
  void write_started(std::uint64_t number, std::uint64_t offset, std::uint64_t length);
  void write_ended(std::uint64_t number);
  // A flush; `now` is what the guest reads at its start.
  void flush_started(std::uint64_t number, engine::TimeNs time, sim::GuestView now);
  void flush_ended(std::uint64_t number, bool ok);

  // Where `disk` (read after a power loss) first loses acknowledged content.
  std::optional<sim::Difference> lost(const sim::GuestView& disk) const;
  const sim::GuestView& acknowledged() const { return acked_.content; }
  engine::TimeNs acknowledged_at() const { return acked_.time; }

 private:
  struct Point {
    engine::TimeNs time = -1;  // the flush's start; -1: the initial content
    sim::GuestView content;
    RangeMask changed;  // writes ended since `time`
  };
  struct Range {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  Point acked_;
  std::map<std::uint64_t, Point> flushes_;  // in flight, by request number
  std::map<std::uint64_t, Range> writes_;   // in flight, by request number
};

// One power loss and what it found.
struct CrashCheck {
  engine::TimeNs time = 0;
  bool after_pivot = false;
  engine::TimeNs acknowledged_at = -1;  // the start of the flush that acknowledged
  std::optional<sim::Difference> difference;
};

struct CrashSafetyFacts {
  std::vector<CrashCheck> checks;
};

Verdict check_crash_safety(const CrashSafetyFacts& facts);

}  // namespace mirrorsim::properties
