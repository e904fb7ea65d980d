// What a failed copy request does to a job, under the job's error policy
// for that side (QEMU's on-source-error / on-target-error), shared by every
// algorithm: the action, the event the job emits, and its failure text.
#pragma once

#include <string>

#include "engine/job_observer.h"
#include "engine/mirror_params.h"

namespace mirrorsim::engine {

// "enospc" stops on ENOSPC and reports any other error; the others are
// their own action.
ErrorPolicy error_action(ErrorPolicy policy, int error);

// The kError event for a failed read of the source or write to the target.
JobEvent error_event(bool source, ErrorPolicy action, int error);

// "source read failed: EIO", "target write failed: ENOSPC".
std::string error_failure_text(bool source, int error);

}  // namespace mirrorsim::engine
