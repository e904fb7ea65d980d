#include "sim/kernel/event_log.h"

namespace mirrorsim::sim {

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kTaskSpawn:
      return "task-spawn";
    case EventKind::kTaskResume:
      return "task-resume";
    case EventKind::kTaskFinish:
      return "task-finish";
    case EventKind::kDiskRequestStart:
      return "disk-start";
    case EventKind::kDiskRequestEnd:
      return "disk-end";
    case EventKind::kFaultInjected:
      return "fault";
    case EventKind::kGuestRequest:
      return "guest";
    case EventKind::kMirrorOpStart:
      return "op-start";
    case EventKind::kMirrorOpEnd:
      return "op-end";
    case EventKind::kJobState:
      return "job-state";
    case EventKind::kJobEvent:
      return "job-event";
    case EventKind::kNote:
      return "note";
    case EventKind::kDirtyBytes:
      return "dirty-bytes";
    case EventKind::kDiskDataMoved:
      return "disk-data-moved";
    case EventKind::kDiskDurable:
      return "disk-durable";
    case EventKind::kPowerLoss:
      return "power-loss";
  }
  return "unknown";
}

}  // namespace mirrorsim::sim
