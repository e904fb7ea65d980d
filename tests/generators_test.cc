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
  return "";
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
