// Runs one scenario: builds the simulated world (disks, faults, guest,
// commands, the real mirror job), runs it to its end on the virtual clock,
// and checks every property that applies.
//
// How the checks see the truth:
//  - Guest writes made after the pivot land on the target only; the world
//    copies what each of them left on the target into the source image as
//    well, so at the end "the source" is what the guest expects to read and
//    the target must equal it. A guest write that reached the source but not
//    the target (a lost write) then shows up as a difference.
//  - After a soft cancel past READY the source is snapshotted after every
//    change until the job ends; the target must equal one of the snapshots.
//  - Ops, target requests and rate dispatches are watched while they happen.
//
// A scenario whose commands never ask for complete or cancel gets an
// implicit "complete on READY", so that every run has an end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "properties/run_report.h"
#include "scenarios/scenario.h"
#include "sim/workload_request.h"

namespace mirrorsim::properties {

struct RunOptions {
  std::optional<std::uint64_t> seed;    // overrides the scenario's seed
  std::vector<std::string> extra_bugs;  // engine bug switches to add (--bug)
  bool retain_log = false;              // keep log records (for timelines)
  bool shuffle_ties = false;            // permute equal-time events by seed
  // When set, the guest replays exactly these requests (a generated case's
  // trace) instead of the scenario's workload.
  std::optional<std::vector<sim::GuestRequest>> requests;
};

// Never throws for a run that goes wrong (that is in the report); throws
// std::invalid_argument only for a scenario that cannot be built.
RunReport run_scenario(const scenarios::Scenario& scenario, const RunOptions& options = {});

}  // namespace mirrorsim::properties
