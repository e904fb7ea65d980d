#include "properties/world.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/core.h>

#include "engine/mirror_job.h"
#include "engine/wait_queue.h"
#include "properties/bounds_monitor.h"
#include "properties/content_provenance.h"
#include "properties/oracles.h"
#include "properties/progress_tracker.h"
#include "properties/scenario_build.h"
#include "sim/content.h"
#include "sim/disk_image.h"
#include "sim/sim_disk.h"
#include "sim/simulation.h"
#include "sim/trace.h"

namespace mirrorsim::properties {
namespace {

using engine::TimeNs;
using scenarios::Backing;
using scenarios::CommandKind;
using scenarios::CommandTrigger;

constexpr std::uint32_t kSourceDiskId = 1;
constexpr std::uint32_t kTargetDiskId = 2;
// Guest requests in flight at once (a virtio queue's worth).
constexpr std::uint32_t kGuestQueueDepth = 32;
// A management layer resumes a job stopped on an error after this long.
constexpr TimeNs kOperatorResumeDelayNs = engine::kNsPerMs;

std::string command_name(const scenarios::Command& c) {
  switch (c.kind) {
    case CommandKind::kComplete:
      return "complete";
    case CommandKind::kCancel:
      return "cancel";
    case CommandKind::kForceCancel:
      return "force-cancel";
    case CommandKind::kPause:
      return "pause";
    case CommandKind::kResume:
      return "resume";
    case CommandKind::kSetSpeed:
      return fmt::format("set-speed {}", c.speed_bytes_s);
    case CommandKind::kWriteBlocking:
      return "write-blocking";
  }
  return "?";
}

// Reorders `values` (a selection, not a sort: millions of latencies in a
// long run).
TimeNs percentile(std::vector<TimeNs>& values, double p) {
  if (values.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::min(index, values.size() - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

// One run. Members are declared in the order they must be built.
class World final : public engine::JobObserver {
 public:
  World(const scenarios::Scenario& scenario, const RunOptions& options)
      : scenario_(scenario),
        options_(options),
        simulation_(simulation_options(scenario, options)),
        commands_(with_default_end(scenario.commands)) {
    build_disks();
    params_ = mirror_params(scenario.mirror, options.extra_bugs);
    job_ = std::make_unique<engine::MirrorJob>(*simulation_, *source_, *target_, params_, this,
                                               [this] { pivot(); });
    if (options.requests) {
      requests_ = std::make_unique<sim::TraceReplay>(*options.requests);
    } else {
      requests_ = request_source(scenario, simulation_->stream(sim::streams::kWorkload));
    }
    ready_or_end_ = std::make_unique<engine::WaitQueue>(*simulation_, "READY or job end");
  }

  ~World() override {
    // Blocked tasks refer to the job and the disks: unwind them first.
    simulation_->unwind_tasks();
  }

  RunReport run();

  // engine::JobObserver
  void on_event(const engine::JobEvent& event) override;
  void on_op_start(const engine::OpInfo& op) override;
  void on_op_end(const engine::OpInfo& op, int error) override;
  void on_rate_dispatch(TimeNs now, std::uint64_t bytes, std::uint64_t speed) override {
    bounds_.on_rate_dispatch(now, bytes, speed);
    // An iteration has started all its ops: the bytes left are exact.
    progress_.sample(now, copied_bytes_, job_->dirty_bytes() + in_flight_bytes_);
  }

 private:
  // Sees every request on one disk and forwards it to the world.
  struct Watch final : sim::DiskObserver {
    World* world = nullptr;
    bool target = false;
    void on_request_start(const sim::DiskRequest& r) override { world->request_start(target, r); }
    void on_request_end(const sim::DiskRequest& r) override { world->request_end(target, r); }
  };

  static std::unique_ptr<sim::Simulation> simulation_options(const scenarios::Scenario& s,
                                                             const RunOptions& o) {
    sim::SimulationOptions so;
    so.seed = o.seed.value_or(s.seed);
    so.shuffle_ties = o.shuffle_ties;
    so.retain_log = o.retain_log;
    so.time_limit_ns = static_cast<TimeNs>(std::min<std::uint64_t>(
        s.limits.max_time_us, static_cast<std::uint64_t>(INT64_MAX / engine::kNsPerUs)));
    so.time_limit_ns *= engine::kNsPerUs;
    so.event_limit = s.limits.max_events;
    return std::make_unique<sim::Simulation>(so);
  }

  static std::vector<scenarios::Command> with_default_end(std::vector<scenarios::Command> c) {
    const bool has_end = std::any_of(c.begin(), c.end(), [](const scenarios::Command& x) {
      return x.kind == CommandKind::kComplete || x.kind == CommandKind::kCancel ||
             x.kind == CommandKind::kForceCancel;
    });
    if (!has_end) {
      scenarios::Command complete;
      complete.kind = CommandKind::kComplete;
      complete.trigger = CommandTrigger::kOnReady;
      c.push_back(complete);
    }
    return c;
  }

  void build_disks();
  void pivot();
  void request_start(bool target, const sim::DiskRequest& r);
  void request_end(bool target, const sim::DiskRequest& r);
  void drive();  // the top task: start the job, the guest, the commands
  void schedule_next_guest();
  void run_guest_request(sim::GuestRequest request, std::uint64_t number);
  void guest_request(const sim::GuestRequest& request, std::uint64_t number);
  // Guest request `number` as the guest issued it (for failure messages).
  std::optional<sim::GuestRequest> find_guest_request(std::uint64_t number) const;
  std::optional<DifferenceSides> describe_sides(const sim::Difference& d,
                                                const sim::GuestView& target,
                                                const sim::GuestView& source) const;
  void run_command(const scenarios::Command& command);
  void execute(const std::string& action, const std::function<void()>& call);
  void finish_checks(RunReport& report);

  const scenarios::Scenario& scenario_;
  const RunOptions& options_;
  std::unique_ptr<sim::Simulation> simulation_;
  std::vector<scenarios::Command> commands_;
  sim::ContentSource content_;
  ContentProvenance provenance_;  // who took each content value
  std::shared_ptr<sim::DiskImage> base_image_;
  std::unique_ptr<sim::SimDisk> source_;
  std::unique_ptr<sim::SimDisk> target_;
  Watch source_watch_;
  Watch target_watch_;
  engine::MirrorParams params_;
  std::unique_ptr<engine::MirrorJob> job_;
  std::unique_ptr<sim::RequestSource> requests_;
  std::unique_ptr<engine::WaitQueue> ready_or_end_;

  BoundsMonitor bounds_;
  ProgressTracker progress_;
  std::uint64_t copied_bytes_ = 0;     // by background ops that succeeded
  std::uint64_t in_flight_bytes_ = 0;  // in background ops that have not ended
  std::vector<engine::JobEvent> events_;
  std::vector<CommandRecord> command_records_;
  bool job_started_ = false;
  std::string start_error_;
  bool pivoted_ = false;
  TimeNs pivot_time_ = 0;
  bool complete_accepted_ = false;
  bool cancel_accepted_ = false;
  bool soft_cancel_after_ready_ = false;
  bool snapshotting_ = false;  // between a soft cancel past READY and the job's end
  std::vector<sim::GuestView> snapshots_;
  std::uint32_t guest_in_flight_ = 0;
  // An arrival that found the guest queue full; it takes the next free slot.
  std::optional<std::pair<sim::GuestRequest, std::uint64_t>> waiting_guest_request_;
  std::uint64_t guest_requests_taken_ = 0;  // from requests_: numbers them from 1
  std::uint64_t guest_requests_ = 0;
  std::uint64_t guest_errors_ = 0;
  std::vector<TimeNs> guest_write_latencies_;
};

void World::build_disks() {
  const scenarios::Scenario& s = scenario_;
  if (s.base) {
    base_image_ = std::make_shared<sim::DiskImage>(disk_options(*s.base, "base"));
    if (s.base->old_data) {
      const std::uint64_t value = content_.next();
      base_image_->fill_with_old_data(value);
      provenance_.record_fill(value, "the base image's original data");
    }
  }
  auto image_for = [&](const scenarios::DiskSpec& spec, const char* name) {
    auto image = std::make_shared<sim::DiskImage>(disk_options(spec, name));
    if (spec.backing == Backing::kAttached) {
      if (!base_image_) throw std::invalid_argument(std::string(name) + ": backing has no base");
      image->attach_backing(base_image_);
    }
    return image;
  };
  std::shared_ptr<sim::DiskImage> source = image_for(s.source, "source");
  std::shared_ptr<sim::DiskImage> target = image_for(s.target, "target");
  if (s.target.backing == Backing::kAtPivot && !base_image_) {
    throw std::invalid_argument("target: backing at-pivot needs a [base] disk");
  }
  // A disk that starts with old data takes a fresh value when it is built.
  std::uint64_t issued = content_.issued();
  source_ = std::make_unique<sim::SimDisk>(*simulation_, content_, kSourceDiskId, source);
  if (content_.issued() != issued) {
    provenance_.record_fill(content_.issued(), "the source's old data", "there before the job");
  }
  issued = content_.issued();
  target_ = std::make_unique<sim::SimDisk>(*simulation_, content_, kTargetDiskId, target);
  if (content_.issued() != issued) {
    provenance_.record_fill(content_.issued(), "the target's old data",
                            "stale, there before the job");
  }
  source_->set_fault_plan(fault_plan(s, scenarios::FaultDisk::kSource));
  target_->set_fault_plan(fault_plan(s, scenarios::FaultDisk::kTarget));
  source_watch_.world = this;
  target_watch_.world = this;
  target_watch_.target = true;
  source_->add_observer(source_watch_);
  target_->add_observer(target_watch_);
}

void World::pivot() {
  if (scenario_.target.backing == Backing::kAtPivot) target_->attach_backing(base_image_);
  pivoted_ = true;
  pivot_time_ = simulation_->now();
}

void World::request_start(bool target, const sim::DiskRequest& r) {
  const sim::SimDisk& disk = target ? *target_ : *source_;
  bounds_.on_request_validity(target ? "target" : "source", disk.options().length, r);
  if (target && !pivoted_ && !job_->ended()) bounds_.on_target_request_start(r);
}

void World::request_end(bool target, const sim::DiskRequest& r) {
  if (target) {
    bounds_.on_target_request_end(r);
    // A guest write after the pivot: make the source (the guest's expected
    // disk) read what the target now reads there.
    if (pivoted_ && r.start_ns >= pivot_time_ && sim::changes_content(r.op) && r.error == 0) {
      sim::ContentPayload now = target_->image().read(r.offset, r.length);
      (void)source_->image().write(r.offset, now);
    }
    return;
  }
  if (snapshotting_ && sim::changes_content(r.op) && r.error == 0)
    snapshots_.push_back(source_->snapshot());
}

void World::on_event(const engine::JobEvent& event) {
  events_.push_back(event);
  sim::EventLog& log = simulation_->log();
  if (event.kind == engine::JobEventKind::kStateChange) {
    log.append(event.time, sim::EventKind::kJobState, static_cast<std::uint32_t>(event.state));
  } else {
    log.append(event.time, sim::EventKind::kJobEvent, static_cast<std::uint32_t>(event.kind),
               static_cast<std::uint64_t>(event.error), event.pivoted ? 1 : 0);
  }
  if (event.kind == engine::JobEventKind::kReady) ready_or_end_->wake_all();
  // A management layer resumes a job after each error that stopped it (a
  // resume of a job that is not paused is refused, and recorded as such).
  if (event.kind == engine::JobEventKind::kError && event.action == "stop") {
    simulation_->spawn("operator", [this] {
      simulation_->sleep_for(kOperatorResumeDelayNs);
      execute("resume (operator, after a stop on error)", [this] { job_->resume(); });
    });
  }
}

void World::on_op_start(const engine::OpInfo& op) {
  bounds_.on_op_start(simulation_->now(), op);
  simulation_->log().append(simulation_->now(), sim::EventKind::kMirrorOpStart,
                            static_cast<std::uint32_t>(op.kind), op.offset, op.length);
  simulation_->log().append(simulation_->now(), sim::EventKind::kDirtyBytes, 0,
                            job_->dirty_bytes());
  // No progress sample here: an iteration clears the dirty bits of its whole
  // run first and starts its ops one by one, so until its last op has
  // started the bytes left would be undercounted.
  if (op.kind != engine::OpKind::kActiveWrite) in_flight_bytes_ += op.length;
}

void World::on_op_end(const engine::OpInfo& op, int error) {
  simulation_->log().append(simulation_->now(), sim::EventKind::kMirrorOpEnd,
                            static_cast<std::uint32_t>(op.kind), op.offset, op.length,
                            static_cast<std::uint64_t>(error));
  if (op.kind != engine::OpKind::kActiveWrite) {
    in_flight_bytes_ -= std::min(in_flight_bytes_, op.length);
    if (error == 0) copied_bytes_ += op.length;
  }
  progress_.sample(simulation_->now(), copied_bytes_, job_->dirty_bytes() + in_flight_bytes_);
}

void World::execute(const std::string& action, const std::function<void()>& call) {
  CommandRecord record;
  record.time = simulation_->now();
  record.action = action;
  if (job_->ended()) {
    record.note = "the job has ended";
  } else {
    try {
      call();
      record.accepted = true;
    } catch (const engine::JobCommandError& e) {
      record.note = e.what();
    }
  }
  simulation_->log().append(record.time, sim::EventKind::kNote,
                            static_cast<std::uint32_t>(sim::hash_name(action)),
                            record.accepted ? 1 : 0);
  command_records_.push_back(std::move(record));
}

void World::run_command(const scenarios::Command& c) {
  const TimeNs delay = static_cast<TimeNs>(c.time_us) * engine::kNsPerUs;
  if (c.trigger == CommandTrigger::kOnReady) {
    ready_or_end_->wait_until([this] { return job_->ready_seen() || job_->ended(); });
    if (job_->ended()) return;
    simulation_->sleep_for(delay);
  } else if (delay > simulation_->now()) {
    simulation_->sleep_for(delay - simulation_->now());
  }
  const std::string name = command_name(c);
  switch (c.kind) {
    case CommandKind::kComplete:
      execute(name, [this] {
        job_->complete();
        complete_accepted_ = true;
      });
      break;
    case CommandKind::kCancel:
    case CommandKind::kForceCancel: {
      const bool force = c.kind == CommandKind::kForceCancel;
      const bool was_ready = job_->ready_seen();
      execute(name, [&] {
        job_->cancel(force);
        cancel_accepted_ = true;
        if (!force && was_ready && !soft_cancel_after_ready_) {
          soft_cancel_after_ready_ = true;
          snapshotting_ = true;
          snapshots_.push_back(source_->snapshot());
        }
      });
      break;
    }
    case CommandKind::kPause:
      execute(name, [this] { job_->pause(); });
      break;
    case CommandKind::kResume:
      execute(name, [this] { job_->resume(); });
      break;
    case CommandKind::kSetSpeed: {
      const auto speed = static_cast<std::int64_t>(c.speed_bytes_s);
      execute(name, [this, speed] { job_->set_speed(speed); });
      break;
    }
    case CommandKind::kWriteBlocking:
      execute(name, [this] { job_->switch_to_write_blocking(); });
      break;
  }
}

void World::guest_request(const sim::GuestRequest& request, std::uint64_t number) {
  engine::BlockDevice& device = job_->guest_device();
  const TimeNs start = simulation_->now();
  simulation_->log().append(start, sim::EventKind::kGuestRequest,
                            static_cast<std::uint32_t>(request.op), request.offset, request.length);
  engine::IoStatus status;
  switch (request.op) {
    case sim::GuestOp::kWrite: {
      const std::uint64_t value = content_.next();
      provenance_.record_guest_write(value, number, pivoted_);
      const sim::ContentPayload data = sim::ContentPayload::fresh(value, request.length);
      status = device.write(request.offset, request.length, data);
      guest_write_latencies_.push_back(simulation_->now() - start);
      break;
    }
    case sim::GuestOp::kWriteZeroes:
      status = device.write_zeroes(request.offset, request.length, true);
      break;
    case sim::GuestOp::kDiscard:
      status = device.discard(request.offset, request.length);
      break;
    case sim::GuestOp::kRead: {
      engine::PayloadPtr out;
      status = device.read(request.offset, request.length, out);
      break;
    }
  }
  ++guest_requests_;
  if (!status.ok()) ++guest_errors_;
  if (request.op != sim::GuestOp::kRead) progress_.guest_write(simulation_->now());
}

// Each guest request arrives in a task of its own, at its arrival time. The
// guest queue holds kGuestQueueDepth requests; an arrival that finds it full
// waits for the first slot to free, and the next arrival is scheduled only
// once it has one, so later arrivals queue up behind it (at most one waits).
// A finishing request hands its slot, and its task, to the waiting one.
void World::schedule_next_guest() {
  if (!requests_ || job_->ended()) return;
  std::optional<sim::GuestRequest> request = requests_->next();
  if (!request) return;
  const TimeNs delay = std::max<TimeNs>(0, request->time - simulation_->now());
  const std::uint64_t number = ++guest_requests_taken_;
  simulation_->spawn_after(delay, "guest-io",
                           [this, r = *request, number] { run_guest_request(r, number); });
}

void World::run_guest_request(sim::GuestRequest request, std::uint64_t number) {
  if (job_->ended()) return;
  if (guest_in_flight_ == kGuestQueueDepth) {
    waiting_guest_request_.emplace(request, number);
    return;
  }
  ++guest_in_flight_;
  while (true) {
    schedule_next_guest();
    guest_request(request, number);
    if (!waiting_guest_request_) break;
    std::tie(request, number) = *waiting_guest_request_;
    waiting_guest_request_.reset();
  }
  --guest_in_flight_;
}

void World::drive() {
  try {
    job_->start();
  } catch (const engine::MirrorConfigError& e) {
    start_error_ = e.what();
    return;
  }
  job_started_ = true;
  bounds_.set_buffer_limit(job_->resolved().buf_size_bytes);
  schedule_next_guest();
  for (const scenarios::Command& c : commands_) {
    simulation_->spawn("command " + command_name(c), [this, c] { run_command(c); });
  }
  job_->wait_until_ended();
  snapshotting_ = false;
  ready_or_end_->wake_all();
}

RunReport World::run() {
  simulation_->spawn("driver", [this] { drive(); });
  RunReport report;
  report.sim = simulation_->run();
  report.scenario_name = scenario_.name;
  report.seed = simulation_->options().seed;
  report.bugs = params_.bugs.names();
  report.job_started = job_started_;
  report.start_error = start_error_;
  report.job = job_->outcome();
  report.metrics = job_->metrics();
  report.resolved = job_->resolved();
  report.events = events_;
  report.commands = command_records_;
  report.guest_requests = guest_requests_;
  report.guest_errors = guest_errors_;
  report.guest_write_p50_ns = percentile(guest_write_latencies_, 0.50);
  report.guest_write_p99_ns = percentile(guest_write_latencies_, 0.99);
  report.faults_injected = source_->stats().faults_injected + target_->stats().faults_injected;
  report.source_length = scenario_.source.length_bytes;
  finish_checks(report);
  report.sim.log_hash = simulation_->log().hash();
  if (options_.retain_log) {
    auto records = simulation_->log().records();
    report.log.assign(records.begin(), records.end());
  }
  return report;
}

std::optional<sim::GuestRequest> World::find_guest_request(std::uint64_t number) const {
  if (number == 0) return std::nullopt;
  if (options_.requests) {
    if (number > options_.requests->size()) return std::nullopt;
    return (*options_.requests)[number - 1];
  }
  // The run's request source again: built from the same scenario and the
  // same seed-derived stream, it hands out the same requests in the same
  // order (the run's own stream is untouched).
  std::unique_ptr<sim::RequestSource> again;
  try {
    again = request_source(scenario_, simulation_->stream(sim::streams::kWorkload));
  } catch (const std::exception&) {
    return std::nullopt;  // e.g. a trace file gone since: name the request by number only
  }
  std::optional<sim::GuestRequest> request;
  for (std::uint64_t i = 0; again && i < number; ++i) {
    request = again->next();
    if (!request) break;
  }
  return request;
}

std::optional<DifferenceSides> World::describe_sides(const sim::Difference& d,
                                                     const sim::GuestView& target,
                                                     const sim::GuestView& source) const {
  static const std::string kTargetLayers[] = {"target", "base image"};
  static const std::string kSourceLayers[] = {"source", "base image"};
  return provenance_.describe_sides(
      d, target, kTargetLayers, source, kSourceLayers,
      [this](std::uint64_t number) { return find_guest_request(number); });
}

void World::finish_checks(RunReport& report) {
  RunFacts facts;
  facts.sim = report.sim;
  facts.lengths_differ = scenario_.source.length_bytes != scenario_.target.length_bytes;
  facts.job_started = job_started_;
  facts.start_error = start_error_;
  facts.job = job_->outcome();
  facts.events = events_;
  facts.complete_accepted = complete_accepted_;
  facts.cancel_accepted = cancel_accepted_;
  facts.soft_cancel_after_ready = soft_cancel_after_ready_;
  facts.bound_violations = bounds_.violations();
  if (report.sim.status == sim::RunOutcome::Status::kLimit) {
    progress_.sample(report.sim.end_time_ns, copied_bytes_, job_->dirty_bytes() + in_flight_bytes_);
    facts.progress = progress_.window(report.sim.end_time_ns);
    facts.copy_mode = job_->copy_mode();
  }
  const bool clean_end = report.sim.status == sim::RunOutcome::Status::kCompleted;
  if (clean_end && facts.job.ended && facts.job.pivoted) {
    facts.pivot_compared = true;
    const sim::GuestView target = target_->snapshot();
    const sim::GuestView source = source_->snapshot();
    facts.pivot_difference = sim::first_difference(target, source);
    if (facts.pivot_difference) {
      facts.pivot_sides = describe_sides(*facts.pivot_difference, target, source);
    }
  }
  if (clean_end && facts.job.ended && soft_cancel_after_ready_ && facts.job.success &&
      !facts.job.pivoted) {
    // Read the target as it would be opened later: with its backing.
    if (scenario_.target.backing == Backing::kAtPivot && target_->image().backing() == nullptr) {
      target_->attach_backing(base_image_);
    }
    facts.point_in_time_checked = true;
    facts.snapshots = snapshots_.size();
    const sim::GuestView target = target_->snapshot();
    for (auto it = snapshots_.rbegin(); it != snapshots_.rend(); ++it) {
      std::optional<sim::Difference> d = sim::first_difference(target, *it);
      if (!d) {
        facts.point_in_time_match = true;
        break;
      }
      if (it == snapshots_.rbegin()) {
        facts.point_in_time_difference = d;
        facts.point_in_time_sides = describe_sides(*d, target, *it);
      }
    }
  }
  report.verdicts = check_all(facts);
}

}  // namespace

RunReport run_scenario(const scenarios::Scenario& scenario, const RunOptions& options) {
  World world(scenario, options);
  return world.run();
}

}  // namespace mirrorsim::properties
