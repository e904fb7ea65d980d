// The World's set-up, its observers and its stepping. How a run goes:
//   - the constructor builds the disks (base, source, target), the job and
//     the guest's request source, and nothing runs;
//   - start() spawns the driver task (world_io.cc), which starts the job,
//     schedules the guest's first request and one task per scenario command,
//     and waits for the job's end;
//   - the campaign then runs the simulation to its end (run()); a test steps
//     it (run_until, advance) and sends requests and commands in between;
//   - report() turns what was seen into RunFacts and the oracles' verdicts.
#include "properties/world.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "properties/algorithm_specs.h"
#include "properties/oracles.h"
#include "properties/scenario_build.h"
#include "sim/disks/disk_image.h"

namespace mirrorsim::properties {
namespace {

using engine::TimeNs;
using scenarios::Backing;
using scenarios::CommandKind;
using scenarios::CommandTrigger;

// Reorders `values` (a selection, not a sort: millions of latencies in a
// long run).
TimeNs percentile(std::vector<TimeNs>& values, double p) {
  if (values.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::min(index, values.size() - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

sim::SimulationOptions simulation_options(const scenarios::Scenario& s, const RunOptions& o) {
  sim::SimulationOptions so;
  so.seed = o.seed.value_or(s.seed);
  so.shuffle_ties = o.shuffle_ties;
  so.retain_log = o.retain_log;
  so.time_limit_ns = static_cast<TimeNs>(std::min<std::uint64_t>(
      s.limits.max_time_us, static_cast<std::uint64_t>(INT64_MAX / engine::kNsPerUs)));
  so.time_limit_ns *= engine::kNsPerUs;
  so.event_limit = s.limits.max_events;
  return so;
}

std::vector<scenarios::Command> with_default_end(std::vector<scenarios::Command> c) {
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

}  // namespace

World::World(const scenarios::Scenario& scenario, RunOptions options)
    : scenario_(scenario),
      options_(std::move(options)),
      simulation_(std::make_unique<sim::Simulation>(simulation_options(scenario_, options_))),
      metrics_(scenario_.source.length_bytes) {
  build_disks();
  apply_prefill();
  params_ = mirror_params(scenario_.mirror, options_.extra_bugs);
  job_ = engine::make_mirror_algorithm(*simulation_, *source_, *target_, params_, this,
                                       [this] { pivot(); });
  if (options_.requests) {
    requests_ = std::make_unique<sim::TraceReplay>(*options_.requests);
  } else {
    requests_ = request_source(scenario_, simulation_->stream(sim::streams::kWorkload));
    if (const auto* params = std::get_if<sim::WorkloadParams>(&scenario_.workload)) {
      guest_requested_iops_ = sim::requested_rate_iops(*params);
    }
  }
  if (const auto* trace = dynamic_cast<const sim::TraceReplay*>(requests_.get())) {
    trace_requests_ = trace->requests().size();
    if (trace_requests_ > 0) trace_first_request_ns_ = trace->requests().front().time;
  }
  ready_or_end_ = std::make_unique<engine::WaitQueue>(*simulation_, "READY or job end");
  target_cache_ = scenario_.target.write_cache;
  if (target_cache_) guest_writes_since_target_flush_ = RangeMask(scenario_.source.length_bytes);
}

World::~World() {
  // Blocked tasks refer to the job and the disks: unwind them first.
  simulation_->unwind_tasks();
}

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

void World::apply_prefill() {
  for (std::size_t i = 0; i < scenario_.prefill.size(); ++i) {
    const scenarios::Prefill& p = scenario_.prefill[i];
    const bool on_base = p.disk == scenarios::PrefillDisk::kBase;
    if (on_base && !base_image_) {
      throw std::invalid_argument(fmt::format("prefill[{}]: disk \"base\" without a [base]", i));
    }
    sim::DiskModel& image = on_base ? static_cast<sim::DiskModel&>(*base_image_)
                                    : static_cast<sim::DiskModel&>(source_->image());
    engine::IoStatus status;
    switch (p.op) {
      case scenarios::PrefillOp::kWrite: {
        const std::uint64_t value = content_.next();
        provenance_.record_fill(value, fmt::format("prefill[{}]", i), "written before the job",
                                p.offset_bytes);
        status = image.write(p.offset_bytes, sim::ContentPayload::fresh(value, p.length_bytes));
        break;
      }
      case scenarios::PrefillOp::kWriteZeroes:
        status = image.write_zeroes(p.offset_bytes, p.length_bytes, /*may_unmap=*/true);
        break;
      case scenarios::PrefillOp::kDiscard:
        status = image.discard(p.offset_bytes, p.length_bytes);
        break;
    }
    // A thin disk may be too small for it: the scenario cannot be built.
    if (!status.ok()) {
      throw std::invalid_argument(fmt::format("prefill[{}]: the {} failed ({}) on the {}", i,
                                              scenarios::name_of(p.op), status.error,
                                              scenarios::name_of(p.disk)));
    }
  }
  // The host flushed what it wrote before the job: a power loss keeps it.
  if (!scenario_.prefill.empty()) source_->adopt_image_as_durable();
}

void World::write_fresh(DiskRole role, std::uint64_t offset, std::uint64_t length) {
  sim::DiskModel& image =
      role == DiskRole::kBase ? static_cast<sim::DiskModel&>(*base_image_) : disk(role).image();
  const std::uint64_t value = content_.next();
  provenance_.record_fill(value, "data written before the job");
  (void)image.write(offset, sim::ContentPayload::fresh(value, length));
}

void World::add_fault(DiskRole role, const sim::FaultRule& rule) {
  disk(role).fault_plan().add(rule);
}

sim::SimDisk& World::disk(DiskRole role) {
  if (role == DiskRole::kBase) throw std::invalid_argument("the base image is not a SimDisk");
  return role == DiskRole::kTarget ? *target_ : *source_;
}

void World::pivot() {
  // From here the source is the record of what the guest expects, which
  // the World writes straight into (data_moved, power_loss): no longer a
  // device whose cache a power loss could empty.
  source_->end_write_cache();
  if (scenario_.target.backing == Backing::kAtPivot) target_->attach_backing(base_image_);
  pivoted_ = true;
  pivot_time_ = simulation_->now();
  metrics_.pivoted(pivot_time_);
  if (target_cache_) {
    flush_protocol_.on_pivot(pivot_time_);
    compare_durable("the pivot");
  }
}

void World::compare_durable(const char* moment) {
  const sim::GuestView source = source_->snapshot();
  sim::GuestView target = target_->durable_snapshot();
  // Read the target as it will be opened: under the base it is attached to
  // at the pivot.
  if (scenario_.target.backing == Backing::kAtPivot && target_->image().backing() == nullptr) {
    target = stacked(target, base_image_->guest_view());
  }
  RangeMask mask = guest_writes_since_target_flush_;
  for (const OpSpan& op : ops_in_flight_) mask.add(op.offset, op.length);
  for (const OpSpan& w : guest_writes_in_flight_) mask.add(w.offset, w.length);
  DurableComparison c;
  c.moment = moment;
  c.time = simulation_->now();
  c.difference = mask.difference(target, source);
  if (c.difference) c.sides = describe_sides(*c.difference, target, source);
  durable_comparisons_.push_back(std::move(c));
}

void World::compare_durable_at_cancel_end() {
  sim::GuestView target = target_->durable_snapshot();
  if (scenario_.target.backing == Backing::kAtPivot && target_->image().backing() == nullptr) {
    target = stacked(target, base_image_->guest_view());
  }
  DurableComparison c;
  c.moment = "the end of the cancel after READY, against the source at each instant since it";
  c.time = cancel_end_ns_.value_or(simulation_->now());
  for (auto it = snapshots_.rbegin(); it != snapshots_.rend(); ++it) {
    std::optional<sim::Difference> d = sim::first_difference(target, *it);
    if (!d) {
      c.difference.reset();
      c.sides.reset();
      break;
    }
    if (it == snapshots_.rbegin()) {
      c.difference = d;
      c.sides = describe_sides(*d, target, *it);
    }
  }
  durable_comparisons_.push_back(std::move(c));
}

void World::guest_write_started(std::uint64_t number, const sim::GuestRequest& request) {
  if (target_cache_) guest_writes_in_flight_.push_back({number, request.offset, request.length});
  if (durability_) durability_->write_started(number, request.offset, request.length);
}

void World::guest_write_ended(std::uint64_t number) {
  if (target_cache_) {
    const auto it = std::find_if(guest_writes_in_flight_.begin(), guest_writes_in_flight_.end(),
                                 [number](const OpSpan& w) { return w.id == number; });
    if (it != guest_writes_in_flight_.end()) {
      guest_writes_since_target_flush_.add(it->offset, it->length);
      guest_writes_in_flight_.erase(it);
    }
  }
  if (durability_) durability_->write_ended(number);
}

void World::request_start(bool target, const sim::DiskRequest& r) {
  if (target && pivoted_ && !first_target_request_after_pivot_) {
    first_target_request_after_pivot_ = r.id;
  }
  const sim::SimDisk& disk = target ? *target_ : *source_;
  bounds_.on_request_validity(target ? "target" : "source", disk.options().length_bytes, r);
  if (target && !pivoted_ && !job_->ended()) {
    if (sim::changes_content(r.op)) metrics_.target_write();
    bounds_.on_target_request_start(r);
    // Durable completion leaves out what the guest wrote since the job's
    // last target flush started: that flush cannot cover it.
    if (target_cache_ && r.op == sim::DiskOp::kFlush) guest_writes_since_target_flush_.clear();
  }
}

void World::request_end(bool target, const sim::DiskRequest& r) {
  if (!target) return;
  bounds_.on_target_request_end(r);
  if (target_cache_ && !pivoted_) flush_protocol_.on_target_request_end(r);
}

// Follows the content as it lands, not as requests complete: a split
// request changes it piece by piece, and a torn one changes part of its range
// and then fails, which a check at the request's successful end would miss.
void World::data_moved(bool target, const sim::DiskRequest& r, std::uint64_t offset,
                       std::uint64_t length) {
  if (!sim::changes_content(r.op)) return;
  if (target) {
    // A guest write after the pivot: make the source (the guest's expected
    // disk) read what the target now reads there. Not a request that
    // started at the pivot's instant before it (a stale copy of the job's).
    if (first_target_request_after_pivot_ && r.id >= *first_target_request_after_pivot_) {
      sim::ContentPayload now = target_->image().read(offset, length);
      (void)source_->image().write(offset, now);
    }
    return;
  }
  if (snapshotting_) snapshots_.push_back(source_->snapshot());
}

bool World::wants_data_moves(bool target) const {
  // The target: guest writes after the pivot. The source: snapshots after a
  // soft cancel past READY, which must see every piece of a request in
  // flight when it comes, so watch from the start when one may come.
  return target ? pivoted_ : soft_cancel_may_come_;
}

void World::on_event(const engine::JobEvent& event) {
  events_.push_back(event);
  if (event.kind == engine::JobEventKind::kCompleted ||
      event.kind == engine::JobEventKind::kCancelled) {
    metrics_.job_running_until(event.time);
  }
  if (event.kind == engine::JobEventKind::kCompleted && soft_cancel_after_ready_ &&
      !event.pivoted && event.error == 0) {
    cancel_end_ns_ = event.time;
    if (target_cache_) flush_protocol_.on_cancel_end(event.time);
  }
  sim::EventLog& log = simulation_->log();
  if (event.kind == engine::JobEventKind::kStateChange) {
    log.append(event.time, sim::EventKind::kJobState, static_cast<std::uint32_t>(event.state));
  } else {
    log.append(event.time, sim::EventKind::kJobEvent, static_cast<std::uint32_t>(event.kind),
               static_cast<std::uint64_t>(event.error), event.pivoted ? 1 : 0);
  }
  if (event.kind == engine::JobEventKind::kReady) {
    passes_at_ready_ = job_->metrics().bitmap_passes;
    if (target_cache_) {
      flush_protocol_.on_ready(event.time);
      if (spec().ready_means_in_sync) compare_durable("READY");
    }
    ready_or_end_->wake_all();
  }
  // The operator (header, 4): one resume after each error that stopped the
  // job (a job already stopped that fails again stays stopped, with no state
  // change, so a resume may find it running and be refused).
  if (event.kind == engine::JobEventKind::kError && event.action == "stop") {
    simulation_->spawn("operator", [this] {
      simulation_->sleep_for(kOperatorResumeDelayNs);
      operator_resume();
    });
  }
}

void World::on_op_start(const engine::OpInfo& op) {
  bounds_.on_op_start(simulation_->now(), op);
  if (op.kind == engine::OpKind::kCopy) metrics_.copy_op_started(op.length);
  simulation_->log().append(simulation_->now(), sim::EventKind::kMirrorOpStart,
                            static_cast<std::uint32_t>(op.kind), op.offset, op.length);
  simulation_->log().append(simulation_->now(), sim::EventKind::kDirtyBytes, 0,
                            job_->dirty_bytes());
  // No progress sample here: an iteration clears the dirty bits of its whole
  // run first and starts its ops one by one, so until its last op has
  // started the bytes left would be undercounted.
  if (op.kind != engine::OpKind::kActiveWrite) in_flight_bytes_ += op.length;
  if (target_cache_) ops_in_flight_.push_back({op.id, op.offset, op.length});
}

void World::on_op_end(const engine::OpInfo& op, int error) {
  simulation_->log().append(simulation_->now(), sim::EventKind::kMirrorOpEnd,
                            static_cast<std::uint32_t>(op.kind), op.offset, op.length,
                            static_cast<std::uint64_t>(error));
  if (op.kind != engine::OpKind::kActiveWrite) {
    in_flight_bytes_ -= std::min(in_flight_bytes_, op.length);
    if (error == 0) copied_bytes_ += op.length;
  }
  if (target_cache_) {
    std::erase_if(ops_in_flight_, [&op](const OpSpan& o) { return o.id == op.id; });
    if (op.kind != engine::OpKind::kActiveWrite) {
      flush_protocol_.on_background_op_end(simulation_->now(), op);
    }
  }
  progress_.sample(simulation_->now(), copied_bytes_, bytes_left());
}

// Dirty, in flight, or issued and waiting for buffer pieces (a copy that
// waits is no longer dirty and has not started: without it a sample taken
// meanwhile would read low).
std::uint64_t World::bytes_left() const {
  return job_->dirty_bytes() + in_flight_bytes_ + job_->bytes_awaiting_buffer();
}

void World::on_rate_dispatch(TimeNs now, std::uint64_t bytes, std::uint64_t speed) {
  bounds_.on_rate_dispatch(now, bytes, speed);
  // An iteration has started all its ops: the bytes left are exact.
  progress_.sample(now, copied_bytes_, bytes_left());
}

void World::start() {
  if (started_) throw std::logic_error("World::start called twice");
  started_ = true;
  const bool power_loss =
      std::any_of(scenario_.commands.begin(), scenario_.commands.end(),
                  [](const scenarios::Command& c) { return c.kind == CommandKind::kPowerLoss; });
  if (power_loss) durability_.emplace(source_->snapshot());
  simulation_->spawn("driver", [this] { drive(); });
}

StepOutcome World::run_until(const std::function<bool()>& reached, TimeNs limit_ns) {
  StepOutcome step;
  if (reached()) return step;
  // The deadline is an event of its own, so that time moves up to it even
  // when nothing else is scheduled; it only raises a flag (a deadline of an
  // earlier step that fires later does nothing).
  auto passed = std::make_shared<bool>(false);
  simulation_->scheduler().at(now() + limit_ns, [passed] { *passed = true; });
  while (true) {
    step.run = simulation_->run_until([&] { return *passed || reached(); });
    if (reached()) {
      step.status = StepOutcome::Status::kReached;
      return step;
    }
    if (*passed) {
      step.status = StepOutcome::Status::kTimedOut;
      return step;
    }
    if (step.run.status != sim::RunOutcome::Status::kStopped) {
      step.status = StepOutcome::Status::kFailed;
      return step;
    }
  }
}

StepOutcome World::advance(TimeNs duration_ns) {
  StepOutcome step = run_until([] { return false; }, duration_ns);
  if (step.status == StepOutcome::Status::kTimedOut) step.status = StepOutcome::Status::kReached;
  return step;
}

sim::RunOutcome World::run_to_end() {
  while (true) {
    sim::RunOutcome outcome = simulation_->run();
    if (outcome.status != sim::RunOutcome::Status::kStopped) return outcome;
  }
}

RunReport World::run() {
  soft_cancel_may_come_ =
      std::any_of(scenario_.commands.begin(), scenario_.commands.end(),
                  [](const scenarios::Command& c) { return c.kind == CommandKind::kCancel; });
  start();
  return report(run_to_end());
}

RunFacts World::facts_so_far() const {
  RunFacts facts;
  facts.lengths_differ = scenario_.source.length_bytes != scenario_.target.length_bytes;
  facts.job_started = job_started_;
  facts.start_error = start_error_;
  facts.job = job_->outcome();
  facts.events = events_;
  facts.complete_accepted = complete_accepted_;
  facts.cancel_accepted = cancel_accepted_;
  facts.soft_cancel_after_ready = soft_cancel_after_ready_;
  facts.bound_violations = bounds_.violations();
  return facts;
}

Verdict World::state_machine_so_far() const {
  return check_state_machine(facts_so_far());
}

RunReport World::report(const sim::RunOutcome& outcome) {
  RunReport report;
  report.sim = outcome;
  report.scenario_name = scenario_.name;
  report.swarm = scenario_.swarm;  // informational: a generated case's options
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
  report.run_metrics = metrics_.finish(outcome.end_time_ns,
                                       report.metrics.bytes_written + report.metrics.bytes_zeroed,
                                       job_->dirty_bytes());
  report.run_metrics.guest_requested_iops = guest_requested_iops_;
  report.run_metrics.guest_max_outstanding = scenario_.max_outstanding;
  report.run_metrics.guest_cap_hits = guest_cap_hits_;
  report.run_metrics.guest_cap_delay_ns = guest_cap_delay_ns_;
  report.faults_injected = source_->stats().faults_injected + target_->stats().faults_injected;
  report.source_length = scenario_.source.length_bytes;
  report.trace_requests = trace_requests_;
  report.trace_requests_not_issued = trace_requests_ - std::min(trace_requests_, guest_requests_);
  report.trace_first_request_ns = trace_first_request_ns_;
  finish_checks(report);
  report.convergence = convergence(report);
  report.sim.log_hash = simulation_->log().hash();
  if (options_.retain_log) {
    auto records = simulation_->log().records();
    report.log.assign(records.begin(), records.end());
  }
  return report;
}

std::string World::describe() const {
  std::string out = fmt::format(
      "t={}ns state {}{} dirty {} in-flight {} mode {}{} guest requests {} (failed {}) faults "
      "injected {}; last events:",
      now(), engine::state_name(job_->state()), job_->ready_seen() ? " ready-seen" : "",
      job_->dirty_bytes(), job_->background_in_flight(), engine::copy_mode_name(job_->copy_mode()),
      user_paused_ ? " user-paused" : "", guest_requests_, guest_errors_,
      source_->stats().faults_injected + target_->stats().faults_injected);
  const std::size_t first = events_.size() > 8 ? events_.size() - 8 : 0;
  for (std::size_t i = first; i < events_.size(); ++i) {
    const engine::JobEvent& e = events_[i];
    out += fmt::format(" {}:{}", e.time, engine::job_event_name(e.kind));
    if (e.kind == engine::JobEventKind::kStateChange) {
      out += fmt::format("={}", engine::state_name(e.state));
    }
    if (e.kind == engine::JobEventKind::kError)
      out += fmt::format("({},{})", e.operation, e.action);
  }
  return out;
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

ConvergenceOutcome World::convergence(const RunReport& report) {
  ConvergenceFacts f;
  f.job_started = report.job_started;
  f.job_ended = report.job.ended;
  f.job_error = !report.job.error.empty();
  f.cut_at_limit = report.sim.status == sim::RunOutcome::Status::kLimit;
  // A guest may outrun only an algorithm that does not promise convergence.
  f.background_mode = !job_->promises().converges_under_any_write_rate;
  f.time_to_ready_ns = report.metrics.time_to_ready_ns;
  f.time_to_end_ns = report.metrics.time_to_end_ns;
  f.end_ns = report.sim.end_time_ns;
  const std::optional<TimeNs> start = metrics_.job_start();
  if (start && report.job.ended && report.metrics.time_to_end_ns >= 0) {
    f.end_ns = std::min(f.end_ns, *start + report.metrics.time_to_end_ns);
  }
  // The state at the end (a sample never goes back in time, and nothing
  // here reaches the event log).
  if (report.job_started) {
    progress_.sample(f.end_ns, copied_bytes_, bytes_left());
  }
  return convergence_of(f, progress_);
}

void World::finish_checks(RunReport& report) {
  RunFacts facts = facts_so_far();
  facts.sim = report.sim;
  if (report.sim.status == sim::RunOutcome::Status::kLimit) {
    progress_.sample(report.sim.end_time_ns, copied_bytes_, bytes_left());
    facts.progress = progress_.window(report.sim.end_time_ns);
    // Judged as write-blocking when the guest cannot outrun the algorithm.
    facts.copy_mode = job_->promises().converges_under_any_write_rate
                          ? engine::CopyMode::kWriteBlocking
                          : engine::CopyMode::kBackground;
    facts.guest_paused_for_switch =
        spec().pauses_guest_at_switch && (complete_accepted_ || soft_cancel_after_ready_);
  }
  const bool clean_end = report.sim.status == sim::RunOutcome::Status::kCompleted;
  // After a power loss the disks are judged as they were just before it.
  const sim::GuestView end_target =
      before_power_loss_ ? before_power_loss_->first : target_->snapshot();
  const sim::GuestView end_source =
      before_power_loss_ ? before_power_loss_->second : source_->snapshot();
  if (clean_end && facts.job.ended && facts.job.pivoted) {
    facts.pivot_compared = true;
    const sim::GuestView& target = end_target;
    const sim::GuestView& source = end_source;
    facts.pivot_difference = sim::first_difference(target, source);
    if (facts.pivot_difference) {
      facts.pivot_sides = describe_sides(*facts.pivot_difference, target, source);
    }
  }
  if (clean_end && facts.job.ended && soft_cancel_after_ready_ && facts.job.success &&
      !facts.job.pivoted) {
    // A cancel after READY ends like a completion without the pivot
    // (MIRROR.md), flush included: the copy must survive a power loss.
    if (target_cache_ && !before_power_loss_) compare_durable_at_cancel_end();
    // Read the target as it would be opened later: with its backing.
    sim::GuestView target = end_target;
    if (scenario_.target.backing == Backing::kAtPivot && target_->image().backing() == nullptr) {
      target_->attach_backing(base_image_);
      target =
          before_power_loss_ ? stacked(end_target, base_image_->guest_view()) : target_->snapshot();
    }
    facts.point_in_time_checked = true;
    facts.snapshots = snapshots_.size();
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
  facts.durable.target_cache = target_cache_;
  facts.durable.comparisons = durable_comparisons_;
  facts.flush_protocol.target_cache = target_cache_;
  facts.flush_protocol.judged = flush_protocol_.judged();
  facts.flush_protocol.violation = flush_protocol_.violation();
  facts.crash.checks = crash_checks_;
  facts.downtime_abort_allowed = spec().downtime_abort_allowed;
  if (std::optional<std::string> v = pass_bound_violation(report)) {
    facts.bound_violations.push_back(*v);
  }
  report.verdicts = check_all(facts);
}

RunReport run_scenario(const scenarios::Scenario& scenario, const RunOptions& options) {
  scenarios::Scenario with_end = scenario;
  with_end.commands = with_default_end(std::move(with_end.commands));
  World world(with_end, options);
  return world.run();
}

}  // namespace mirrorsim::properties
