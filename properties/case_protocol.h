// What a campaign worker process tells its parent, one line per message:
//   "S <case>"                       the worker started a case
//   "R <case> <passed> <det> <hash> <letters> <swarm> <notes>\t<property>\t<message>"
// `letters` holds one verdict per property in property order: h(olds),
// v(iolated), n(ot applicable), i(nconclusive); `swarm` the case's swarm
// labels joined by ',' (scenarios/swarm_options.h), or '-'; `notes` the
// outcomes that are not failures: o (the job was outrun by its guest: not
// converged), t (the job ended before its trace's first request), or '-'. Also here: running one
// outcome-producing function in a child process, so that a crash, an abort
// or a wall-clock hang becomes an outcome instead of the campaign's death.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "properties/run_report.h"

namespace mirrorsim::properties {

struct CaseOutcome {
  std::uint64_t index = 0;
  bool passed = true;
  bool determinism_checked = false;
  std::uint64_t hash = 0;
  std::string verdicts;  // one letter per property (see above)
  std::string property;  // the failed property, or "crash" / "determinism"
  std::string message;
  int signal = 0;  // a crash: the signal that ended the process, if one did
  // The case's swarm options; nullopt when the worker died before it reported.
  std::optional<scenarios::SwarmOptions> swarm;
  bool outrun = false;               // passed, not converged: outrun by its guest
  bool trace_never_reached = false;  // the job ended before its trace's first request

  bool inconclusive() const { return passed && verdicts.find('i') != std::string::npos; }
};

// The properties in the order of the letters.
const std::vector<std::string_view>& property_order();

std::string verdict_letters(const std::vector<Verdict>& verdicts);
// The outcome of a finished report; `index` is the case number.
CaseOutcome outcome_of(const RunReport& report, std::uint64_t index);

std::string encode(const CaseOutcome& outcome);
std::optional<CaseOutcome> decode(std::string_view line);

// A run whose process died before it reported.
CaseOutcome crash_outcome(std::uint64_t index, std::string message);

// "killed by signal 9 (Killed)", "exited with code 3".
std::string describe_exit(int wait_status);

// A worker never spends longer than this on one case (wall clock): a hang
// in real code rather than in virtual time, which the run's limits catch.
inline constexpr unsigned kCaseWallLimitSeconds = 120;

// Runs `run` in a forked child (with the case wall-clock limit) and returns
// what it reported, or a crash outcome describing how the child ended.
CaseOutcome run_isolated(std::uint64_t index, const std::function<CaseOutcome()>& run);

// Writes all of `text` to `fd`; false when the other end is gone.
bool write_all(int fd, std::string_view text);

}  // namespace mirrorsim::properties
