// What the tests of the new mirror algorithms (io-mirror, snapshot,
// precopy) share: one way to print and check a run's verdicts, build a
// command, and the standard copy scenario and guest writes they all start
// from, so each test file states only what is particular to its algorithm.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "engine/algorithm.h"
#include "properties/run_report.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/scenario.h"
#include "sim/guest/workload_params.h"

namespace mirrorsim::algorithm_rig {

// The names every algorithm test uses, so `using namespace algorithm_rig`
// brings them in with the helpers.
using properties::DiskRole;
using properties::RunReport;
using properties::VerdictStatus;
using properties::World;
using scenarios::Command;
using scenarios::CommandKind;
using scenarios::CommandTrigger;
using scenarios::kKiB;
using scenarios::kMiB;
using scenarios::Scenario;
namespace property = properties::property;

constexpr std::uint64_t kLength = 8 * scenarios::kMiB;
constexpr std::uint64_t kBlock = 256 * scenarios::kKiB;

// Every verdict, one a line, for a failing expectation's message.
inline std::string all_verdicts(const properties::RunReport& r) {
  std::string out;
  for (const properties::Verdict& v : r.verdicts) {
    out += v.property + ": " + std::string(properties::verdict_status_name(v.status)) + " " +
           v.message + "\n";
  }
  return out;
}

// Nothing violated, nothing inconclusive.
inline void expect_all_hold(const properties::RunReport& r) {
  for (const properties::Verdict& v : r.verdicts) {
    EXPECT_TRUE(v.status == properties::VerdictStatus::kHolds ||
                v.status == properties::VerdictStatus::kNotApplicable)
        << all_verdicts(r);
  }
}

inline properties::VerdictStatus status_of(const properties::RunReport& r, std::string_view name) {
  for (const properties::Verdict& v : r.verdicts) {
    if (v.property == name) return v.status;
  }
  return properties::VerdictStatus::kNotApplicable;
}

inline scenarios::Command command(scenarios::CommandKind kind, scenarios::CommandTrigger trigger,
                                  std::uint64_t time_us) {
  scenarios::Command c;
  c.kind = kind;
  c.trigger = trigger;
  c.time_us = time_us;
  return c;
}

// sync=full of an 8 MiB source full of old data, 256 KiB blocks, two copy
// ops, onto a target whose requests take 2 ms: one pass over the 32 blocks
// takes about 32 ms.
inline scenarios::Scenario full_copy(std::string name, engine::Algorithm algorithm) {
  scenarios::Scenario s;
  s.name = std::move(name);
  s.source.length_bytes = kLength;
  s.source.zero_init = false;
  s.source.old_data = true;
  s.target.length_bytes = kLength;
  s.target.latency_us = 2000;
  s.mirror.sync = scenarios::SyncMode::kFull;
  s.mirror.algorithm = algorithm;
  s.mirror.region_bytes = kBlock;
  s.mirror.max_copy_ops = 2;
  return s;
}

// Guest writes of 4 or 64 KiB at rate_iops until stop_us (0: until the job ends).
inline sim::WorkloadParams writes(double rate_iops, std::uint64_t stop_us) {
  sim::WorkloadParams w;
  w.rate_iops = rate_iops;
  w.size = sim::ChoiceSize{{4 * scenarios::kKiB, 64 * scenarios::kKiB}};
  w.stop_us = stop_us;
  return w;
}

inline properties::RunReport run(const scenarios::Scenario& s) {
  return properties::World(s, properties::RunOptions{}).run();
}

}  // namespace mirrorsim::algorithm_rig
