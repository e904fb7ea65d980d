// A run's timeline in the Chrome trace-event JSON format (opens in Perfetto
// and chrome://tracing): disk requests per disk, mirror ops per kind, guest
// requests, injected faults, job states and events, and the dirty bytes as
// a counter. Built from the run's retained event log.
//
// Requests and ops overlap, and the format requires the complete (X) slices
// of one thread track to nest (Perfetto drops the ones that do not). So each
// disk's requests, and each op kind's ops, are spread over numbered slots:
// a slot is a thread track that holds one request (op) at a time, from its
// submission to its completion, and each one takes the lowest-numbered slot
// free when it starts. The number of slots is the peak number in flight;
// slot tracks are named "source slot 0", "copy slot 3", ... Every track and
// process is named. A request or op still in flight when the run ended is
// drawn up to the end, with "unfinished": true in its args, so every
// request and op of the log has exactly one slice.
#pragma once

#include <nlohmann/json.hpp>

#include "properties/run_report.h"

namespace mirrorsim::reports {

// REQUIRES: the run kept its log (RunOptions::retain_log); otherwise the
// timeline holds only the job's events.
nlohmann::json timeline_json(const properties::RunReport& report);

}  // namespace mirrorsim::reports
