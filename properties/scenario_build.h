// Turns a scenario (plain data, scenarios/) into the objects a run is made
// of: disk options, fault plans, mirror parameters, a request source.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "engine/mirror_params.h"
#include "scenarios/scenario.h"
#include "sim/disks/disk_options.h"
#include "sim/disks/fault_plan.h"
#include "sim/kernel/random.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::properties {

sim::DiskOptions disk_options(const scenarios::DiskSpec& spec, std::string name);

// The rules of `scenario` that apply to `disk`, in order, ending at the
// disk's faults_end_us when it has one.
sim::FaultPlan fault_plan(const scenarios::Scenario& scenario, scenarios::FaultDisk disk);

// REQUIRES: bug names are known (the loader checked them); extra_bugs are
// added (the --bug flag). Throws std::invalid_argument for an unknown name.
engine::MirrorParams mirror_params(const scenarios::MirrorSpec& spec,
                                   std::span<const std::string> extra_bugs);

// The guest's requests: a generator, a trace replay, or nothing.
std::unique_ptr<sim::RequestSource> request_source(const scenarios::Scenario& scenario,
                                                   sim::RandomStream workload_stream);

// Every engine bug name, for the scenario loader.
std::vector<std::string> known_bug_names();

}  // namespace mirrorsim::properties
