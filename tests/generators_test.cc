// The case generator's swarm options: drawn for every case, saved in it,
// and true to what the case holds (a switch that is off leaves its feature
// out), so that a summary's counts per feature mean what they say.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "properties/campaign.h"
#include "properties/case_files.h"
#include "properties/case_limits.h"
#include "scenarios/scenario_writer.h"

namespace mirrorsim::properties {
namespace {

using scenarios::CommandKind;
using scenarios::FaultDisk;
using scenarios::Scenario;
using scenarios::SwarmOptions;

constexpr std::uint64_t kCases = 2'000;

bool has_command(const Scenario& s, CommandKind kind) {
  return std::any_of(s.commands.begin(), s.commands.end(),
                     [kind](const scenarios::Command& c) { return c.kind == kind; });
}

bool has_faults_on(const Scenario& s, FaultDisk disk) {
  return std::any_of(s.faults.begin(), s.faults.end(),
                     [disk](const scenarios::FaultSpec& f) { return f.disk == disk; });
}

// The unkind-world switches against the disks and rules; "" when they agree.
std::string unkind_disagreement(const Scenario& s) {
  const SwarmOptions& o = *s.swarm;
  const auto split = [](const scenarios::DiskSpec& d) {
    return d.io_model == sim::IoModel::kSplit;
  };
  const auto late = [](const scenarios::DiskSpec& d) { return d.completion_delay_us != 0; };
  if (o.split_io != (split(s.source) || split(s.target))) return "split_io";
  if (o.late_completions != (late(s.source) || late(s.target))) return "late_completions";
  for (const scenarios::DiskSpec* d : {&s.source, &s.target}) {
    if (d->completion_delay_us > 3'000) return "a completion delay above 3 ms";
    if (d->reorder != (o.reorder && late(*d))) return "reorder";
  }
  if (o.reorder && !o.late_completions) return "reorder without late completions";
  const bool torn = std::any_of(s.faults.begin(), s.faults.end(),
                                [](const scenarios::FaultSpec& f) { return f.rule.torn; });
  if (o.torn_faults != torn) return "torn_faults";
  if (s.base && (s.base->io_model != sim::IoModel::kAtomic || late(*s.base))) return "base";
  return "";
}

// The durability switches against the disks, the guest and the commands.
std::string durability_disagreement(const GeneratedCase& c) {
  const Scenario& s = c.scenario;
  const SwarmOptions& o = *s.swarm;
  if (o.write_cache != (s.source.write_cache || s.target.write_cache)) return "write_cache";
  if (s.base && s.base->write_cache) return "base write_cache";
  if (o.power_loss != has_command(s, CommandKind::kPowerLoss)) return "power_loss";
  const bool flushes = std::any_of(c.requests.begin(), c.requests.end(),
                                   [](const auto& r) { return r.op == sim::GuestOp::kFlush; });
  const auto* steady = std::get_if<sim::WorkloadParams>(&s.workload);
  if (!o.guest_flush && (flushes || (steady && steady->flush_every != 0))) return "guest_flush";
  if (o.guest_flush && steady && steady->flush_every == 0) return "guest_flush (steady)";
  return "";
}

// What the case holds agrees with its options; "" when it does.
std::string disagreement(const GeneratedCase& c) {
  const Scenario& s = c.scenario;
  if (!s.swarm) return "no swarm options";
  const SwarmOptions& o = *s.swarm;
  if (o.sync != s.mirror.sync) return "sync";
  if (o.faults != !s.faults.empty()) return "faults";
  if (o.faults_end && !o.faults) return "faults_end without faults";
  for (auto [disk, spec] :
       {std::pair{FaultDisk::kSource, &s.source}, std::pair{FaultDisk::kTarget, &s.target}}) {
    if (spec->faults_end_us.has_value() != (o.faults_end && has_faults_on(s, disk))) {
      return "faults_end_us";
    }
  }
  for (const scenarios::FaultSpec& f : s.faults) {
    if ((f.rule.to_ns == sim::kForever) != o.faults_end) return "a rule's window";
  }
  if (o.write_blocking != (s.mirror.copy_mode == scenarios::CopyMode::kWriteBlocking)) {
    return "write_blocking";
  }
  if (o.switch_mode != has_command(s, CommandKind::kWriteBlocking)) return "switch_mode";
  if (o.pause != has_command(s, CommandKind::kPause)) return "pause";
  if (o.speed != (s.mirror.speed_bytes_per_s != 0)) return "speed";
  if (o.cancel !=
      (has_command(s, CommandKind::kCancel) || has_command(s, CommandKind::kForceCancel))) {
    return "cancel";
  }
  if (o.zero_length != (s.source.length_bytes == 0)) return "zero_length";
  if (o.mismatch != (s.source.length_bytes != s.target.length_bytes)) return "mismatch";
  if (!o.jitter && (s.source.jitter_us != 0 || s.target.jitter_us != 0)) return "jitter";
  if (o.steady != std::holds_alternative<sim::WorkloadParams>(s.workload)) {
    if (!(o.steady && s.source.length_bytes == 0)) return "steady";
  }
  if (o.cow && s.target.cluster_bytes == 0) return "cow";
  if (std::string u = unkind_disagreement(s); !u.empty()) return u;
  return durability_disagreement(c);
}

TEST(Generator, EveryCaseHasSwarmOptionsThatSayWhatItHolds) {
  std::map<std::string, std::uint64_t> on;
  for (std::uint64_t index = 0; index < kCases; ++index) {
    const GeneratedCase c = generate_case(1, index);
    const std::string problem = disagreement(c);
    ASSERT_EQ(problem, "") << "case " << index << ":\n" << scenarios::write_scenario(c.scenario);
    for (const std::string& label : scenarios::swarm_labels(*c.scenario.swarm)) ++on[label];
  }
  // Each feature comes up (the rarest, at 3%, about 60 times).
  for (const std::string& label : scenarios::all_swarm_labels()) {
    EXPECT_GT(on[label], 10u) << label;
  }
}

// The unkind-world switches are drawn after the rest of the case, so each
// one shrinks away on its own: among a case's first shrinks is the same case
// with that one feature off and nothing else changed (but the limits, sized
// from the case's work). A shrunk failure then keeps only what it needs.
TEST(Generator, EachUnkindSwitchShrinksAwayAlone) {
  using Off = void (*)(GeneratedCase&);
  const std::vector<std::pair<bool SwarmOptions::*, Off>> switches = {
      {&SwarmOptions::split_io,
       [](GeneratedCase& c) {
         Scenario& s = c.scenario;
         s.swarm->split_io = false;
         s.source.io_model = s.target.io_model = sim::IoModel::kAtomic;
       }},
      {&SwarmOptions::late_completions,
       [](GeneratedCase& c) {
         Scenario& s = c.scenario;
         s.swarm->late_completions = s.swarm->reorder = false;
         s.source.completion_delay_us = s.target.completion_delay_us = 0;
         s.source.reorder = s.target.reorder = false;
       }},
      {&SwarmOptions::reorder,
       [](GeneratedCase& c) {
         Scenario& s = c.scenario;
         s.swarm->reorder = false;
         s.source.reorder = s.target.reorder = false;
       }},
      {&SwarmOptions::torn_faults,
       [](GeneratedCase& c) {
         Scenario& s = c.scenario;
         s.swarm->torn_faults = false;
         for (scenarios::FaultSpec& f : s.faults) f.rule.torn = false;
       }},
      {&SwarmOptions::write_cache,
       [](GeneratedCase& c) {
         c.scenario.swarm->write_cache = false;
         c.scenario.source.write_cache = c.scenario.target.write_cache = false;
       }},
      {&SwarmOptions::guest_flush,
       [](GeneratedCase& c) {
         c.scenario.swarm->guest_flush = false;
         std::erase_if(c.requests, [](const auto& r) { return r.op == sim::GuestOp::kFlush; });
         if (auto* w = std::get_if<sim::WorkloadParams>(&c.scenario.workload)) w->flush_every = 0;
       }},
      {&SwarmOptions::power_loss,
       [](GeneratedCase& c) {
         c.scenario.swarm->power_loss = false;
         std::erase_if(c.scenario.commands, [](const scenarios::Command& x) {
           return x.kind == CommandKind::kPowerLoss;
         });
       }},
  };
  for (const auto& [member, off] : switches) {
    std::uint64_t index = 0;
    while (!(*generate_case(1, index).scenario.swarm.*member)) ++index;
    const rc::Shrinkable<GeneratedCase> shrinkable = shrinkable_case(1, index);
    GeneratedCase expected = shrinkable.value();
    off(expected);
    expected.scenario.limits = limits_for(estimate_work(expected.scenario, expected.requests));
    bool found = false;
    rc::Seq<rc::Shrinkable<GeneratedCase>> shrinks = shrinkable.shrinks();
    while (auto candidate = shrinks.next()) {
      const GeneratedCase c = candidate->value();
      if (c.scenario == expected.scenario && c.requests == expected.requests) {
        found = true;
        break;
      }
    }
    EXPECT_TRUE(found) << "case " << index << ":\n" << scenarios::write_scenario(expected.scenario);
  }
}

TEST(Generator, TheSavedCaseCarriesItsSwarmOptions) {
  const GeneratedCase c = generate_case(1, 7);
  const std::string text = scenarios::write_scenario(c.scenario);
  EXPECT_NE(text.find("\n[swarm]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsync = \"" + std::string(scenarios::name_of(c.scenario.swarm->sync))),
            std::string::npos)
      << text;
}

TEST(Generator, TheCaseDigestIgnoresTheSwarmOptions) {
  GeneratedCase c = generate_case(1, 3);
  const std::string digest = case_digest(c, {});
  c.scenario.swarm->jitter = !c.scenario.swarm->jitter;
  EXPECT_EQ(case_digest(c, {}), digest);
  c.scenario.seed ^= 1;
  EXPECT_NE(case_digest(c, {}), digest);
}

}  // namespace
}  // namespace mirrorsim::properties
