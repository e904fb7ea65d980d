// The world's actors: the driver task, the guest (requests from the
// scenario's workload, and those a test sends) and the user's commands
// (from the scenario, or from a test), each recorded as it was answered.
#include <fmt/core.h>

#include "engine/invariant.h"
#include "properties/algorithm_specs.h"
#include "properties/world.h"

namespace mirrorsim::properties {
namespace {

using engine::TimeNs;
using scenarios::CommandKind;
using scenarios::CommandTrigger;

}  // namespace

void World::drive() {
  // With a start time the guest runs first: what it writes before the job
  // starts is simply the source's content then, as for a job started on a
  // running VM.
  const auto start_at = static_cast<TimeNs>(scenario_.mirror.start_us) * engine::kNsPerUs;
  const bool guest_first = start_at > 0;
  if (guest_first) {
    schedule_next_guest();
    simulation_->sleep_for(start_at);
  }
  try {
    job_->start();
  } catch (const engine::MirrorConfigError& e) {
    start_error_ = e.what();
    return;  // the guest stops with the run (schedule_next_guest)
  }
  job_started_ = true;
  metrics_.job_started(simulation_->now(), scenario_.mirror.sync, source_->snapshot());
  if (options_.oracle_limits == OracleLimits::kEngine) {
    bounds_.set_limits(job_->resolved().buf_size_bytes, job_->resolved().max_in_flight_ops);
  } else {
    const AlgorithmSpec limits = spec();
    bounds_.set_limits(limits.buffer_bytes, limits.max_in_flight_ops);
  }
  if (!guest_first) schedule_next_guest();
  // Commands are given once the job exists: one timed before start_us waits for it.
  for (const scenarios::Command& c : scenario_.commands) {
    simulation_->spawn("command " + std::string(scenarios::name_of(c.kind)),
                       [this, c] { run_command(c); });
  }
  job_->wait_until_ended();
  snapshotting_ = false;
  ready_or_end_->wake_all();
}

GuestResult World::guest_request(const sim::GuestRequest& request, std::uint64_t number,
                                 TimeNs arrived) {
  engine::BlockDevice& device = job_->guest_device();
  const TimeNs start = simulation_->now();
  metrics_.guest_started(arrived);
  if (sim::changes_content(request.op)) metrics_.guest_changed(request.offset, request.length);
  simulation_->log().append(start, sim::EventKind::kGuestRequest,
                            static_cast<std::uint32_t>(request.op), request.offset, request.length);
  GuestResult result;
  engine::IoStatus& status = result.status;
  switch (request.op) {
    case sim::GuestOp::kWrite: {
      const std::uint64_t value = content_.next();
      result.value = value;
      provenance_.record_guest_write(value, number, pivoted_);
      const sim::ContentPayload data = sim::ContentPayload::fresh(value, request.length);
      guest_write_started(number, request);
      status = device.write(request.offset, request.length, data);
      guest_write_ended(number);
      // From its arrival: time spent queued in the guest is latency it sees.
      guest_write_latencies_.push_back(simulation_->now() - arrived);
      metrics_.guest_write_latency(arrived, simulation_->now() - arrived);
      break;
    }
    case sim::GuestOp::kWriteZeroes:
      guest_write_started(number, request);
      status = device.write_zeroes(request.offset, request.length, request.may_unmap);
      guest_write_ended(number);
      break;
    case sim::GuestOp::kDiscard:
      guest_write_started(number, request);
      status = device.discard(request.offset, request.length);
      guest_write_ended(number);
      break;
    case sim::GuestOp::kFlush:
      // What the guest reads now is what this flush acknowledges once it succeeds.
      if (durability_) durability_->flush_started(number, start, source_->snapshot());
      status = device.flush();
      if (durability_) durability_->flush_ended(number, status.ok());
      break;
    case sim::GuestOp::kRead: {
      engine::PayloadPtr out;
      status = device.read(request.offset, request.length, out);
      break;
    }
  }
  ++guest_requests_;
  metrics_.guest_ended(simulation_->now(), request.op == sim::GuestOp::kFlush ? 0 : request.length);
  if (!status.ok()) ++guest_errors_;
  if (sim::changes_content(request.op)) progress_.guest_write(simulation_->now());
  return result;
}

// The guest is an open loop: each request arrives in a task of its own at
// its own time, whatever the disks do, and the next arrival is scheduled at
// once. guest_queue_depth() requests are in flight at most (a virtio queue);
// later arrivals wait in a FIFO in front of it, and a finishing request's
// task goes on with the oldest of them. What bounds the FIFO, and memory,
// is the scenario's max_outstanding (in flight + queued): an arrival that
// finds that many outstanding pauses the arrival process until a request
// completes (counted as a cap hit, with its delay, in the report).
void World::schedule_next_guest() {
  if (!requests_ || job_->ended() || !start_error_.empty()) return;
  std::optional<sim::GuestRequest> request = requests_->next();
  if (!request) return;
  const TimeNs delay = std::max<TimeNs>(0, request->time - simulation_->now());
  // It arrived at its own time, even when the cap held the process past it.
  PendingGuestRequest pending{*request, ++guest_requests_taken_, request->time};
  simulation_->spawn_after(delay, "guest-io", [this, pending] { guest_arrival(pending); });
}

void World::guest_arrival(const PendingGuestRequest& pending) {
  if (job_->ended() || !start_error_.empty()) return;
  if (guest_outstanding() >= scenario_.max_outstanding) {
    capped_arrival_ = pending;
    ++guest_cap_hits_;
    return;
  }
  schedule_next_guest();
  serve_guest(pending);
}

void World::serve_guest(PendingGuestRequest pending) {
  if (guest_in_flight_ == guest_queue_depth(scenario_)) {
    guest_queue_.push_back(pending);
    return;
  }
  ++guest_in_flight_;
  while (true) {
    guest_request(pending.request, pending.number, pending.arrived);
    // The guest stops with the job: what is still queued is never issued.
    if (job_->ended()) break;
    admit_capped_arrival();
    if (guest_queue_.empty()) break;
    pending = guest_queue_.front();
    guest_queue_.pop_front();
  }
  --guest_in_flight_;
}

// A request has just completed (its slot is not yet given back): one fewer
// is outstanding, so an arrival paused by the cap joins the FIFO now and the
// arrival process goes on.
void World::admit_capped_arrival() {
  if (!capped_arrival_) return;
  PendingGuestRequest pending = *capped_arrival_;
  capped_arrival_.reset();
  guest_cap_delay_ns_ += simulation_->now() - pending.arrived;
  guest_queue_.push_back(pending);
  schedule_next_guest();
}

void World::guest_request_now(const sim::GuestRequest& request,
                              std::function<void(const GuestResult&)> done) {
  const std::uint64_t number = ++guest_requests_taken_;
  simulation_->spawn("guest-io", [this, request, number, done = std::move(done)] {
    const GuestResult result = guest_request(request, number, simulation_->now());
    if (done) done(result);
  });
}

CommandRecord World::execute(const std::string& action, const std::function<void()>& call) {
  if (job_->ended()) return record_command(action, false, "the job has ended");
  try {
    call();
  } catch (const engine::JobCommandError& e) {
    return record_command(action, false, e.what());
  }
  return record_command(action, true, "");
}

CommandRecord World::record_command(const std::string& action, bool accepted, std::string note) {
  CommandRecord record;
  record.time = simulation_->now();
  record.action = action;
  record.accepted = accepted;
  record.note = std::move(note);
  simulation_->log().append(record.time, sim::EventKind::kNote,
                            static_cast<std::uint32_t>(sim::hash_name(action)),
                            record.accepted ? 1 : 0);
  command_records_.push_back(record);
  return record;
}

CommandRecord World::complete() {
  return execute("complete", [this] {
    job_->complete();
    complete_accepted_ = true;
    metrics_.complete_accepted(simulation_->now());
  });
}

CommandRecord World::cancel(bool force) {
  const bool was_ready = job_->ready_seen();
  return execute(force ? "force-cancel" : "cancel", [&] {
    job_->cancel(force);
    cancel_accepted_ = true;
    user_paused_ = false;  // a cancel undoes every pause
    if (!force && was_ready && !soft_cancel_after_ready_) {
      // The source's requests in flight must have shown their pieces.
      MIRRORSIM_ASSERT(soft_cancel_may_come_,
                       "a soft cancel came that the world did not expect: the source's "
                       "pieces were not watched");
      soft_cancel_after_ready_ = true;
      snapshotting_ = true;
      snapshots_.push_back(source_->snapshot());
    }
  });
}

CommandRecord World::pause() {
  return execute("pause", [this] {
    job_->pause();
    user_paused_ = true;
  });
}

CommandRecord World::resume() {
  return execute("resume", [this] {
    job_->resume();
    user_paused_ = false;
  });
}

CommandRecord World::set_speed(std::int64_t speed_bytes_per_s) {
  return execute(fmt::format("set-speed {}", speed_bytes_per_s),
                 [this, speed_bytes_per_s] { job_->set_speed(speed_bytes_per_s); });
}

CommandRecord World::switch_to_write_blocking() {
  return execute("write-blocking", [this] { job_->switch_to_write_blocking(); });
}

CommandRecord World::power_loss(sim::PowerLossMode mode) {
  if (!before_power_loss_) before_power_loss_.emplace(target_->snapshot(), source_->snapshot());
  if (!source_loss_stream_) {
    // Streams of their own, so that no other stream's draws shift.
    source_loss_stream_.emplace(simulation_->stream("power-loss/source"));
    target_loss_stream_.emplace(simulation_->stream("power-loss/target"));
  }
  const bool after_pivot = pivoted_;
  if (after_pivot) {
    // The guest's disk is the target; the source image is the world's
    // record of what the guest expects (header, 1), which now becomes what
    // the target kept: the guest restarts from that.
    (void)target_->power_loss(mode, *target_loss_stream_);
    const std::uint64_t length = scenario_.source.length_bytes;
    if (length > 0) (void)source_->image().write(0, target_->image().read(0, length));
  } else {
    (void)source_->power_loss(mode, *source_loss_stream_);
    (void)target_->power_loss(mode, *target_loss_stream_);
  }
  if (durability_) {
    CrashCheck check;
    check.time = simulation_->now();
    check.after_pivot = after_pivot;
    check.acknowledged_at = durability_->acknowledged_at();
    check.difference = durability_->lost(after_pivot ? target_->snapshot() : source_->snapshot());
    crash_checks_.push_back(std::move(check));
  }
  CommandRecord record =
      record_command(fmt::format("power-loss ({})", sim::power_loss_mode_name(mode)), true, "");
  // The host restarts without the job that ran on it (the guest stops with it).
  if (!job_->ended()) {
    execute("force-cancel (power loss)", [this] {
      job_->cancel(true);
      cancel_accepted_ = true;
      user_paused_ = false;
    });
  }
  return record;
}

void World::operator_resume() {
  const std::string action = "resume (operator, after a stop on error)";
  if (user_paused_) {
    record_command(action, false,
                   "the user has paused the job too: the user's resume resumes both");
    return;
  }
  execute(action, [this] { job_->resume(); });
}

void World::operator_resume_now() {
  if (job_->ended() || user_paused_ || job_->io_status() == engine::IoStatusKind::kOk) return;
  execute("resume (operator, at once)", [this] { job_->resume(); });
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
  switch (c.kind) {
    case CommandKind::kComplete:
      complete();
      break;
    case CommandKind::kCancel:
    case CommandKind::kForceCancel:
      cancel(c.kind == CommandKind::kForceCancel);
      break;
    case CommandKind::kPause:
      pause();
      break;
    case CommandKind::kResume:
      resume();
      break;
    case CommandKind::kSetSpeed:
      set_speed(static_cast<std::int64_t>(c.speed_bytes_per_s));
      break;
    case CommandKind::kWriteBlocking:
      switch_to_write_blocking();
      break;
    case CommandKind::kPowerLoss:
      power_loss(c.power_loss_mode);
      break;
  }
}

}  // namespace mirrorsim::properties
