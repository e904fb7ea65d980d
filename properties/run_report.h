// Everything one run produced: outcome, job events, metrics, the verdict of
// every property, and the event-log hash that identifies the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/job_observer.h"
#include "engine/mirror_job.h"
#include "engine/mirror_params.h"
#include "properties/convergence.h"
#include "properties/run_metrics.h"
#include "properties/verdict.h"
#include "scenarios/swarm_options.h"
#include "sim/kernel/event_log.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::properties {

struct CommandRecord {
  engine::TimeNs time = 0;
  std::string action;  // "complete", "set-speed 1048576", "resume (operator)"...
  bool accepted = false;
  std::string note;  // why it was refused
};

struct RunReport {
  std::string scenario_name;
  std::uint64_t seed = 0;
  std::vector<std::string> bugs;
  // A generated case's swarm options (scenario.swarm), set by whoever runs
  // the scenario: run_case(), `mirrorsim run`. Informational.
  std::optional<scenarios::SwarmOptions> swarm;
  sim::RunOutcome sim;
  bool job_started = false;
  std::string start_error;  // the job refused to start: why
  engine::JobOutcome job;
  engine::JobMetrics metrics;
  engine::ResolvedParams resolved;
  std::vector<engine::JobEvent> events;
  std::vector<CommandRecord> commands;
  std::vector<Verdict> verdicts;
  std::uint64_t guest_requests = 0;
  std::uint64_t guest_errors = 0;
  engine::TimeNs guest_write_p50_ns = 0;
  engine::TimeNs guest_write_p99_ns = 0;
  RunMetrics run_metrics;  // what researchers compare (run_metrics.h)
  // Converged or not, how fast, bytes left over time (convergence.h).
  ConvergenceOutcome convergence;
  std::uint64_t faults_injected = 0;
  // A replayed trace (a trace file, or a generated case's requests) that
  // does not loop: its requests, how many the guest never issued because
  // the job had ended first, and when the first was due. All 0 otherwise.
  std::uint64_t trace_requests = 0;
  std::uint64_t trace_requests_not_issued = 0;
  engine::TimeNs trace_first_request_ns = 0;
  // The job ended before the trace's first request: the trace tested nothing.
  bool trace_never_reached() const {
    return trace_requests > 0 && trace_requests_not_issued == trace_requests;
  }
  // Warnings about what the run tested, one sentence each (`run` prints
  // them, `run --json` lists them, `check` counts them): today, a trace the
  // job never reached.
  std::vector<std::string> warnings() const;
  std::uint64_t source_length = 0;
  std::vector<sim::LogRecord> log;  // only when RunOptions::retain_log

  // No property was violated (an inconclusive one does not count against).
  bool passed() const { return first_violation(verdicts) == nullptr; }
  // The run hit its limit with the job outrun by its guest: liveness held,
  // the job did not converge (an outcome, not a failure).
  bool outrun() const { return convergence.state == ConvergenceState::kOutrun; }
  // A property could not be decided: the run hit its limit while the job
  // was still making progress (liveness). The first such verdict, or null.
  const Verdict* inconclusive() const;
  // One line: "completed (pivoted)", "failed: target write failed: EIO", ...
  std::string outcome_line() const;
};

// "+1.50 MiB/s", "-320.0 KiB/s": a convergence rate (negative: outrun).
std::string signed_rate_text(double bytes_per_s);

// The determinism property over two runs of one scenario with one seed:
// holds when their event-log hashes are equal, violated (naming both
// hashes) when they differ.
Verdict determinism_verdict(const RunReport& first, const RunReport& again);

}  // namespace mirrorsim::properties
