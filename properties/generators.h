// RapidCheck generators for whole mirror scenarios, in swarm style: each
// case first draws its SwarmOptions (scenarios/swarm_options.h), switching
// whole features on or off (faults, COW geometry, write-blocking, cancel,
// pause, speed changes, unaligned lengths, bursts, stale target data, ...),
// so that rare combinations come up often; then its geometry, disks, job,
// faults, guest and commands, each drawn obeying the options. The options
// are kept in the case (scenario.swarm): saved with it, shrunk with it.
//
// Every generated case is one a correct engine must pass: faults are
// transient (a window that closes, or with `faults_end` open rules on disks
// whose faults end, so the run ends with a fault-free phase), guest I/O is
// finite unless the job is in write-blocking mode (where the job must
// converge anyway), every pause is followed by a resume, and mismatched
// disk lengths appear only to check that the job refuses to start. Each
// case's time and event limits are sized from its own work
// (case_limits.h), so a slow case is not cut short.
//
// Cases shrink as structured values: fewer and smaller guest requests,
// fewer faults and commands, smaller disks, features switched off.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <rapidcheck.h>

#include "scenarios/scenario.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::properties {

struct GeneratedCase {
  scenarios::Scenario scenario;
  // The guest's requests when scenario.workload is a trace (written next
  // to the scenario as CSV when the case is saved).
  std::vector<sim::GuestRequest> requests;
};

// `swarm_off`: swarm switches forced off as soon as they are drawn
// (`mutants --without`); the other switches are drawn as without it, and the
// rest of the case follows the options as forced. REQUIRES: known names.
// `algorithm`: every case runs this algorithm (otherwise drawn: mostly qemu).
rc::Gen<GeneratedCase> gen_case(std::vector<std::string> swarm_off = {},
                                std::optional<engine::Algorithm> algorithm = {});

// Size measures for shrunk reproductions.
std::uint64_t guest_request_count(const GeneratedCase& c);

}  // namespace mirrorsim::properties
