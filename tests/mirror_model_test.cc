// A RapidCheck state-machine test of the real mirror job, stepping the same
// World the campaign runs (properties/world.h).
//
// A case is a scenario (disk geometry and timing, lengths including 0 and
// ones that are not multiples of the chunk or cluster, sync and copy mode,
// granularity, buffer, speed, the ignore and stop policies), some data
// written before the start, transient faults from time 0, and a sequence of
// commands: guest write / write-zeroes / discard run to completion, a burst
// of up to four on disjoint ranges, advance time (0..5 ms), inject a
// transient fault, pause / resume (refused where the model says so; an
// accepted pause must take effect), set-speed (negative refused), switch to
// write-blocking, await READY, complete (refused before READY; then READY
// must come and complete is accepted), complete while guest writes are in
// flight, cancel (soft or forced). Complete and cancel are terminal: only
// advance-time follows them. Cases switch whole kinds of command off (swarm
// testing). At most about 31 commands per case.
//
// Model: what rc::state predicts from the commands alone (Model: phase,
// user pause, READY known, which kinds of command the case uses) plus the
// expected guest-visible content, a raw image updated by each acknowledged
// guest request (write: its fresh value; write-zeroes: zeroes; discard:
// whatever the source now reads there, since discard semantics are the
// device's). A failed request changes nothing.
//
// After every command: no task failed, nothing stalled (every wait has a
// virtual-time bound, every case an event bound); the guest-visible disk
// (the source, or the target once pivoted) reads exactly the model; the
// job's state is one the model allows; the state-machine property and the
// bounds hold so far. At the end the job is driven to its end and every
// property of the campaign must hold on the World's report; then the
// outcome is checked against the model: after a pivot the target, read
// through its backing, equals the model; a soft cancel after READY leaves a
// point-in-time copy (no guest I/O follows a cancel, so: the model); a
// cancel before READY or forced ends cancelled.
//
// The same property runs against engines with a known bug switched on
// (MirrorModelMutants below): the model must catch them. Set
// MIRROR_MODEL_STATS=1 to print what kinds of case ran.
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
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/job_state.h"
#include "engine/known_bugs.h"
#include "engine/mirror_job.h"
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

using engine::JobEvent;
using engine::JobEventKind;
using engine::JobState;
using engine::TimeNs;
using properties::DiskRole;
using properties::StepOutcome;
using properties::World;
using scenarios::Backing;
using scenarios::DiskKind;
using scenarios::DiskSpec;

using engine::kKiB;
using engine::kMiB;
constexpr TimeNs kNsPerUs = engine::kNsPerUs;
constexpr TimeNs kNsPerMs = engine::kNsPerMs;
constexpr TimeNs kNsPerSecond = engine::kNsPerSecond;

// Virtual-time bounds for things that must happen (liveness). Generous: the
// slowest configuration copies 4 MiB at 20 MB/s in about 0.2 s.
constexpr TimeNs kGuestIoBoundNs = 2 * kNsPerSecond;
constexpr TimeNs kPauseBoundNs = 2 * kNsPerSecond;
constexpr TimeNs kReadyBoundNs = 20 * kNsPerSecond;
constexpr TimeNs kEndBoundNs = 20 * kNsPerSecond;
// Cases of MirrorModel.ManyCases.
constexpr int kManyCases = 1000;
// Events per case before the run counts as a livelock (cases take < 10^4).
constexpr std::uint64_t kEventLimit = 1'000'000;
// The command sequence generator's size is scaled by this: RapidCheck's
// sizes 0..100 give sequences of 1..31 commands.
constexpr double kCommandScale = 0.3;

std::string bytes(std::uint64_t n) {
  if (n % kMiB == 0) return std::to_string(n / kMiB) + "M";
  if (n % kKiB == 0) return std::to_string(n / kKiB) + "K";
  return std::to_string(n);
}

// ---- generators ----------------------------------------------------------------

using rc_support::pick;
using rc_support::uniform;

struct Range {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// An aligned request inside a disk of `length` bytes: a unit from 512 B to
// 256 KiB, 1..8 units, now and then ending exactly at the disk's end.
rc::Gen<Range> gen_range(std::uint64_t length) {
  return rc::gen::exec([length] {
    const std::uint64_t unit = *pick<std::uint64_t>({4 * kKiB, 512, 64 * kKiB, 256 * kKiB});
    const std::uint64_t count = *uniform<std::uint64_t>(1, 9);
    const std::uint64_t size = std::min(unit * count, length);
    const bool at_end = *pick<int>({0, 0, 0, 0, 0, 0, 0, 1}) == 1;
    std::uint64_t offset = length - size;
    if (!at_end) offset = *uniform<std::uint64_t>(0, (length - size) / unit + 1) * unit;
    return Range{offset, size};
  });
}

// A transient fault on one disk: a rule whose time window is relative to
// the moment it is injected.
struct Fault {
  bool on_target = true;
  sim::FaultRule rule;
};

rc::Gen<Fault> gen_fault(std::uint64_t length) {
  return rc::gen::exec([length] {
    Fault f;
    f.on_target = *pick<int>({1, 0}) == 1;
    std::vector<std::optional<sim::DiskOp>> ops = {sim::DiskOp::kRead, std::nullopt,
                                                   sim::DiskOp::kWrite};
    if (f.on_target) {
      ops = {sim::DiskOp::kWrite, std::nullopt, sim::DiskOp::kFlush, sim::DiskOp::kWriteZeroes};
    }
    f.rule.op = *pick(ops);
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

std::ostream& operator<<(std::ostream& os, const Fault& f) {
  return os << (f.on_target ? "target " : "source ") << f.rule.describe();
}

// ---- the configuration of one case ---------------------------------------------

enum class Layout : std::uint8_t {
  kRaw,        // raw source (old data or a few writes) -> raw target (zero or old data)
  kOverBase,   // clustered source over a populated base -> clustered target, base at pivot
  kClustered,  // clustered source, no base -> clustered target, no backing
};

std::string_view layout_name(Layout layout) {
  constexpr std::string_view kNames[] = {"raw", "over-base", "clustered"};
  return kNames[static_cast<int>(layout)];
}

// Command kinds a case may switch off (swarm testing: a case without, say,
// discards or pauses explores the others more deeply).
constexpr std::uint32_t kWriteZeroesFeature = 1 << 0;
constexpr std::uint32_t kDiscardFeature = 1 << 1;
constexpr std::uint32_t kBurstFeature = 1 << 2;
constexpr std::uint32_t kFaultFeature = 1 << 3;
constexpr std::uint32_t kPauseFeature = 1 << 4;
constexpr std::uint32_t kSpeedFeature = 1 << 5;
constexpr std::uint32_t kWriteBlockingFeature = 1 << 6;
constexpr std::uint32_t kAwaitReadyFeature = 1 << 7;
constexpr std::uint32_t kCancelFeature = 1 << 8;
constexpr std::uint32_t kCompleteUnderLoadFeature = 1 << 9;
constexpr std::uint32_t kFeatureCount = 10;

// One case's world: a scenario (no workload, no commands: the test is the
// guest and the user) and what the scenario format does not hold.
struct Config {
  scenarios::Scenario scenario;
  properties::RunOptions options;  // bug switches, tie shuffling
  Layout layout = Layout::kRaw;
  std::vector<Range> base_writes;    // kOverBase without old data: ranges of the base with data
  std::vector<Range> source_writes;  // written to the source's top layer before the start
  std::vector<Fault> start_faults;   // transient faults from time 0
  std::uint32_t features = 0;        // Feature bits
  std::uint64_t length() const { return scenario.source.length_bytes; }
};

std::string describe_ranges(const std::vector<Range>& ranges) {
  std::string out = "[";
  for (const Range& r : ranges) {
    if (out.size() > 1) out += " ";
    out += bytes(r.offset) + "+" + bytes(r.length);
  }
  return out + "]";
}

// The scenario as a file (replayable in part with `mirrorsim run`), then
// what it cannot say.
void showValue(const Config& c, std::ostream& os) {
  os << scenarios::write_scenario(c.scenario) << "# layout " << layout_name(c.layout)
     << (c.options.shuffle_ties ? ", shuffle-ties" : "") << "; base writes "
     << describe_ranges(c.base_writes) << "; source writes " << describe_ranges(c.source_writes);
  for (const std::string& bug : c.options.extra_bugs) os << "; bug " << bug;
  os << "; commands 0x" << std::hex << c.features << std::dec;
  for (const Fault& f : c.start_faults) os << "; fault " << f;
}

DiskSpec gen_disk(std::uint64_t length, std::uint64_t cluster) {
  DiskSpec d;
  d.kind = cluster == 0 ? DiskKind::kRaw : DiskKind::kCluster;
  d.cluster_bytes = cluster;
  d.length_bytes = length;
  d.latency_us = *pick<std::uint64_t>({100, 20, 500});
  d.bandwidth_bytes_per_s = *pick<std::uint64_t>({1'000'000'000, 200'000'000});
  d.jitter_us = *pick<std::uint64_t>({0, 50});
  d.queue_depth = *pick<std::uint32_t>({32, 4, 1});
  d.shared_bandwidth = *pick<int>({0, 1}) == 1;
  d.flush_latency_us = 200;
  return d;
}

rc::Gen<std::vector<Range>> gen_ranges(std::uint64_t length, int max_count) {
  return rc::gen::exec([length, max_count] {
    const int count = *uniform<int>(0, max_count + 1);
    std::vector<Range> out;
    if (length == 0) return out;
    for (int i = 0; i < count; ++i) out.push_back(*gen_range(length));
    return out;
  });
}

// The disks of a layout: clusters, backing and what they hold at first.
void gen_layout(Config& c, std::uint64_t length) {
  scenarios::Scenario& s = c.scenario;
  std::uint64_t source_cluster = 0;
  std::uint64_t target_cluster = 0;
  bool base_old_data = false;
  switch (c.layout) {
    case Layout::kRaw:
      break;
    case Layout::kOverBase:
      source_cluster = *pick<std::uint64_t>({64 * kKiB, 4 * kKiB});
      target_cluster = *pick<std::uint64_t>({kMiB, 256 * kKiB, 64 * kKiB});
      base_old_data = *pick<int>({1, 0}) == 1;
      if (!base_old_data) c.base_writes = *gen_ranges(length, 6);
      break;
    case Layout::kClustered:
      source_cluster = *pick<std::uint64_t>({64 * kKiB, 4 * kKiB});
      target_cluster = *pick<std::uint64_t>({kMiB, 64 * kKiB, 4 * kKiB, 256 * kKiB});
      break;
  }
  s.source = gen_disk(length, source_cluster);
  s.target = gen_disk(length, target_cluster);
  if (c.layout == Layout::kRaw) {
    s.source.old_data = *pick<int>({1, 0}) == 1;
    s.target.old_data = *pick<int>({0, 1}) == 1;
    s.source.zero_init = !s.source.old_data;
    s.target.zero_init = !s.target.old_data;
  }
  if (c.layout == Layout::kOverBase) {
    DiskSpec base;
    base.kind = DiskKind::kCluster;
    base.cluster_bytes = 64 * kKiB;
    base.length_bytes = length;
    base.old_data = base_old_data;
    base.zero_init = !base_old_data;
    s.base = base;
    s.source.backing = Backing::kAttached;
    s.source.backing_name = "base";
    s.target.backing = Backing::kAtPivot;  // the COW case: attached by the pivot
    s.target.backing_name = "base";
  }
  s.source.discard_reads_zero = *pick<int>({0, 1}) == 1;
  s.target.discard_reads_zero = *pick<int>({0, 1}) == 1;
}

void gen_mirror(Config& c) {
  scenarios::MirrorSpec& m = c.scenario.mirror;
  m.granularity_bytes = *pick<std::uint64_t>({0, 64 * kKiB, 16 * kKiB, 4 * kKiB});
  if (c.layout == Layout::kOverBase) {
    // sync=none is right only when the target starts as the source: both
    // read the base, so the source's top layer must be empty.
    std::vector<engine::SyncMode> modes = {engine::SyncMode::kTop, engine::SyncMode::kFull};
    if (c.source_writes.empty()) modes.push_back(engine::SyncMode::kNone);
    m.sync = *pick<engine::SyncMode>(modes);
  } else if (c.layout == Layout::kClustered) {
    m.sync = *pick<engine::SyncMode>({engine::SyncMode::kFull, engine::SyncMode::kTop});
  }
  m.copy_mode =
      *pick<engine::CopyMode>({engine::CopyMode::kBackground, engine::CopyMode::kWriteBlocking});
  m.buf_size_bytes = *pick<std::uint64_t>({0, 256 * kKiB, 64 * kKiB});
  m.speed_bytes_per_s = *pick<std::uint64_t>({0, 0, 50'000'000});
  // Only policies under which a job converges once faults pass.
  m.on_source_error =
      *pick<engine::ErrorPolicy>({engine::ErrorPolicy::kIgnore, engine::ErrorPolicy::kStop});
  m.on_target_error =
      *pick<engine::ErrorPolicy>({engine::ErrorPolicy::kIgnore, engine::ErrorPolicy::kStop});
  m.unmap = *pick<int>({1, 0}) == 1;
}

// Swarm style: every feature is switched on or off per case, independently
// of the case's size; the sequence of commands is what grows with size.
rc::Gen<Config> gen_config(engine::BugSet bugs) {
  return rc::gen::exec([bugs] {
    Config c;
    scenarios::Scenario& s = c.scenario;
    s.name = "model";
    s.seed = *rc::gen::noShrink(uniform<std::uint64_t>(1, std::uint64_t{1} << 62));
    s.limits.max_time_us = 3600'000'000;  // the steps bound every wait far below this
    // A livelock spins at one instant, where no time bound helps.
    s.limits.max_events = kEventLimit;
    c.options.extra_bugs = bugs.names();
    c.options.shuffle_ties = *pick<int>({0, 1}) == 1;
    c.layout = *pick<Layout>({Layout::kRaw, Layout::kOverBase, Layout::kClustered});
    // Lengths that are not multiples of the chunk or of the target cluster
    // are there on purpose (short last chunk, short last cluster).
    const std::uint64_t length =
        *pick<std::uint64_t>({kMiB, 4 * kMiB, 2 * kMiB + 192 * kKiB, 4 * kMiB - 4 * kKiB,
                              3 * kMiB + 512, kMiB, kMiB, 4 * kMiB, 4 * kMiB, 0});
    gen_layout(c, length);
    c.source_writes = *gen_ranges(length, 5);
    gen_mirror(c);
    const int start_faults = length == 0 ? 0 : *pick<int>({0, 0, 1, 2});
    for (int i = 0; i < start_faults; ++i) c.start_faults.push_back(*gen_fault(length));
    // Each kind of command is on in three cases out of four.
    for (std::uint32_t bit = 0; bit < kFeatureCount; ++bit) {
      if (*pick<int>({1, 1, 1, 0}) == 1) c.features |= std::uint32_t{1} << bit;
    }
    return c;
  });
}

// ---- the model -----------------------------------------------------------------

enum class Phase : std::uint8_t { kActive, kCompleting, kCancelling };

// What rc::state tracks. The expected content itself depends on what the
// devices do with discards, so it lives in the Harness (Harness::expected_).
struct Model {
  std::uint64_t length = 0;
  std::uint32_t features = 0;  // Feature bits of the commands this case may use
  Phase phase = Phase::kActive;
  bool paused = false;  // a user pause is in effect (and has taken effect)
  bool ready = false;   // READY is known to have been reached
};

// ---- guest requests -------------------------------------------------------------

using sim::GuestOp;
using sim::GuestRequest;

std::ostream& operator<<(std::ostream& os, const GuestRequest& r) {
  os << (r.op == GuestOp::kWriteZeroes && r.may_unmap ? "write-zeroes-unmap"
                                                      : sim::guest_op_name(r.op));
  return os << "(" << r.offset << ", +" << r.length << ")";
}

rc::Gen<GuestRequest> gen_request(std::uint64_t length, std::vector<GuestOp> ops) {
  return rc::gen::exec([length, ops] {
    GuestRequest r;
    r.op = *pick(ops);
    const Range range = *gen_range(length);
    r.offset = range.offset;
    r.length = range.length;
    r.may_unmap = *pick<int>({1, 0}) == 1;
    return r;
  });
}

// 1..max requests on disjoint ranges (overlapping ones are dropped).
rc::Gen<std::vector<GuestRequest>> gen_burst(std::uint64_t length, std::vector<GuestOp> ops,
                                             int max) {
  return rc::gen::exec([length, ops, max] {
    const int count = *uniform<int>(1, max + 1);
    std::vector<GuestRequest> out;
    for (int i = 0; i < count; ++i) {
      const GuestRequest r = *gen_request(length, ops);
      const bool overlaps = std::any_of(out.begin(), out.end(), [&](const GuestRequest& o) {
        return r.offset < o.offset + o.length && o.offset < r.offset + r.length;
      });
      if (!overlaps) out.push_back(r);
    }
    return out;
  });
}

// ---- the system under test: the shared World, and the model's content ---------

std::string join(const std::vector<JobState>& states) {
  std::string out;
  for (JobState s : states) {
    if (!out.empty()) out += "/";
    out += std::string(engine::state_name(s));
  }
  return out;
}

sim::DiskOptions expected_options(std::uint64_t length) {
  sim::DiskOptions o;
  o.name = "model";
  o.length_bytes = length;
  return o;
}

class Harness {
 public:
  explicit Harness(const Config& config)
      : world_(config.scenario, config.options), expected_(expected_options(config.length())) {
    for (const Range& r : config.base_writes)
      world_.write_fresh(DiskRole::kBase, r.offset, r.length);
    for (const Range& r : config.source_writes) {
      world_.write_fresh(DiskRole::kSource, r.offset, r.length);
    }
    for (const Fault& f : config.start_faults) {
      world_.add_fault(f.on_target ? DiskRole::kTarget : DiskRole::kSource, f.rule);
    }
    // The model starts as what the source reads before the job starts.
    const std::uint64_t length = config.length();
    if (length > 0) (void)expected_.write(0, source().image().read(0, length));
  }

  World& world() { return world_; }
  const engine::MirrorJob& job() const { return world_.job(); }
  sim::SimDisk& source() { return world_.disk(DiskRole::kSource); }
  sim::SimDisk& target() { return world_.disk(DiskRole::kTarget); }

  // Starts the job at time 0; it must accept its parameters.
  void start() {
    world_.start();
    run_until([this] { return world_.job_started() || !world_.start_error().empty(); }, kNsPerMs,
              "the job's start");
    if (!world_.start_error().empty()) RC_FAIL("the job refused to start: " + world_.start_error());
    // The job's task runs next and moves it to running.
    run_until([this] { return job().state() != JobState::kCreated; }, kNsPerMs,
              "the job's first step");
  }

  // ---- driving the simulation ----

  // Runs until `reached()` holds. Fails the case when a task fails (an
  // engine invariant, say), when the run stalls, or when `limit_ns` of
  // virtual time passes first.
  void run_until(const std::function<bool()>& reached, TimeNs limit_ns, const std::string& what) {
    const StepOutcome step = world_.run_until(reached, limit_ns);
    if (step.status == StepOutcome::Status::kTimedOut) {
      RC_FAIL("liveness: " + what + " did not happen within " +
              std::to_string(limit_ns / kNsPerMs) + " ms of virtual time; " + world_.describe());
    }
    if (step.status == StepOutcome::Status::kFailed) fail_run(step.run, what);
  }

  void advance(TimeNs duration_ns) {
    const StepOutcome step = world_.advance(duration_ns);
    if (!step.reached()) fail_run(step.run, "advancing time");
  }

  [[noreturn]] void fail_run(const sim::RunOutcome& outcome, const std::string& what) {
    RC_FAIL("the simulation ended with " + std::string(sim::status_name(outcome.status)) +
            " while " + what + ": " + outcome.message + "; " + world_.describe());
  }

  // After an accepted pause: it must take effect (paused or standby) once
  // the job's own I/O is done.
  void await_pause() {
    run_until(
        [this] {
          return job().state() == JobState::kPaused || job().state() == JobState::kStandby;
        },
        kPauseBoundNs, "an accepted pause taking effect");
  }

  // A command the model says must be accepted.
  void accept(const properties::CommandRecord& record) {
    if (!record.accepted) {
      RC_FAIL(record.action + " was refused: " + record.note + "; " + world_.describe());
    }
  }

  // ---- guest I/O ----

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
        kGuestIoBoundNs, "the guest requests' completion");
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const GuestRequest& r = requests[i];
      if (!(*results)[i]->status.ok()) continue;  // a failed request changes nothing
      switch (r.op) {
        case GuestOp::kWrite:
          (void)expected_.write(r.offset,
                                sim::ContentPayload::fresh((*results)[i]->value, r.length));
          break;
        case GuestOp::kWriteZeroes:
          (void)expected_.write_zeroes(r.offset, r.length, true);
          break;
        case GuestOp::kDiscard:
          // Whether a discard reads back as zeroes, old data or the backing
          // is the device's choice: take what the source reads now.
          RC_ASSERT(!world_.pivoted());  // discards are never sent around a pivot
          (void)expected_.write(r.offset, source().image().read(r.offset, r.length));
          break;
        case GuestOp::kRead:
          break;
      }
    }
  }

  // ---- invariants ----

  std::vector<JobState> allowed_states(const Model& m) const {
    using S = JobState;
    switch (m.phase) {
      case Phase::kActive:
        if (m.paused)
          return m.ready ? std::vector<S>{S::kStandby} : std::vector<S>{S::kPaused, S::kStandby};
        // Not paused by the user: a stop on error may pause it a while.
        return m.ready ? std::vector<S>{S::kReady, S::kStandby}
                       : std::vector<S>{S::kRunning, S::kPaused, S::kReady, S::kStandby};
      case Phase::kCompleting:
        if (m.paused) return {S::kStandby};
        return {S::kReady, S::kStandby, S::kWaiting, S::kPending, S::kConcluded, S::kNull};
      case Phase::kCancelling:
        if (world_.soft_cancel_after_ready()) {
          return {S::kReady, S::kStandby, S::kWaiting, S::kPending, S::kConcluded, S::kNull};
        }
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

  // Checked after every command.
  void check_invariants(const Model& m, const std::string& after) {
    const std::string where = " (after " + after + "; " + world_.describe() + ")";
    const properties::Verdict machine = world_.state_machine_so_far();
    if (machine.status == properties::VerdictStatus::kViolated) {
      RC_FAIL("state machine: " + machine.message + where);
    }
    if (!world_.bound_violations().empty()) {
      RC_FAIL("bounds: " + world_.bound_violations().front() + where);
    }
    if (!job().outcome().error.empty()) {
      RC_FAIL("the job failed though every error policy is ignore or stop: " +
              job().outcome().error + where);
    }
    check_guest_view(where);
    const std::vector<JobState> allowed = allowed_states(m);
    if (std::find(allowed.begin(), allowed.end(), job().state()) == allowed.end()) {
      RC_FAIL("the job is " + std::string(engine::state_name(job().state())) +
              "; the model allows " + join(allowed) + where);
    }
    if (m.phase == Phase::kActive && job().ended()) {
      RC_FAIL("the job ended though neither complete nor cancel was asked" + where);
    }
    if (m.ready && !job().ready_seen()) RC_FAIL("the model saw READY but the job did not" + where);
  }

  // After the command sequence: drive the job to its end, hold it to every
  // property of the campaign, then to the model.
  void finish(const Model& m) {
    if (m.phase == Phase::kActive) {
      if (world_.user_paused()) accept(world_.resume());
      run_until([this] { return job().ready_seen(); }, kReadyBoundNs,
                "READY (before the final complete)");
      accept(world_.complete());
    } else if (world_.user_paused()) {
      accept(world_.resume());  // completing from standby: let the job go on
    }
    run_until([this] { return job().ended(); }, kEndBoundNs, "the job's end");
    const sim::RunOutcome end = world_.run_to_end();
    if (end.status != sim::RunOutcome::Status::kCompleted) fail_run(end, "the final run");
    const properties::RunReport report = world_.report(end);
    const std::string where = " (" + world_.describe() + ")";
    if (const properties::Verdict* v = properties::first_violation(report.verdicts)) {
      RC_FAIL("property " + v->property + " violated: " + v->message + where);
    }
    check_outcome(report.job, where);
  }

  void check_outcome(const engine::JobOutcome& outcome, const std::string& where) {
    RC_ASSERT(outcome.ended);
    RC_ASSERT(job().state() == JobState::kNull);
    if (!outcome.error.empty()) RC_FAIL("the job failed: " + outcome.error + where);
    if (!outcome.pivoted) check_guest_view(" at the end" + where);
    // Exactly one end event, agreeing with the outcome.
    int ends = 0;
    for (const JobEvent& e : world_.events()) {
      if (e.kind != JobEventKind::kCompleted && e.kind != JobEventKind::kCancelled) continue;
      ++ends;
      RC_ASSERT(e.pivoted == outcome.pivoted);
      RC_ASSERT((e.kind == JobEventKind::kCancelled) == outcome.cancelled);
    }
    RC_ASSERT(ends == 1);
    if (world_.complete_accepted()) {
      if (!outcome.success || !outcome.pivoted || outcome.cancelled) {
        RC_FAIL("complete was accepted but the job did not pivot" + where);
      }
    } else {
      RC_ASSERT(world_.cancel_accepted());
      if (outcome.pivoted) RC_FAIL("a cancelled job pivoted" + where);
      if (world_.soft_cancel_after_ready()) {
        if (!outcome.success || outcome.cancelled) {
          RC_FAIL("a soft cancel after READY must end like complete without the pivot" + where);
        }
      } else if (!outcome.cancelled) {
        RC_FAIL("a forced cancel or a cancel before READY must end cancelled" + where);
      }
    }
    // After a pivot, or a soft cancel past READY (a point-in-time copy; the
    // report has attached the target's backing), the target is the model.
    if (outcome.pivoted || world_.soft_cancel_after_ready()) {
      if (auto d = sim::first_difference(target().snapshot(), expected_.guest_view())) {
        RC_FAIL(
            std::string(outcome.pivoted ? "after the pivot" : "after a soft cancel past READY") +
            " the target differs from the model (a = target, b = model): " + d->describe() + where);
      }
    }
  }

 private:
  World world_;
  sim::DiskImage expected_;  // what the guest must read
};

// ---- commands ------------------------------------------------------------------

using Command = rc::state::Command<Model, Harness>;

void require_active(const Model& m, std::uint32_t feature = 0) {
  RC_PRE(m.phase == Phase::kActive);
  RC_PRE((m.features & feature) == feature);
}

// Guest requests and faults need a range: not on an empty disk.
void require_active_io(const Model& m, std::uint32_t feature = 0) {
  require_active(m, feature);
  RC_PRE(m.length > 0);
}

// One guest request of a given kind, run to completion.
template <GuestOp kOp>
struct GuestIo final : Command {
  GuestRequest request;
  explicit GuestIo(const Model& m) : request(*gen_request(m.length, {kOp})) {}
  void checkPreconditions(const Model& m) const override {
    require_active_io(m, kOp == GuestOp::kWriteZeroes ? kWriteZeroesFeature
                         : kOp == GuestOp::kDiscard   ? kDiscardFeature
                                                      : 0);
  }
  void run(const Model& m, Harness& h) const override {
    h.guest_requests({request});
    std::ostringstream what;
    what << "guest " << request;
    h.check_invariants(m, what.str());
  }
  void show(std::ostream& os) const override { os << "Guest " << request; }
};
using GuestWrite = GuestIo<GuestOp::kWrite>;
using GuestWriteZeroes = GuestIo<GuestOp::kWriteZeroes>;
using GuestDiscard = GuestIo<GuestOp::kDiscard>;

// Up to four guest requests on disjoint ranges at once.
struct GuestBurst final : Command {
  std::vector<GuestRequest> requests;
  explicit GuestBurst(const Model& m)
      : requests(
            *gen_burst(m.length, {GuestOp::kWrite, GuestOp::kWriteZeroes, GuestOp::kDiscard}, 4)) {}
  void checkPreconditions(const Model& m) const override { require_active_io(m, kBurstFeature); }
  void run(const Model& m, Harness& h) const override {
    h.guest_requests(requests);
    h.check_invariants(m, "a guest burst");
  }
  void show(std::ostream& os) const override {
    os << "GuestBurst";
    for (const GuestRequest& r : requests) os << " " << r;
  }
};

struct AdvanceTime final : Command {
  TimeNs delta_ns;
  AdvanceTime() : delta_ns(*uniform<TimeNs>(0, 5001) * kNsPerUs) {}
  // Allowed in every phase: after complete or cancel it watches the job end.
  void run(const Model& m, Harness& h) const override {
    h.advance(delta_ns);
    h.check_invariants(m, "advancing time");
  }
  void show(std::ostream& os) const override {
    os << "AdvanceTime(" << delta_ns / kNsPerUs << " us)";
  }
};

struct InjectFault final : Command {
  Fault fault;  // times relative to the command
  explicit InjectFault(const Model& m) : fault(*gen_fault(m.length)) {}
  void checkPreconditions(const Model& m) const override { require_active_io(m, kFaultFeature); }
  void run(const Model& m, Harness& h) const override {
    sim::FaultRule r = fault.rule;
    r.from_ns += h.world().now();
    r.to_ns += h.world().now();
    h.world().add_fault(fault.on_target ? DiskRole::kTarget : DiskRole::kSource, r);
    h.check_invariants(m, "injecting a fault");
  }
  void show(std::ostream& os) const override { os << "InjectFault(" << fault << " from now)"; }
};

// Pause (kPause) or resume: refused where the model says so (the operator
// first resumes a stop on error, so that the job is as the user left it);
// an accepted pause must take effect.
template <bool kPause>
struct PauseOrResume final : Command {
  void checkPreconditions(const Model& m) const override { require_active(m, kPauseFeature); }
  void apply(Model& m) const override { m.paused = kPause; }
  void run(const Model& m, Harness& h) const override {
    const bool must_accept = m.paused != kPause;
    if (!must_accept || kPause) h.world().operator_resume_now();
    const properties::CommandRecord record = kPause ? h.world().pause() : h.world().resume();
    if (!must_accept) RC_ASSERT(!record.accepted);
    if (must_accept) h.accept(record);
    if (must_accept && kPause) h.await_pause();
    Model next = m;
    apply(next);
    h.check_invariants(next, kPause ? "pause" : "resume");
  }
  void show(std::ostream& os) const override { os << (kPause ? "Pause" : "Resume"); }
};
using Pause = PauseOrResume<true>;
using Resume = PauseOrResume<false>;

struct SetSpeed final : Command {
  std::int64_t speed_bytes_per_s;
  SetSpeed()
      : speed_bytes_per_s(*pick<std::int64_t>({0, 100'000'000, 20'000'000, 1'000'000'000, -1})) {}
  void checkPreconditions(const Model& m) const override { require_active(m, kSpeedFeature); }
  void run(const Model& m, Harness& h) const override {
    const properties::CommandRecord record = h.world().set_speed(speed_bytes_per_s);
    if (speed_bytes_per_s < 0) {
      RC_ASSERT(!record.accepted);
    } else {
      h.accept(record);
    }
    h.check_invariants(m, "set-speed");
  }
  void show(std::ostream& os) const override { os << "SetSpeed(" << speed_bytes_per_s << ")"; }
};

struct SwitchToWriteBlocking final : Command {
  void checkPreconditions(const Model& m) const override {
    require_active(m, kWriteBlockingFeature);
  }
  void run(const Model& m, Harness& h) const override {
    h.accept(h.world().switch_to_write_blocking());
    h.check_invariants(m, "switch to write-blocking");
  }
  void show(std::ostream& os) const override { os << "SwitchToWriteBlocking"; }
};

// Waits (no guest I/O meanwhile) until READY: it must come.
struct AwaitReady final : Command {
  void checkPreconditions(const Model& m) const override {
    require_active(m, kAwaitReadyFeature);
    RC_PRE(!m.paused);
  }
  void apply(Model& m) const override { m.ready = true; }
  void run(const Model& m, Harness& h) const override {
    h.run_until([&] { return h.job().ready_seen(); }, kReadyBoundNs, "READY");
    Model next = m;
    apply(next);
    h.check_invariants(next, "awaiting READY");
  }
  void show(std::ostream& os) const override { os << "AwaitReady"; }
};

// complete: refused unless ready or standby; when refused, wait for READY
// (it must come) and complete then.
struct Complete final : Command {
  void checkPreconditions(const Model& m) const override {
    require_active(m);
    RC_PRE(!m.paused || m.ready);  // a job paused before READY cannot get there
  }
  void apply(Model& m) const override {
    m.phase = Phase::kCompleting;
    m.ready = true;
  }
  void run(const Model& m, Harness& h) const override {
    const JobState s = h.job().state();
    if (s == JobState::kReady || s == JobState::kStandby) {
      h.accept(h.world().complete());
    } else {
      RC_ASSERT(!m.ready);
      RC_ASSERT(!h.world().complete().accepted);
      h.run_until([&] { return h.job().ready_seen(); }, kReadyBoundNs, "READY (for complete)");
      h.accept(h.world().complete());
    }
    Model next = m;
    apply(next);
    h.check_invariants(next, "complete");
  }
  void show(std::ostream& os) const override { os << "Complete"; }
};

// complete once READY, issued while guest writes are in flight: each must
// reach the guest-visible disk, before the pivot (then copied) or after it
// (then on the target).
struct CompleteUnderLoad final : Command {
  std::vector<GuestRequest> requests;
  explicit CompleteUnderLoad(const Model& m)
      : requests(*gen_burst(m.length, {GuestOp::kWrite, GuestOp::kWriteZeroes}, 4)) {}
  void checkPreconditions(const Model& m) const override {
    require_active_io(m, kCompleteUnderLoadFeature);
    RC_PRE(!m.paused);
  }
  void apply(Model& m) const override {
    m.phase = Phase::kCompleting;
    m.ready = true;
  }
  void run(const Model& m, Harness& h) const override {
    h.run_until([&] { return h.job().ready_seen(); }, kReadyBoundNs, "READY (for complete)");
    h.guest_requests(requests, [&] { h.accept(h.world().complete()); });
    Model next = m;
    apply(next);
    h.check_invariants(next, "complete under load");
  }
  void show(std::ostream& os) const override {
    os << "CompleteUnderLoad";
    for (const GuestRequest& r : requests) os << " " << r;
  }
};

struct Cancel final : Command {
  bool force;
  Cancel() : force(*pick<int>({0, 1}) == 1) {}
  void checkPreconditions(const Model& m) const override { require_active(m, kCancelFeature); }
  void apply(Model& m) const override {
    m.phase = Phase::kCancelling;
    m.paused = false;  // cancelling undoes a user pause
  }
  void run(const Model& m, Harness& h) const override {
    h.accept(h.world().cancel(force));
    Model next = m;
    apply(next);
    h.check_invariants(next, force ? "a forced cancel" : "a cancel");
  }
  void show(std::ostream& os) const override { os << (force ? "Cancel(force)" : "Cancel"); }
};

// ---- the property --------------------------------------------------------------

void model_property(const engine::BugSet& bugs) {
  const Config config = *gen_config(bugs);
  const Model initial{config.length(), config.features, Phase::kActive, false, false};
  // Weights by repetition; the terminal commands are rare so that most of a
  // sequence happens while the job runs.
  const auto commands = *rc::gen::scale(
      kCommandScale,
      rc::state::gen::commands(
          initial,
          rc::state::gen::execOneOfWithArgs<
              GuestWrite, GuestWrite, GuestWrite, GuestWriteZeroes, GuestWriteZeroes, GuestDiscard,
              GuestDiscard, GuestBurst, GuestBurst, AdvanceTime, AdvanceTime, AdvanceTime,
              AdvanceTime, InjectFault, InjectFault, InjectFault, Pause, Pause, Resume, Resume,
              SetSpeed, SwitchToWriteBlocking, AwaitReady, Complete, CompleteUnderLoad, Cancel>()));

  Harness harness(config);
  harness.start();
  harness.check_invariants(initial, "the start");
  rc::state::runAll(commands, initial, harness);
  Model last = initial;
  rc::state::applyAll(commands, last);
  harness.finish(last);
  if (std::getenv("MIRROR_MODEL_STATS") != nullptr) {
    const engine::MirrorJob& job = harness.job();
    const engine::JobOutcome& outcome = job.outcome();
    const char* end = outcome.pivoted ? "pivot" : outcome.cancelled ? "cancelled" : "soft-cancel";
    RC_TAG(std::string(layout_name(config.layout)),
           "commands " + std::to_string(commands.size() / 10 * 10) + "+", end,
           job.metrics().errors > 0 ? "job errors" : "no job errors",
           job.metrics().active_writes > 0 ? "active writes" : "no active writes",
           job.resolved().cow ? "cow" : "no cow");
  }
}

// RapidCheck's defaults (100 cases, or RC_PARAMS).
RC_GTEST_PROP(MirrorModel, GuestViewFollowsTheModel, ()) {
  model_property(engine::BugSet{});
}

// The same property with more cases (at least kManyCases: a case costs well
// under a millisecond). Honours RC_PARAMS (seed, reproduce) like the above.
TEST(MirrorModel, ManyCases) {
  rc_support::check_at_least("MirrorModel/ManyCases", kManyCases,
                             [] { model_property(engine::BugSet{}); });
}

// ---- the same model against engines with a known bug --------------------------

// The model property against an engine with `bug` switched on.
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
