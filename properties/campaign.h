// The property campaign: generate scenarios, run them, and when one fails,
// save it at once, shrink it and save the smaller scenario that
// `mirrorsim run` replays.
//
// Case numbers: case i of campaign seed S is generated from a random stream
// derived from (S, i) alone. A campaign of N cases runs the case numbers
// 0..N-1; shard K of M runs the numbers i < N with i % M == K, so M shards
// of `--cases N` together run exactly the cases of one unsharded campaign.
// Without a case count the campaign runs until its time budget is spent.
//
// What a campaign promises:
//  1. Nothing is lost. Cases run in worker processes that are handed case
//     numbers a few at a time (memory stays flat). A worker that dies is
//     reported; the case it was running is re-run alone (a crash that
//     repeats is a failure, one that does not was the environment's), and
//     the cases it held go to other workers.
//  2. A failure is saved as failures/<id>.unshrunk.toml the moment it is
//     seen; shrinking then saves failures/<id>.toml after every step.
//  3. An interrupt (SIGINT, SIGTERM) stops the workers and the shrinker; the
//     result says so, with the cases actually run.
//  4. The result counts only cases that finished (`covered`), per property.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "properties/case_protocol.h"
#include "properties/generators.h"
#include "properties/oracle_limits.h"
#include "properties/run_report.h"
#include "properties/scenario_replays.h"
#include "properties/worker_pool.h"

namespace mirrorsim::properties {

// The largest --cases a campaign accepts: far more than any campaign runs,
// small enough that case numbers never overflow with any shard count.
inline constexpr std::uint64_t kMaxCampaignCases = std::uint64_t{1} << 48;

struct CampaignOptions {
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> cases = 2000;  // total over all shards; none: until the time is up
  std::optional<double> time_budget_s;        // stop starting cases after this (wall clock)
  int jobs = 1;                               // worker processes
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  std::vector<std::string> bugs;                        // engine bug switches for every case
  engine::Profile profile = engine::Profile::kDefault;  // of every generated case
  // The algorithm of every generated case (none: drawn per case, mostly qemu).
  std::optional<engine::Algorithm> algorithm;
  // Capabilities switched off (`mutants --without`): swarm switch names,
  // forced off in every generated case, and "spec": the bounds oracle takes
  // the engine's own limits (see OracleLimits). Checked by check_without().
  std::vector<std::string> without;
  // Properties set aside (`check --skip-property`): their violations count
  // as "not applicable", so a hunt can look past a failure it already knows
  // (the qemu-7.2 profile's overlapping copies) for the ones behind it.
  std::vector<std::string> set_aside;
  double shrink_budget_s = 20;           // wall clock for shrinking one failure
  std::uint64_t determinism_every = 50;  // re-run every Nth case and compare hashes
  bool stop_at_first_failure = true;
  bool run_library = false;                   // the built-in scenarios, before the cases
  std::vector<std::filesystem::path> corpus;  // saved failures to re-run first
  std::filesystem::path out_dir;              // failures/ go here ("" = save nothing)
  std::uint64_t max_worker_deaths = 1000;     // then the campaign gives up (an error)
};

struct CampaignProgress {
  std::uint64_t cases_done = 0;
  std::uint64_t failures = 0;
  double elapsed_s = 0;
  std::optional<double> seconds_left;  // from the budget, or from the rate and cases left
};

struct CampaignFailure {
  std::string id;      // "case-<seed>-<index>[-<bug>]" or "library-<name>"
  std::string source;  // "generated", "library" or "corpus"
  std::optional<std::uint64_t> case_index;
  std::string property;  // the property that failed, or "crash" / "determinism"
  std::string message;
  std::filesystem::path unshrunk_file;  // saved at once ("" when out_dir is empty)
  std::filesystem::path file;           // the smallest failing scenario saved
  std::string replay_command;
  std::string digest;         // equal cases have equal digests (case_files.h)
  bool shrink_began = false;  // only a campaign's first generated failure is shrunk
  bool shrunk = false;        // shrinking ran to its end
  std::uint64_t shrink_steps = 0;
  double shrink_s = 0;
  // Size of the smallest reproduction.
  std::uint64_t guest_requests = 0;
  std::uint64_t faults = 0;
  std::uint64_t disk_bytes = 0;
  std::vector<std::string> save_errors;  // files that could not be written
  // A generated case's swarm options as generated, and those of its smallest
  // reproduction (shrinking switches off what the failure does not need).
  std::optional<scenarios::SwarmOptions> swarm;
  std::optional<scenarios::SwarmOptions> shrunk_swarm;
};

// Cases that had one swarm feature on (scenarios::swarm_labels), and how
// many of them failed.
struct SwarmCount {
  std::uint64_t cases = 0;
  std::uint64_t failures = 0;
};

struct CoveredRange {
  std::uint64_t first = 0;  // case numbers first, first + step, ..., last
  std::uint64_t last = 0;
};

enum class CampaignStop { kAllCasesRun, kTimeUp, kFailure, kInterrupted, kTooManyWorkerDeaths };
std::string_view campaign_stop_name(CampaignStop stop);

// A case listed by its outcome (inconclusive, or not converged), not failed.
struct Inconclusive {
  std::uint64_t case_index = 0;
  std::string message;
};

struct CampaignResult {
  std::uint64_t cases_run = 0;
  std::vector<CoveredRange> covered;  // case numbers that finished, step = shard_count
  CampaignStop stop = CampaignStop::kAllCasesRun;
  int interrupt_signal = 0;
  double elapsed_s = 0;
  double cases_per_s = 0;
  // Wall time from the start to the first failing case's result (before any
  // shrinking): how long the campaign took to catch what it caught.
  std::optional<double> first_failure_s;
  std::uint64_t determinism_checks = 0;
  // Per property: how often it held, was violated, did not apply, was inconclusive.
  std::map<std::string, std::array<std::uint64_t, 4>> verdict_counts;
  std::uint64_t inconclusive_cases = 0;
  std::vector<Inconclusive> inconclusive;  // the first few
  // Passed, but the job was outrun by its guest (not converged): counted
  // apart from the slow (inconclusive) ones.
  std::uint64_t not_converged_cases = 0;
  std::vector<Inconclusive> not_converged;  // the first few
  // Passed, but the job ended before its trace's first request.
  std::uint64_t trace_never_reached_cases = 0;
  // Generated cases counted per swarm feature: every finished case once,
  // under each label it has (the sync label always).
  std::uint64_t swarm_cases = 0;
  std::map<std::string, SwarmCount> swarm_counts;
  std::vector<CampaignFailure> failures;  // generated cases and library scenarios
  std::vector<ReplayResult> library;
  std::vector<ReplayResult> corpus;
  std::vector<WorkerDeath> worker_deaths;
  std::vector<std::string> notes;  // what happened to deaths, saves...

  bool interrupted() const { return stop == CampaignStop::kInterrupted; }
  // Nothing failed, nothing was lost, nothing stopped the run early.
  bool ok() const;
};

// How many cases this shard runs when the campaign has a case count.
std::optional<std::uint64_t> shard_case_count(const CampaignOptions& options);

// The name of a capability `without` may switch off: "spec" or a swarm switch.
inline constexpr std::string_view kWithoutSpec = "spec";
// Throws std::invalid_argument naming the allowed names for an unknown one.
void check_without(std::span<const std::string> without);
// The swarm switches among `without` ("spec" left out).
std::vector<std::string> swarm_off(std::span<const std::string> without);
OracleLimits oracle_limits(std::span<const std::string> without);

// Generates case `index` of campaign `seed` (the same on every machine), with
// the `swarm_off` switches forced off.
// With `algorithm`, every case runs that algorithm (check --algorithm).
GeneratedCase generate_case(std::uint64_t seed, std::uint64_t index,
                            const std::vector<std::string>& swarm_off = {},
                            std::optional<engine::Algorithm> algorithm = {});
rc::Shrinkable<GeneratedCase> shrinkable_case(std::uint64_t seed, std::uint64_t index,
                                              const std::vector<std::string>& swarm_off = {},
                                              std::optional<engine::Algorithm> algorithm = {});

// Runs one generated case in this process.
RunReport run_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                   OracleLimits limits = OracleLimits::kSpecification);
// Runs it and reduces the report to an outcome; with `check_determinism`
// runs it twice and fails when the event-log hashes differ.
// Violations of the `set_aside` properties count as not applicable.
CaseOutcome evaluate_case(const GeneratedCase& c, std::uint64_t index,
                          const std::vector<std::string>& bugs, bool check_determinism,
                          OracleLimits limits = OracleLimits::kSpecification,
                          std::span<const std::string> set_aside = {});
// Throws std::invalid_argument for a name that is not a run's property
// (`mirrorsim list properties`), or for "no-crash", which cannot be set aside.
void check_set_aside(std::span<const std::string> names);

// Writes `c` as DIR/<name>.toml (+ DIR/<name>.csv for its requests) and
// returns the scenario file's path. Throws FileWriteError.
std::filesystem::path save_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                                const std::filesystem::path& dir, const std::string& name);

struct CampaignHooks {
  std::function<void(const CampaignProgress&)> progress;  // a few times per second
  std::function<void(const std::string&)> note;           // one line: a death, a save error
};

CampaignResult run_campaign(const CampaignOptions& options, const CampaignHooks& hooks = {});

}  // namespace mirrorsim::properties
