#include "engine/error_action.h"

#include <cerrno>

#include "engine/block_device.h"

namespace mirrorsim::engine {

ErrorPolicy error_action(ErrorPolicy policy, int error) {
  if (policy != ErrorPolicy::kEnospc) return policy;
  return error == ENOSPC ? ErrorPolicy::kStop : ErrorPolicy::kReport;
}

JobEvent error_event(bool source, ErrorPolicy action, int error) {
  JobEvent event;
  event.kind = JobEventKind::kError;
  event.operation = source ? "read" : "write";
  event.action = std::string(error_policy_name(action));
  event.error = error;
  return event;
}

std::string error_failure_text(bool source, int error) {
  return std::string(source ? "source read" : "target write") + " failed: " + errno_name(error);
}

}  // namespace mirrorsim::engine
