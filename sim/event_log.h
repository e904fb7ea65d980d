// The run's event log: compact records and a running 64-bit hash.
//
// Everything observable that happens in a run is appended here: tasks
// resuming, disk requests, faults, guest writes, mirror ops, job states. The
// hash covers every record ever appended, whether or not records are kept,
// so two runs with equal hashes did the same things at the same virtual
// times. The hash is part of every run's result; the campaign re-runs seeds
// and compares it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/runtime.h"

namespace mirrorsim::sim {

enum class EventKind : std::uint16_t {
  kTaskSpawn = 1,
  kTaskResume,
  kTaskFinish,
  kDiskRequestStart,  // subject = disk id, a = offset, b = length | op << 56
  kDiskRequestEnd,    // as start; c = errno
  kFaultInjected,     // subject = disk id, a = offset, b = length | op << 56, c = errno
  kGuestRequest,      // subject = op, a = offset, b = length
  kMirrorOpStart,     // subject = op kind, a = offset, b = length
  kMirrorOpEnd,       // as start; c = errno
  kJobState,          // subject = new state
  kJobEvent,          // subject = event kind, a/b/c event data
  kNote,              // free use by components: subject = hash of a tag
  kDirtyBytes,        // a = bytes the mirror job still has to copy
};

std::string_view event_kind_name(EventKind kind);

struct LogRecord {
  engine::TimeNs time = 0;
  EventKind kind = EventKind::kNote;
  std::uint32_t subject = 0;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
};

class EventLog {
 public:
  // With `retain`, records are kept for inspection; the hash is kept always.
  explicit EventLog(bool retain = false) : retain_(retain) {}

  void append(const LogRecord& record);
  void append(engine::TimeNs time, EventKind kind, std::uint32_t subject, std::uint64_t a = 0,
              std::uint64_t b = 0, std::uint64_t c = 0) {
    append(LogRecord{time, kind, subject, a, b, c});
  }

  std::uint64_t hash() const { return hash_; }
  std::uint64_t size() const { return count_; }
  std::span<const LogRecord> records() const { return records_; }
  bool retains() const { return retain_; }

 private:
  bool retain_;
  std::uint64_t hash_ = 0x6d69'7272'6f72'7369ULL;  // "mirrorsi"
  std::uint64_t count_ = 0;
  std::vector<LogRecord> records_;
};

}  // namespace mirrorsim::sim
