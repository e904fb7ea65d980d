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
  // Logged only when a disk's unkind switches are on (see sim_disk.h):
  kDiskDataMoved,  // subject = disk id, a = piece offset, b = length | op << 56, c = request id
  kDiskDurable,    // subject = disk id, a = pieces a flush made durable, b = volatile left
  kPowerLoss,      // subject = disk id, a = volatile pieces kept, b = dropped, c = mode
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

  // Inline: every task switch and disk request appends.
  void append(const LogRecord& record) {
    const std::uint64_t h = (hash_ << 27) | (hash_ >> 37);
    hash_ = (h ^ mix(record)) * 0x94d049bb133111ebULL + 0x632be59bd9b4e019ULL;
    ++count_;
    if (retain_) records_.push_back(record);
  }
  void append(engine::TimeNs time, EventKind kind, std::uint32_t subject, std::uint64_t a = 0,
              std::uint64_t b = 0, std::uint64_t c = 0) {
    append(LogRecord{time, kind, subject, a, b, c});
  }

  std::uint64_t hash() const { return hash_; }
  std::uint64_t size() const { return count_; }
  std::span<const LogRecord> records() const { return records_; }
  bool retains() const { return retain_; }

 private:
  // A record's fields, each times its own odd constant, summed: the
  // multiplies are independent of each other and of the running hash, so an
  // append costs one short dependent step (rotate, xor, multiply).
  static std::uint64_t mix(const LogRecord& r) {
    return static_cast<std::uint64_t>(r.time) * 0x9e3779b97f4a7c15ULL +
           ((static_cast<std::uint64_t>(r.kind) << 32) | r.subject) * 0xc2b2ae3d27d4eb4fULL +
           r.a * 0x165667b19e3779f9ULL + r.b * 0xd6e8feb86659fd93ULL + r.c * 0xff51afd7ed558ccdULL;
  }

  bool retain_;
  std::uint64_t hash_ = 0x6d69'7272'6f72'7369ULL;  // "mirrorsi"
  std::uint64_t count_ = 0;
  std::vector<LogRecord> records_;
};

}  // namespace mirrorsim::sim
