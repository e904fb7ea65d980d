// How long a correct mirror job needs for one scenario, estimated from the
// scenario's own work, and the limits a generated case gets from that.
//
// The estimate is an upper-bound style model, not a simulation: every op is
// charged the worst queueing it can meet (all ops in flight and, under a
// steady guest, a full guest queue ahead of it on both disks), chunk-sized
// guest re-dirtying is copied again (whole clusters under the COW rule), a
// speed limit is charged its whole buffer on top of the bytes, and the
// times that the job's end may wait on (commands, fault windows, the guest's
// last request, delays after READY) are added, not overlapped. The limits
// then add a safety factor on top, so that a correct engine ends well inside
// them; a run that still reaches its limit is judged by its progress
// (properties/oracles.cc, liveness), never failed for being slow.
//
// The job's own limits come from MIRROR.md, through constants here (an
// oracle never takes its limits from the engine it checks): 16 background
// ops in flight, an op holding data is at most max(buf-size / 16, 1 MiB),
// the default granularity and buffer, 100 ms rate-limit slices.
#pragma once

#include <cstdint>
#include <span>

#include "scenarios/scenario.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::properties {

struct WorkEstimate {
  // The job's geometry as MIRROR.md resolves it.
  std::uint64_t granularity_bytes = 0;
  std::uint64_t buffer_bytes = 0;
  std::uint64_t op_bytes = 0;  // a typical copy op (a full one)
  double in_flight = 0;        // ops at once

  double copy_bytes = 0;           // first pass plus every guest re-dirtying
  double ops = 0;                  // background ops
  double guest_requests = 0;       // trace requests, or steady requests over `seconds`
  double op_seconds = 0;           // one op: read, then write, worst queueing
  double copy_seconds = 0;         // every op
  double rate_seconds = 0;         // what the speed limit adds
  double guest_seconds = 0;        // trace requests served one after another
  double settle_seconds = 0;       // the last command, fault window and trace request
  double after_ready_seconds = 0;  // delays of commands triggered by READY
  double overhead_seconds = 0;     // flushes, error retries and resumes
  double seconds = 0;              // a correct job's end, all of the above added
  double events = 0;               // simulation events up to `seconds`
};

// `trace`: the guest's requests when the workload is a trace (a generated
// case keeps them next to the scenario); ignored for a steady workload.
WorkEstimate estimate_work(const scenarios::Scenario& scenario,
                           std::span<const sim::GuestRequest> trace);

// A generated case's limits: kSafetyFactor times the estimate (time and
// events), never below the floors; the time is in whole seconds.
inline constexpr double kSafetyFactor = 4;
inline constexpr std::uint64_t kMinTimeLimitUs = 2'000'000;
inline constexpr std::uint64_t kMinEventLimit = 1'000'000;
// A cap on events, so that a livelocked case costs seconds of wall clock,
// not minutes (a campaign worker gives one case 120 s).
inline constexpr std::uint64_t kMaxEventLimit = 60'000'000;
scenarios::Limits limits_for(const WorkEstimate& estimate);

}  // namespace mirrorsim::properties
