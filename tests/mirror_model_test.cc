// A RapidCheck state-machine test of the real mirror job, stepping the same
// World the campaign runs (properties/world.h).
//
// A case is a scenario drawn by the campaign's generator (properties/
// generators.h: swarm options, geometry, disks, job, faults) with its guest
// and commands left out, since the test is the guest and the user; error
// policies are ignore or stop (under them a job converges once the faults
// pass) and the target is as long as the source (so the job starts). Some
// data is written to the source before the start. Then a sequence of at
// most about 31 commands, from the table below: guest write / write-zeroes /
// discard run to completion, a burst of up to four on disjoint ranges,
// advance time, inject a transient fault, pause / resume (refused where the
// model says so; an accepted pause must take effect), set-speed (negative
// refused), switch to write-blocking, await READY, complete (refused before
// READY; then READY must come and complete is accepted), complete while
// guest writes are in flight, cancel (soft or forced). Complete and cancel
// are terminal: only advance-time follows them. Cases switch whole kinds of
// command off (swarm testing).
//
// The model: a phase, a user pause, READY known, and the guest-visible
// content, a raw image updated by each acknowledged guest request (write:
// its fresh value; write-zeroes: zeroes; discard: whatever the source now
// reads there, since discard semantics are the device's). After every
// command the guest-visible disk (the source, or the target once pivoted)
// reads exactly the model and the job is in a state the model allows;
// every wait has a virtual-time bound sized from the case's work. At the
// end the job is driven to its end, every property of the campaign must
// hold, the disk still reads the model, and a cancel ends as the model says.
//
// MirrorModelMutants runs the same property against engines with a known
// bug switched on. MIRROR_MODEL_STATS=1 prints what kinds of case ran.
#include <gtest/gtest.h>

#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/job_state.h"
#include "engine/known_bugs.h"
#include "engine/mirror_job.h"
#include "properties/case_limits.h"
#include "properties/generators.h"
#include "properties/world.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_writer.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/fault_plan.h"
#include "tests/rc_support.h"

namespace mirrorsim {
namespace {

using engine::JobState;
using engine::kKiB;
using engine::TimeNs;
using properties::DiskRole;
using properties::World;
using rc_support::pick;
using rc_support::uniform;
using sim::GuestOp;
using sim::GuestRequest;

constexpr TimeNs kNsPerUs = engine::kNsPerUs;
constexpr TimeNs kNsPerMs = engine::kNsPerMs;
constexpr TimeNs kNsPerSecond = engine::kNsPerSecond;

// The least virtual time a case's waits get (see model_property).
constexpr TimeNs kMinBoundNs = 20 * kNsPerSecond;
constexpr int kManyCases = 1000;  // of MirrorModel.ManyCases
// RapidCheck's sizes 0..100 scaled by this give sequences of 1..31 commands.
constexpr double kCommandScale = 0.3;

// ---- generators ----------------------------------------------------------------

struct Range {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// An aligned request inside a disk of `length` bytes: a unit from 512 B to
// 256 KiB, 1..8 units, now and then ending exactly at the disk's end.
rc::Gen<Range> gen_range(std::uint64_t length) {
  return rc::gen::exec([length] {
    const std::uint64_t unit = *pick<std::uint64_t>({4 * kKiB, 512, 64 * kKiB, 256 * kKiB});
    const std::uint64_t size = std::min(unit * *uniform<std::uint64_t>(1, 9), length);
    const bool at_end = *pick<int>({0, 0, 0, 0, 0, 0, 0, 1}) == 1;
    std::uint64_t offset = length - size;
    if (!at_end) offset = *uniform<std::uint64_t>(0, (length - size) / unit + 1) * unit;
    return Range{offset, size};
  });
}

rc::Gen<GuestRequest> gen_request(std::uint64_t length, std::vector<GuestOp> ops) {
  return rc::gen::exec([length, ops] {
    const Range range = *gen_range(length);
    return GuestRequest{.op = *pick(ops),
                        .offset = range.offset,
                        .length = range.length,
                        .may_unmap = *pick<int>({1, 0}) == 1};
  });
}

// 1..max requests on disjoint ranges (overlapping ones are dropped).
rc::Gen<std::vector<GuestRequest>> gen_burst(std::uint64_t length, std::vector<GuestOp> ops,
                                             int max) {
  return rc::gen::exec([length, ops, max] {
    std::vector<GuestRequest> out;
    for (int i = *uniform<int>(1, max + 1); i > 0; --i) {
      const GuestRequest r = *gen_request(length, ops);
      const bool overlaps = std::any_of(out.begin(), out.end(), [&](const GuestRequest& o) {
        return r.offset < o.offset + o.length && o.offset < r.offset + r.length;
      });
      if (!overlaps) out.push_back(r);
    }
    return out;
  });
}

// A transient fault on one disk, its window relative to its injection.
struct Fault {
  bool on_target = true;
  sim::FaultRule rule;
};

rc::Gen<Fault> gen_fault(std::uint64_t length) {
  return rc::gen::exec([length] {
    Fault f;
    f.on_target = *pick<int>({1, 0}) == 1;
    using Op = std::optional<sim::DiskOp>;
    f.rule.op = f.on_target ? *pick<Op>({sim::DiskOp::kWrite, std::nullopt, sim::DiskOp::kFlush,
                                         sim::DiskOp::kWriteZeroes})
                            : *pick<Op>({sim::DiskOp::kRead, std::nullopt, sim::DiskOp::kWrite});
    if (f.rule.op != sim::DiskOp::kFlush && *pick<int>({0, 1}) == 1) {
      const Range r = *gen_range(length);
      f.rule.offset_bytes = r.offset;
      f.rule.length_bytes = r.length;
    }
    f.rule.from_ns = *uniform<TimeNs>(0, 501) * kNsPerUs;
    f.rule.to_ns = f.rule.from_ns + *uniform<TimeNs>(100, 8001) * kNsPerUs;
    f.rule.probability = *pick<double>({1.0, 0.5, 0.2});
    f.rule.error = *pick<int>({EIO, ENOSPC});
    return f;
  });
}

std::ostream& operator<<(std::ostream& os, const GuestRequest& r) {
  os << (r.op == GuestOp::kWriteZeroes && r.may_unmap ? "write-zeroes-unmap"
                                                      : sim::guest_op_name(r.op));
  return os << "(" << r.offset << ", +" << r.length << ")";
}

// ---- a case ----------------------------------------------------------------------

// The command kinds, a row each: name, weight (by repetition in the draw),
// whether it needs a non-empty disk, and whether a case may switch it off
// (swarm testing: a case without, say, discards explores the others more
// deeply). Complete and cancel are rare, so most of a sequence happens
// while the job runs.
enum class Kind : std::uint8_t {
  kWrite,
  kWriteZeroes,
  kDiscard,
  kBurst,
  kAdvance,
  kFault,
  kPause,
  kResume,
  kSetSpeed,
  kWriteBlocking,
  kAwaitReady,
  kComplete,
  kCompleteUnderLoad,
  kCancel
};

struct KindRow {
  std::string_view name;
  int weight;
  bool needs_data;
  bool switchable;
};

constexpr KindRow kKinds[] = {
    {"GuestWrite", 3, true, false},
    {"GuestWriteZeroes", 2, true, true},
    {"GuestDiscard", 2, true, true},
    {"GuestBurst", 2, true, true},
    {"AdvanceTime", 4, false, false},
    {"InjectFault", 3, true, true},
    {"Pause", 2, false, true},
    {"Resume", 2, false, true},
    {"SetSpeed", 1, false, true},
    {"SwitchToWriteBlocking", 1, false, true},
    {"AwaitReady", 1, false, true},
    {"Complete", 1, false, false},
    {"CompleteUnderLoad", 1, true, true},
    {"Cancel", 1, false, true},
};

static_assert(std::size(kKinds) == static_cast<std::size_t>(Kind::kCancel) + 1);
// The first three kinds are one guest request each, in GuestOp's order.
static_assert(static_cast<int>(Kind::kDiscard) == static_cast<int>(GuestOp::kDiscard));

const KindRow& row(Kind k) {
  return kKinds[static_cast<int>(k)];
}

struct Case {
  scenarios::Scenario scenario;
  properties::RunOptions options;    // bug switches, tie shuffling
  std::vector<Range> source_writes;  // to the source's top layer before the start
  std::uint32_t kinds = 0;           // bit k: Kind k may be used
  std::uint64_t length() const { return scenario.source.length_bytes; }
};

// The scenario as a file (replayable in part with `mirrorsim run`), then
// what it cannot say.
void showValue(const Case& c, std::ostream& os) {
  os << scenarios::write_scenario(c.scenario) << "# source writes";
  for (const Range& r : c.source_writes) os << " " << r.offset << "+" << r.length;
  for (const std::string& bug : c.options.extra_bugs) os << "; bug " << bug;
  os << (c.options.shuffle_ties ? "; shuffle-ties" : "") << "; kinds 0x" << std::hex << c.kinds
     << std::dec;
}

rc::Gen<Case> gen_model_case(const engine::BugSet& bugs) {
  return rc::gen::exec([bugs] {
    Case c;
    scenarios::Scenario& s = c.scenario;
    // QEMU's job: the model's commands include its switch to write-blocking.
    s = (*properties::gen_case({}, engine::Algorithm::kQemu)).scenario;
    s.workload = scenarios::NoWorkload{};
    s.commands.clear();
    s.target.length_bytes = s.source.length_bytes;
    // A failed request changes nothing in the model: no torn failures here.
    for (scenarios::FaultSpec& f : s.faults) f.rule.torn = false;
    using engine::ErrorPolicy;
    s.mirror.on_source_error = *pick<ErrorPolicy>({ErrorPolicy::kIgnore, ErrorPolicy::kStop});
    s.mirror.on_target_error = *pick<ErrorPolicy>({ErrorPolicy::kIgnore, ErrorPolicy::kStop});
    s.limits.max_time_us = 3600'000'000;  // the steps bound every wait far below this
    // Data on the source's top layer, but not with sync=none: that is right
    // only when the target starts as the source (both read the base).
    const int writes = s.mirror.sync == engine::SyncMode::kNone || c.length() == 0 ? 0 : 5;
    for (int i = *uniform<int>(0, writes + 1); i > 0; --i)
      c.source_writes.push_back(*gen_range(c.length()));
    c.options.extra_bugs = bugs.names();
    c.options.shuffle_ties = *pick<int>({0, 1}) == 1;
    // Each switchable kind is on in three cases out of four.
    for (std::uint32_t k = 0; k < std::size(kKinds); ++k) {
      if (!kKinds[k].switchable || *pick<int>({1, 1, 1, 0}) == 1) c.kinds |= 1u << k;
    }
    return c;
  });
}

// ---- the model -----------------------------------------------------------------

enum class Phase : std::uint8_t { kActive, kCompleting, kCancelling };

// What rc::state tracks. The expected content depends on what the devices
// do with discards, so it lives in the Harness (Harness::expected_).
struct Model {
  std::uint64_t length = 0;
  std::uint32_t kinds = 0;  // Case::kinds
  Phase phase = Phase::kActive;
  bool paused = false;  // a user pause is in effect (and has taken effect)
  bool ready = false;   // READY is known to have been reached
};

// The preconditions of every kind.
bool allowed(const Model& m, Kind k) {
  if (k == Kind::kAdvance) return true;  // after complete or cancel it watches the job end
  if (m.phase != Phase::kActive || (row(k).needs_data && m.length == 0)) return false;
  if ((m.kinds >> static_cast<int>(k) & 1) == 0) return false;
  if (k == Kind::kAwaitReady || k == Kind::kCompleteUnderLoad) return !m.paused;
  if (k == Kind::kComplete) return !m.paused || m.ready;  // paused before READY: never READY
  return true;
}

void apply_kind(Model& m, Kind k) {
  switch (k) {
    case Kind::kPause:
    case Kind::kResume:
      m.paused = k == Kind::kPause;
      break;
    case Kind::kAwaitReady:
      m.ready = true;
      break;
    case Kind::kComplete:
    case Kind::kCompleteUnderLoad:
      m.phase = Phase::kCompleting;
      m.ready = true;
      break;
    case Kind::kCancel:
      m.phase = Phase::kCancelling;
      m.paused = false;  // cancelling undoes a user pause
      break;
    default:
      break;
  }
}

// ---- the system under test: the shared World, and the model's content ---------

sim::DiskOptions expected_options(std::uint64_t length) {
  sim::DiskOptions o;
  o.name = "model";
  o.length_bytes = length;
  return o;
}

class Harness {
 public:
  Harness(const Case& c, TimeNs bound_ns)
      : world_(c.scenario, c.options),
        expected_(expected_options(c.length())),
        bound_ns_(bound_ns) {
    for (const Range& r : c.source_writes) {
      world_.write_fresh(DiskRole::kSource, r.offset, r.length);
    }
    // The model starts as what the source reads before the job starts.
    if (c.length() > 0) (void)expected_.write(0, source().image().read(0, c.length()));
  }

  World& world() { return world_; }
  const engine::MirrorAlgorithm& job() const { return world_.job(); }
  sim::SimDisk& source() { return world_.disk(DiskRole::kSource); }
  sim::SimDisk& target() { return world_.disk(DiskRole::kTarget); }

  // Starts the job at time 0; it must accept its parameters.
  void start() {
    world_.start();
    run_until([this] { return world_.job_started() || !world_.start_error().empty(); },
              "the job's start");
    if (!world_.start_error().empty()) RC_FAIL("the job refused to start: " + world_.start_error());
    // The job's task runs next and moves it to running.
    run_until([this] { return job().state() != JobState::kCreated; }, "the job's first step");
  }

  // Runs until `reached()` holds. Fails the case when a task fails (an
  // engine invariant, say), when the run stalls, or when the case's bound
  // of virtual time passes first.
  void run_until(const std::function<bool()>& reached, const std::string& what) {
    const properties::StepOutcome step = world_.run_until(reached, bound_ns_);
    if (step.status == properties::StepOutcome::Status::kTimedOut) {
      RC_FAIL("liveness: " + what + " did not happen within " +
              std::to_string(bound_ns_ / kNsPerMs) + " ms of virtual time; " + world_.describe());
    }
    if (step.status == properties::StepOutcome::Status::kFailed) fail_run(step.run, what);
  }

  void await_ready(const std::string& what) {
    run_until([this] { return job().ready_seen(); }, what);
  }

  void advance(TimeNs duration_ns) {
    const properties::StepOutcome step = world_.advance(duration_ns);
    if (!step.reached()) fail_run(step.run, "advancing time");
  }

  [[noreturn]] void fail_run(const sim::RunOutcome& outcome, const std::string& what) {
    RC_FAIL("the simulation ended with " + std::string(sim::status_name(outcome.status)) +
            " while " + what + ": " + outcome.message + "; " + world_.describe());
  }

  // A command the model says must be accepted.
  void accept(const properties::CommandRecord& record) {
    if (!record.accepted) {
      RC_FAIL(record.action + " was refused: " + record.note + "; " + world_.describe());
    }
  }

  // Guest requests, all started at this instant (their ranges are disjoint,
  // so their order does not matter), then `meanwhile` (a command issued
  // while they are in flight), then run to completion; the model follows
  // each request that succeeded.
  void guest_requests(const std::vector<GuestRequest>& requests,
                      const std::function<void()>& meanwhile = {}) {
    auto results =
        std::make_shared<std::vector<std::optional<properties::GuestResult>>>(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      world_.guest_request_now(requests[i], [results, i](const properties::GuestResult& result) {
        (*results)[i] = result;
      });
    }
    if (meanwhile) meanwhile();
    run_until(
        [&] {
          return std::all_of(results->begin(), results->end(),
                             [](const auto& result) { return result.has_value(); });
        },
        "the guest requests' completion");
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const GuestRequest& r = requests[i];
      if (!(*results)[i]->status.ok()) continue;  // a failed request changes nothing
      if (r.op == GuestOp::kWrite) {
        (void)expected_.write(r.offset, sim::ContentPayload::fresh((*results)[i]->value, r.length));
      } else if (r.op == GuestOp::kWriteZeroes) {
        (void)expected_.write_zeroes(r.offset, r.length, true);
      } else if (r.op == GuestOp::kDiscard) {
        // Whether a discard reads back as zeroes, old data or the backing
        // is the device's choice: take what the source reads now.
        RC_ASSERT(!world_.pivoted());  // discards are never sent around a pivot
        (void)expected_.write(r.offset, source().image().read(r.offset, r.length));
      }
    }
  }

  // The job states the model allows.
  std::vector<JobState> allowed_states(const Model& m) const {
    using S = JobState;
    const std::vector<S> ending = {S::kReady,   S::kStandby,   S::kWaiting,
                                   S::kPending, S::kConcluded, S::kNull};
    switch (m.phase) {
      case Phase::kActive:
        if (m.paused)
          return m.ready ? std::vector{S::kStandby} : std::vector{S::kPaused, S::kStandby};
        // Not paused by the user: a stop on error may pause it a while.
        return m.ready ? std::vector{S::kReady, S::kStandby}
                       : std::vector{S::kRunning, S::kPaused, S::kReady, S::kStandby};
      case Phase::kCompleting:
        return m.paused ? std::vector{S::kStandby} : ending;
      case Phase::kCancelling:
        if (world_.soft_cancel_after_ready()) return ending;
        return {S::kRunning,  S::kPaused,    S::kReady, S::kStandby,
                S::kAborting, S::kConcluded, S::kNull};
    }
    return {};
  }

  // The guest-visible disk (the source, or the target once pivoted: guest
  // writes issued around the pivot may land on either) against the model.
  void check_guest_view(const std::string& where) {
    const bool on_target = world_.pivoted();
    sim::SimDisk& visible = on_target ? target() : source();
    if (auto d = sim::first_difference(visible.snapshot(), expected_.guest_view())) {
      RC_FAIL(std::string(on_target ? "after the pivot the target" : "the source") +
              " differs from the model (a = disk, b = model): " + d->describe() + where);
    }
  }

  // Checked after every command (the campaign's properties at the end).
  void check_invariants(const Model& m, const std::string& after) {
    const std::string where = " (after " + after + "; " + world_.describe() + ")";
    check_guest_view(where);
    const std::vector<JobState> allowed = allowed_states(m);
    if (std::find(allowed.begin(), allowed.end(), job().state()) == allowed.end()) {
      std::string names;
      for (JobState s : allowed) names += " " + std::string(engine::state_name(s));
      RC_FAIL("the job is " + std::string(engine::state_name(job().state())) +
              "; the model allows" + names + where);
    }
  }

  // After the command sequence: drive the job to its end, hold it to every
  // property of the campaign, then to the model.
  void finish(const Model& m) {
    if (world_.user_paused()) accept(world_.resume());
    if (m.phase == Phase::kActive) {
      await_ready("READY (before the final complete)");
      accept(world_.complete());
    }
    run_until([this] { return job().ended(); }, "the job's end");
    const sim::RunOutcome end = world_.run_to_end();
    if (end.status != sim::RunOutcome::Status::kCompleted) fail_run(end, "the final run");
    const properties::RunReport report = world_.report(end);
    const std::string where = " (" + world_.describe() + ")";
    if (const properties::Verdict* v = properties::first_violation(report.verdicts)) {
      RC_FAIL("property " + v->property + " violated: " + v->message + where);
    }
    // What no property of the campaign says: a forced cancel, or one
    // before READY, ends cancelled; a soft cancel after READY does not.
    if (world_.cancel_accepted() && report.job.cancelled == world_.soft_cancel_after_ready()) {
      RC_FAIL(std::string(report.job.cancelled ? "a soft cancel after READY" : "a cancel") +
              " ended " + (report.job.cancelled ? "cancelled" : "not cancelled") + where);
    }
    check_guest_view(" at the end" + where);
  }

 private:
  World world_;
  sim::DiskImage expected_;  // what the guest must read
  TimeNs bound_ns_;          // for every wait
};

// ---- commands ------------------------------------------------------------------

// One command of any kind, with what its kind needs.
struct Step final : rc::state::Command<Model, Harness> {
  Kind kind = Kind::kAdvance;
  std::vector<GuestRequest> requests;  // guest I/O kinds and CompleteUnderLoad
  TimeNs delta_ns = 0;                 // AdvanceTime
  Fault fault;                         // InjectFault: times relative to the command
  std::int64_t speed_bytes_per_s = 0;  // SetSpeed
  bool force = false;                  // Cancel

  void checkPreconditions(const Model& m) const override { RC_PRE(allowed(m, kind)); }
  void apply(Model& m) const override { apply_kind(m, kind); }

  void run(const Model& m, Harness& h) const override {
    World& w = h.world();
    switch (kind) {
      case Kind::kWrite:
      case Kind::kWriteZeroes:
      case Kind::kDiscard:
      case Kind::kBurst:
        h.guest_requests(requests);
        break;
      case Kind::kAdvance:
        h.advance(delta_ns);
        break;
      case Kind::kFault: {
        sim::FaultRule r = fault.rule;
        r.from_ns += w.now();
        r.to_ns += w.now();
        w.add_fault(fault.on_target ? DiskRole::kTarget : DiskRole::kSource, r);
        break;
      }
      case Kind::kPause:
      case Kind::kResume: {
        // Refused when the model is already there. The operator first
        // resumes a stop on error, so that the job is as the user left it.
        const bool pause = kind == Kind::kPause;
        const bool must_accept = m.paused != pause;
        if (!must_accept || pause) w.operator_resume_now();
        const properties::CommandRecord record = pause ? w.pause() : w.resume();
        if (!must_accept) RC_ASSERT(!record.accepted);
        if (must_accept) h.accept(record);
        // An accepted pause takes effect once the job's own I/O is done.
        if (must_accept && pause) {
          h.run_until(
              [&] {
                return h.job().state() == JobState::kPaused ||
                       h.job().state() == JobState::kStandby;
              },
              "an accepted pause taking effect");
        }
        break;
      }
      case Kind::kSetSpeed: {
        const properties::CommandRecord record = w.set_speed(speed_bytes_per_s);
        if (speed_bytes_per_s < 0) RC_ASSERT(!record.accepted);
        if (speed_bytes_per_s >= 0) h.accept(record);
        break;
      }
      case Kind::kWriteBlocking:
        h.accept(w.switch_to_write_blocking());
        break;
      case Kind::kAwaitReady:
        h.await_ready("READY");
        break;
      case Kind::kComplete:
        // Refused unless ready or standby; then READY must come.
        if (h.job().state() != JobState::kReady && h.job().state() != JobState::kStandby) {
          RC_ASSERT(!m.ready);
          RC_ASSERT(!w.complete().accepted);
          h.await_ready("READY (for complete)");
        }
        h.accept(w.complete());
        break;
      case Kind::kCompleteUnderLoad:
        // Each write reaches the guest-visible disk, before the pivot (then
        // copied) or after it (then on the target).
        h.await_ready("READY (for complete)");
        h.guest_requests(requests, [&] { h.accept(w.complete()); });
        break;
      case Kind::kCancel:
        h.accept(w.cancel(force));
        break;
    }
    Model next = m;
    apply(next);
    h.check_invariants(next, std::string(row(kind).name));
  }

  void show(std::ostream& os) const override {
    os << row(kind).name;
    for (const GuestRequest& r : requests) os << " " << r;
    if (kind == Kind::kAdvance) os << "(" << delta_ns / kNsPerUs << " us)";
    if (kind == Kind::kFault) {
      os << "(" << (fault.on_target ? "target " : "source ") << fault.rule.describe()
         << " from now)";
    }
    if (kind == Kind::kSetSpeed) os << "(" << speed_bytes_per_s << ")";
    if (kind == Kind::kCancel && force) os << "(force)";
  }
};

// A command of a kind the model allows, drawn by the table's weights.
rc::Gen<std::shared_ptr<const rc::state::Command<Model, Harness>>> gen_step(const Model& m) {
  return rc::gen::exec([m] {
    std::vector<Kind> kinds;
    for (int k = 0; k < static_cast<int>(std::size(kKinds)); ++k) {
      if (allowed(m, Kind(k))) kinds.insert(kinds.end(), kKinds[k].weight, Kind(k));
    }
    auto s = std::make_shared<Step>();
    s->kind = *rc::gen::noShrink(pick(kinds));
    switch (s->kind) {
      case Kind::kWrite:
      case Kind::kWriteZeroes:
      case Kind::kDiscard:
        s->requests = {*gen_request(m.length, {static_cast<GuestOp>(s->kind)})};
        break;
      case Kind::kBurst:
        s->requests =
            *gen_burst(m.length, {GuestOp::kWrite, GuestOp::kWriteZeroes, GuestOp::kDiscard}, 4);
        break;
      case Kind::kCompleteUnderLoad:
        s->requests = *gen_burst(m.length, {GuestOp::kWrite, GuestOp::kWriteZeroes}, 4);
        break;
      case Kind::kAdvance:
        s->delta_ns = *uniform<TimeNs>(0, 5001) * kNsPerUs;
        break;
      case Kind::kFault:
        s->fault = *gen_fault(m.length);
        break;
      case Kind::kSetSpeed:
        s->speed_bytes_per_s = *pick<std::int64_t>({0, 100'000'000, 20'000'000, 1'000'000'000, -1});
        break;
      case Kind::kCancel:
        s->force = *pick<int>({0, 1}) == 1;
        break;
      default:
        break;
    }
    return std::shared_ptr<const rc::state::Command<Model, Harness>>(std::move(s));
  });
}

// ---- the property --------------------------------------------------------------

void model_property(const engine::BugSet& bugs) {
  const Case c = *gen_model_case(bugs);
  const Model initial{c.length(), c.kinds};
  const auto commands = *rc::gen::scale(kCommandScale, rc::state::gen::commands(initial, gen_step));
  // The case's own work sizes its bounds, as the campaign sizes a generated
  // case's limits (case_limits.h: the first pass, the start faults, every
  // guest request, a safety factor): every wait gets the whole run's time
  // (a tiny buffer can make even one guest write take seconds), and the
  // run's event limit (a livelock spins at one instant, where no time bound
  // helps) the whole run's events.
  std::vector<GuestRequest> guest;
  for (const auto& command : commands) {  // every command is a Step
    const std::vector<GuestRequest>& r = static_cast<const Step&>(*command).requests;
    guest.insert(guest.end(), r.begin(), r.end());
  }
  const scenarios::Limits limits =
      properties::limits_for(properties::estimate_work(c.scenario, guest));
  Case sized = c;
  sized.scenario.limits.max_events = limits.max_events;
  Harness harness(sized, std::max(kMinBoundNs, static_cast<TimeNs>(limits.max_time_us) * kNsPerUs));
  harness.start();
  harness.check_invariants(initial, "the start");
  rc::state::runAll(commands, initial, harness);
  Model last = initial;
  rc::state::applyAll(commands, last);
  harness.finish(last);
  if (std::getenv("MIRROR_MODEL_STATS") != nullptr) {
    const engine::MirrorAlgorithm& job = harness.job();
    const engine::JobOutcome& end = job.outcome();
    RC_TAG("commands " + std::to_string(commands.size() / 10 * 10) + "+",
           end.pivoted     ? "pivot"
           : end.cancelled ? "cancelled"
                           : "soft-cancel",
           job.metrics().errors > 0 ? "job errors" : "no job errors",
           job.metrics().active_writes > 0 ? "active writes" : "no active writes",
           job.resolved().cow ? "cow" : "no cow", c.length() == 0 ? "empty" : "data");
  }
}

// RapidCheck's defaults (100 cases, or RC_PARAMS).
RC_GTEST_PROP(MirrorModel, GuestViewFollowsTheModel, ()) {
  model_property(engine::BugSet{});
}

// The same property with at least kManyCases cases; honours RC_PARAMS.
TEST(MirrorModel, ManyCases) {
  rc_support::check_at_least("MirrorModel/ManyCases", kManyCases,
                             [] { model_property(engine::BugSet{}); });
}

// ---- the same model against engines with a known bug --------------------------

rc_support::Catch run_mutant(engine::Bug bug, int max_cases) {
  engine::BugSet bugs;
  bugs.add(bug);
  return rc_support::run_mutant("mutant/" + std::string(engine::bug_info(bug).name), max_cases,
                                [bugs] { model_property(bugs); });
}

void expect_caught(engine::Bug bug) {
  const rc_support::Catch c = run_mutant(bug, 1000);
  ASSERT_TRUE(c.caught) << "the model did not catch " << engine::bug_info(bug).name
                        << " in 1000 cases";
  std::cout << engine::bug_info(bug).name << ": caught after " << c.passing_cases
            << " passing cases, " << c.seconds << " s including shrinking; shrunk to:\n"
            << c.report << std::endl;
}

TEST(MirrorModelMutants, CowNoRoundIsCaught) {
  expect_caught(engine::Bug::kCowNoRound);
}

TEST(MirrorModelMutants, DiscardClearsDirtyIsCaught) {
  expect_caught(engine::Bug::kDiscardClearsDirty);
}

// Not run by default: which catalogued bugs this one model catches.
TEST(MirrorModelMutants, DISABLED_EveryKnownBug) {
  for (const engine::BugInfo& info : engine::known_bugs()) {
    const rc_support::Catch c = run_mutant(info.bug, 2000);
    std::cout << info.name << ": "
              << (c.caught ? "caught after " + std::to_string(c.passing_cases) + " passing cases"
                           : std::string("NOT caught in 2000 cases"))
              << ", " << c.seconds << " s" << std::endl;
    if (c.caught) std::cout << c.report << "\n" << std::endl;
  }
}

}  // namespace
}  // namespace mirrorsim
