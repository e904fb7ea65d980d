#include "sim/event_log.h"

namespace mirrorsim::sim {
namespace {

// One round of a multiply-rotate mix; cheap and order-sensitive.
std::uint64_t absorb(std::uint64_t h, std::uint64_t v) {
  h ^= v * 0x9e3779b97f4a7c15ULL;
  h = (h << 27) | (h >> 37);
  return h * 0xff51afd7ed558ccdULL + 0x632be59bd9b4e019ULL;
}

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kTaskSpawn: return "task-spawn";
    case EventKind::kTaskResume: return "task-resume";
    case EventKind::kTaskFinish: return "task-finish";
    case EventKind::kDiskRequestStart: return "disk-start";
    case EventKind::kDiskRequestEnd: return "disk-end";
    case EventKind::kFaultInjected: return "fault";
    case EventKind::kGuestRequest: return "guest";
    case EventKind::kMirrorOpStart: return "op-start";
    case EventKind::kMirrorOpEnd: return "op-end";
    case EventKind::kJobState: return "job-state";
    case EventKind::kJobEvent: return "job-event";
    case EventKind::kNote: return "note";
    case EventKind::kDirtyBytes: return "dirty-bytes";
  }
  return "unknown";
}

void EventLog::append(const LogRecord& r) {
  std::uint64_t h = hash_;
  h = absorb(h, static_cast<std::uint64_t>(r.time));
  h = absorb(h, (static_cast<std::uint64_t>(r.kind) << 32) | r.subject);
  h = absorb(h, r.a);
  h = absorb(h, r.b);
  h = absorb(h, r.c);
  hash_ = h;
  ++count_;
  if (retain_) records_.push_back(r);
}

}  // namespace mirrorsim::sim
