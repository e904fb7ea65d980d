// One simulated world: the disks (source, target, an optional base), their
// faults, the guest, the user's commands and the real mirror job, on one
// virtual clock. The campaign runs a World to its end (run_scenario); a test
// steps the same World (start, run until something holds, send a guest
// request or a command, look at both disks) and asks for the same verdicts.
// There is one set-up and one set of rules for both.
//
// How the checks see the truth:
//  1. Guest writes made after the pivot land on the target only; the world
//     copies what each of them left on the target into the source image as
//     well, so at the end "the source" is what the guest expects to read and
//     the target must equal it. A guest write that reached the source but
//     not the target (a lost write) then shows up as a difference.
//  2. After a soft cancel past READY the source is snapshotted after every
//     change until the job ends; the target must equal one of the snapshots.
//  3. Ops, target requests and rate dispatches are watched while they
//     happen (BoundsMonitor); the job's events are kept for the oracles.
//  5. Durability (write caches): at READY and at the pivot the target's
//     durable content is compared with the source (durable_completion.h),
//     the target's flushes are watched (flush_protocol.h), and the guest's
//     writes and flushes are followed so that a power loss can be judged
//     (crash_safety.h). A power loss is a host crash: both disks drop what
//     their caches hold (after the pivot only the target: the source is no
//     longer the guest's disk, and its image, the guest's expected content
//     (1), becomes what the target kept), requests in flight fail with
//     EIO, and the job,
//     which ran on that host, is gone: the world force-cancels it (recorded
//     as the command "force-cancel (power loss)") and the guest stops with
//     it. The properties that apply after a crash are crash safety's;
//     completion equality and the point-in-time copy judge the disks as
//     they were just before the first power loss.
//  4. The operator: a job stopped on an I/O error (policy stop) is resumed
//     kOperatorResumeDelayNs after each such error, unless the user has
//     paused it too (then the user's resume resumes both, as in QEMU).
//
// Threading: none. Every call is made from outside the simulation's tasks
// (between Simulation::run calls), except what the world's own tasks do.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/block_device.h"
#include "engine/job_observer.h"
#include "engine/mirror_algorithm.h"
#include "engine/wait_queue.h"
#include "properties/bounds_monitor.h"
#include "properties/content_provenance.h"
#include "properties/crash_safety.h"
#include "properties/durable_completion.h"
#include "properties/flush_protocol.h"
#include "properties/oracle_limits.h"
#include "properties/oracles.h"
#include "properties/progress_tracker.h"
#include "properties/range_mask.h"
#include "properties/run_metrics.h"
#include "properties/run_report.h"
#include "scenarios/scenario.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/sim_disk.h"
#include "sim/guest/workload_request.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::properties {

struct AlgorithmSpec;  // properties/algorithm_specs.h

// The disks' ids in the event log (a record's subject): what a reader of the
// log (`export qemu`) matches disk requests by.
inline constexpr std::uint32_t kSourceDiskId = 1;
inline constexpr std::uint32_t kTargetDiskId = 2;

struct RunOptions {
  std::optional<std::uint64_t> seed;    // overrides the scenario's seed
  std::vector<std::string> extra_bugs;  // engine bug switches to add (--bug)
  bool retain_log = false;              // keep log records (for timelines)
  bool shuffle_ties = false;            // permute equal-time events by seed
  // When set, the guest replays exactly these requests (a generated case's
  // trace) instead of the scenario's workload.
  std::optional<std::vector<sim::GuestRequest>> requests;
  OracleLimits oracle_limits = OracleLimits::kSpecification;
};

// Runs one scenario to its end and checks every property that applies. A
// scenario whose commands never ask for complete or cancel gets an implicit
// "complete on READY", so that every run has an end. Never throws for a run
// that goes wrong (that is in the report); throws std::invalid_argument only
// for a scenario that cannot be built.
RunReport run_scenario(const scenarios::Scenario& scenario, const RunOptions& options = {});

enum class DiskRole : std::uint8_t { kSource, kTarget, kBase };

// A guest request's result, as the guest saw it.
struct GuestResult {
  engine::IoStatus status;
  std::uint64_t value = 0;  // a write's fresh content value (0 for the others)
};

// How a step ended.
struct StepOutcome {
  enum class Status { kReached, kTimedOut, kFailed };
  Status status = Status::kReached;
  sim::RunOutcome run;  // kFailed: how the simulation ended (crash, stall, limit)
  bool reached() const { return status == Status::kReached; }
};

class World final : public engine::JobObserver {
 public:
  // A management layer resumes a job stopped on an error after this long.
  static constexpr engine::TimeNs kOperatorResumeDelayNs = engine::kNsPerMs;
  // Guest requests in flight at once (a virtio queue's worth), or the
  // source's queue_depth when that is deeper (a queue sized to the device,
  // so the guest can keep a deep device busy): guest_queue_depth().
  static constexpr std::uint32_t kGuestQueueDepth = 32;
  static std::uint32_t guest_queue_depth(const scenarios::Scenario& scenario) {
    return std::max(kGuestQueueDepth, scenario.source.queue_depth);
  }

  // Builds the disks, the job and the guest's request source; nothing runs
  // until start(). The scenario's commands run as given (no implicit end).
  // Throws std::invalid_argument for a scenario that cannot be built.
  World(const scenarios::Scenario& scenario, RunOptions options);
  ~World() override;
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // ---- before start() ----
  // Writes a fresh content value over [offset, offset + length) of a disk
  // image's top layer (data that is there before the job).
  void write_fresh(DiskRole disk, std::uint64_t offset, std::uint64_t length);
  // Adds a rule to a disk's fault plan (also allowed while running).
  void add_fault(DiskRole disk, const sim::FaultRule& rule);

  // ---- running ----
  // Spawns the driver: it starts the job, then the guest's workload and the
  // scenario's commands, and waits for the job's end. Nothing runs yet.
  void start();
  // start(), run to the end, check every property: the campaign's run.
  RunReport run();

  // Runs events until `reached()` holds (checked after every event), the
  // virtual time passes now() + limit_ns (kTimedOut), or the simulation
  // ends otherwise (kFailed: a task failed, a stall, the run's limits).
  StepOutcome run_until(const std::function<bool()>& reached, engine::TimeNs limit_ns);
  // Runs every event up to now() + duration_ns.
  StepOutcome advance(engine::TimeNs duration_ns);
  // Runs until every task has finished; the outcome of the last run.
  sim::RunOutcome run_to_end();

  // Issues a guest request now, in a task of its own, through the job's
  // guest device; `done` is called in that task when it completes.
  void guest_request_now(const sim::GuestRequest& request,
                         std::function<void(const GuestResult&)> done);

  // The user's commands, as a management layer sends them: each is
  // recorded (accepted, or refused and why) and returned.
  CommandRecord complete();
  CommandRecord cancel(bool force);
  CommandRecord pause();
  CommandRecord resume();
  CommandRecord set_speed(std::int64_t speed_bytes_per_s);
  CommandRecord switch_to_write_blocking();
  // A host crash now (see the header comment, 5).
  CommandRecord power_loss(sim::PowerLossMode mode);
  // What the operator does 1 ms after a stop on error, done at once (a test
  // that must see the job as the user left it does not wait for it).
  void operator_resume_now();

  // ---- looking ----
  engine::TimeNs now() const { return simulation_->now(); }
  const engine::MirrorAlgorithm& job() const { return *job_; }
  sim::SimDisk& disk(DiskRole role);
  bool job_started() const { return job_started_; }
  const std::string& start_error() const { return start_error_; }
  bool pivoted() const { return pivoted_; }
  bool user_paused() const { return user_paused_; }
  bool complete_accepted() const { return complete_accepted_; }
  bool cancel_accepted() const { return cancel_accepted_; }
  bool soft_cancel_after_ready() const { return soft_cancel_after_ready_; }
  std::span<const engine::JobEvent> events() const { return events_; }
  const std::vector<std::string>& bound_violations() const { return bounds_.violations(); }
  // The state-machine property over the events so far (it may be checked
  // at any point, not only at the end).
  Verdict state_machine_so_far() const;
  // Every property, on the run as it stands; call after run_to_end().
  RunReport report(const sim::RunOutcome& outcome);
  // One line for failure messages: time, job state, dirty bytes, the last
  // few events.
  std::string describe() const;

  // engine::JobObserver (called inside tasks: record, never throw)
  void on_event(const engine::JobEvent& event) override;
  void on_op_start(const engine::OpInfo& op) override;
  void on_op_end(const engine::OpInfo& op, int error) override;
  void on_rate_dispatch(engine::TimeNs now, std::uint64_t bytes, std::uint64_t speed) override;

 private:
  // Sees every request on one disk and forwards it to the world.
  struct Watch final : sim::DiskObserver {
    World* world = nullptr;
    bool target = false;
    void on_request_start(const sim::DiskRequest& r) override { world->request_start(target, r); }
    void on_data_moved(const sim::DiskRequest& r, std::uint64_t offset,
                       std::uint64_t length) override {
      world->data_moved(target, r, offset, length);
    }
    void on_request_end(const sim::DiskRequest& r) override { world->request_end(target, r); }
    bool wants_data_moves() const override { return world->wants_data_moves(target); }
  };

  void build_disks();
  // The scenario's [[prefill]] writes, straight into the images: the state
  // the disks are in before anything runs.
  void apply_prefill();
  void pivot();
  void request_start(bool target, const sim::DiskRequest& r);
  void request_end(bool target, const sim::DiskRequest& r);
  // Content changed under [offset, offset + length): a piece of a write, zero
  // write or discard landed (the whole request, when it is atomic and
  // succeeds; a split or torn one lands in pieces, and a torn one then fails).
  void data_moved(bool target, const sim::DiskRequest& r, std::uint64_t offset,
                  std::uint64_t length);
  // Whether data_moved may do something for a request to that disk that
  // starts now; where not, the disk may move its pieces lazily (faster).
  bool wants_data_moves(bool target) const;
  void drive();  // the driver task: start the job, the guest, the commands
  // The guest (world_io.cc): an open-loop arrival process feeding a FIFO
  // in front of guest_queue_depth() slots.
  struct PendingGuestRequest {
    sim::GuestRequest request;
    std::uint64_t number = 0;
    engine::TimeNs arrived = 0;  // its arrival time: latency counts from here
  };
  void schedule_next_guest();
  void guest_arrival(const PendingGuestRequest& pending);
  void serve_guest(PendingGuestRequest pending);
  void admit_capped_arrival();
  std::uint64_t guest_outstanding() const { return guest_in_flight_ + guest_queue_.size(); }
  GuestResult guest_request(const sim::GuestRequest& request, std::uint64_t number,
                            engine::TimeNs arrived);
  void run_command(const scenarios::Command& command);
  // Runs a job command and records how it was answered.
  CommandRecord execute(const std::string& action, const std::function<void()>& call);
  CommandRecord record_command(const std::string& action, bool accepted, std::string note);
  void operator_resume();  // the operator's task, after a stop on error
  // Guest request `number` as the guest issued it (for failure messages).
  std::optional<sim::GuestRequest> find_guest_request(std::uint64_t number) const;
  std::optional<DifferenceSides> describe_sides(const sim::Difference& d,
                                                const sim::GuestView& target,
                                                const sim::GuestView& source) const;
  ConvergenceOutcome convergence(const RunReport& report);
  void finish_checks(RunReport& report);
  // What the oracles need, as the run stands (no content comparisons).
  RunFacts facts_so_far() const;
  // Bytes the job has still to copy: dirty, in flight or waiting to start.
  std::uint64_t bytes_left() const;
  // Durable completion's comparison at READY or at the pivot.
  void compare_durable(const char* moment);
  // At the end of a cancel after READY: the durable target must be one of
  // the source's contents since the cancel (the point-in-time copy).
  void compare_durable_at_cancel_end();
  // What the specification says of this job (world_algorithm_rules.cc):
  // the bounds oracle's limits, whether READY claims the target in sync,
  // and the algorithm's own rules. Its sizes depend on the target as it is
  // when called: read them when the job starts (a pivot attaches backing).
  AlgorithmSpec spec() const;
  // Pre-copy's bound on the passes before READY, snapshot's on the rounds.
  std::optional<std::string> pass_bound_violation(const RunReport& report) const;
  void guest_write_started(std::uint64_t number, const sim::GuestRequest& request);
  void guest_write_ended(std::uint64_t number);

  scenarios::Scenario scenario_;
  RunOptions options_;
  std::unique_ptr<sim::Simulation> simulation_;
  sim::ContentSource content_;
  ContentProvenance provenance_;  // who took each content value
  std::shared_ptr<sim::DiskImage> base_image_;
  std::unique_ptr<sim::SimDisk> source_;
  std::unique_ptr<sim::SimDisk> target_;
  Watch source_watch_;
  Watch target_watch_;
  engine::MirrorParams params_;
  std::unique_ptr<engine::MirrorAlgorithm> job_;
  std::unique_ptr<sim::RequestSource> requests_;
  std::unique_ptr<engine::WaitQueue> ready_or_end_;

  BoundsMonitor bounds_;
  ProgressTracker progress_;
  std::uint64_t copied_bytes_ = 0;     // by background ops that succeeded
  std::uint64_t in_flight_bytes_ = 0;  // in background ops that have not ended
  std::vector<engine::JobEvent> events_;
  std::vector<CommandRecord> command_records_;
  bool started_ = false;
  bool job_started_ = false;
  std::string start_error_;
  bool pivoted_ = false;
  engine::TimeNs pivot_time_ = 0;
  // The first target request that started after the pivot (ids grow in
  // start order): data_moved follows it and those after it, the same ones
  // whose pieces the target's watch asked to see.
  std::optional<std::uint64_t> first_target_request_after_pivot_;
  bool user_paused_ = false;  // a pause the user asked for and has not resumed
  bool complete_accepted_ = false;
  bool cancel_accepted_ = false;
  bool soft_cancel_after_ready_ = false;
  std::optional<engine::TimeNs> cancel_end_ns_;   // when that cancel's job ended cleanly
  std::optional<std::uint64_t> passes_at_ready_;  // the job's passes when it said READY
  bool snapshotting_ = false;  // between a soft cancel past READY and the job's end
  // Whether a soft cancel past READY may come: unless run() drives the
  // world (then commands come from the scenario only, not from calls
  // between steps) and the scenario has no cancel.
  bool soft_cancel_may_come_ = true;
  std::vector<sim::GuestView> snapshots_;
  std::uint32_t guest_in_flight_ = 0;
  // Arrivals waiting for one of the guest_queue_depth() slots, oldest first.
  std::deque<PendingGuestRequest> guest_queue_;
  // An arrival that found max_outstanding requests outstanding: the arrival
  // process pauses until a request completes and admits it.
  std::optional<PendingGuestRequest> capped_arrival_;
  std::optional<double> guest_requested_iops_;  // the generator's (requested_rate_iops)
  std::uint64_t guest_cap_hits_ = 0;
  engine::TimeNs guest_cap_delay_ns_ = 0;
  std::uint64_t guest_requests_taken_ = 0;
  std::uint64_t trace_requests_ = 0;           // requests_ is a TraceReplay: its length
  engine::TimeNs trace_first_request_ns_ = 0;  // from requests_: numbers them from 1
  std::uint64_t guest_requests_ = 0;
  std::uint64_t guest_errors_ = 0;
  std::vector<engine::TimeNs> guest_write_latencies_;
  MetricsRecorder metrics_;  // observations for the report (run_metrics.h)

  // ---- durability (header, 5) ----
  bool target_cache_ = false;  // durable completion and the flush protocol are judged
  FlushProtocolMonitor flush_protocol_;
  std::vector<DurableComparison> durable_comparisons_;
  // Job ops in flight (id, offset, length): left out of the comparison.
  struct OpSpan {
    std::uint64_t id = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  std::vector<OpSpan> ops_in_flight_;
  // Guest writes in flight (number, offset, length), and the ranges of
  // those completed since the last target flush started.
  std::vector<OpSpan> guest_writes_in_flight_;
  RangeMask guest_writes_since_target_flush_;
  // Crash safety: only for scenarios with a power_loss command.
  std::optional<GuestDurability> durability_;
  std::vector<CrashCheck> crash_checks_;
  std::optional<sim::RandomStream> source_loss_stream_;
  std::optional<sim::RandomStream> target_loss_stream_;
  // The disks as they were just before the first power loss.
  std::optional<std::pair<sim::GuestView, sim::GuestView>> before_power_loss_;  // target, source
};

}  // namespace mirrorsim::properties
