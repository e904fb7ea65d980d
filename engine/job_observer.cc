#include "engine/job_observer.h"

namespace mirrorsim::engine {

std::string_view job_event_name(JobEventKind kind) {
  switch (kind) {
    case JobEventKind::kStateChange:
      return "state";
    case JobEventKind::kReady:
      return "READY";
    case JobEventKind::kError:
      return "ERROR";
    case JobEventKind::kCompleted:
      return "COMPLETED";
    case JobEventKind::kCancelled:
      return "CANCELLED";
  }
  return "?";
}

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kCopy:
      return "copy";
    case OpKind::kZero:
      return "zero";
    case OpKind::kDiscard:
      return "discard";
    case OpKind::kActiveWrite:
      return "active-write";
  }
  return "?";
}

}  // namespace mirrorsim::engine
