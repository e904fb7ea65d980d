#include "engine/job_control.h"

#include <cerrno>

#include "engine/invariant.h"

namespace mirrorsim::engine {

void apply_error_action(ErrorPolicy action, bool source, int error, JobErrorState job) {
  switch (action) {
    case ErrorPolicy::kReport:
      if (!job.failure) {
        job.failure = error_failure_text(source, error);
        job.failure_errno = error;
      }
      break;
    case ErrorPolicy::kIgnore:
      break;
    case ErrorPolicy::kStop:
      job.io_status = error == ENOSPC ? IoStatusKind::kNoSpace : IoStatusKind::kFailed;
      if (!job.commands.user_paused) {  // several failures pause the job once
        ++job.commands.pause_count;
        job.commands.user_paused = true;
      }
      break;
    case ErrorPolicy::kEnospc:
      MIRRORSIM_ASSERT(false, "enospc resolves to stop or report");
  }
}

}  // namespace mirrorsim::engine
