// A RapidCheck state-machine test of the real mirror job in simulation
// (issue 6, item 3).
//
// System under test (World, below): one Simulation with a ContentSource, a
// source DiskImage (raw, clustered, or clustered over a populated base), a
// target DiskImage (raw or clustered; over a base it names the base as its
// backing and gets it attached only by the pivot hook: the COW case when its
// clusters are larger than the granularity), a SimDisk for each, and a
// MirrorJob started at time 0 from a task. The World is the job's observer:
// it records events, checks legal transitions and READY-once, feeds the
// bounds monitor (buffer, in-flight ops, overlapping target writes, rate),
// and plays the operator that resumes a job stopped on an I/O error.
//
// Model: what rc::state can predict from the commands alone (Model: phase,
// user pause, READY known) plus the expected guest-visible source content,
// a raw DiskImage kept in the World and updated by each acknowledged guest
// request (write: its fresh value; write-zeroes: zeroes; discard: whatever
// the source now reads there, since discard semantics are the device's).
//
// Commands: guest write / write-zeroes / discard (one task through
// job.guest_device(), run until it completes), advance time, inject a
// transient fault, pause / resume (rejections checked where the model says
// so), set-speed, switch to write-blocking, await READY, complete (rejected
// before READY, then accepted once READY), cancel (soft or forced). Complete
// and cancel are terminal: only advance-time follows them.
//
// After every command: no task failed and nothing stalled; the source reads
// exactly the model; the job's state is one the model allows; no event or
// bound violation; after a pivot the target reads exactly the model. At the
// end the job is driven to its end (complete on READY unless a terminal
// command came) and the outcome is checked: a pivot leaves the target (read
// through its backing) equal to the model, a soft cancel after READY leaves
// a point-in-time copy (the model: no guest I/O follows a cancel), a cancel
// before READY or forced ends cancelled.
//
// The same property runs against engines with a known bug switched on
// (MirrorModelMutants below): the model must catch them.
#include <gtest/gtest.h>

#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/block_device.h"
#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "engine/known_bugs.h"
#include "engine/limits.h"
#include "engine/mirror_job.h"
#include "engine/mirror_params.h"
#include "properties/bounds_monitor.h"
#include "sim/content.h"
#include "sim/disk_image.h"
#include "sim/disk_op.h"
#include "sim/disk_options.h"
#include "sim/disk_view.h"
#include "sim/fault_plan.h"
#include "sim/sim_disk.h"
#include "sim/simulation.h"

namespace mirrorsim {
namespace {

using engine::JobCommandError;
using engine::JobEvent;
using engine::JobEventKind;
using engine::JobState;
using engine::TimeNs;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr TimeNs kUs = engine::kNsPerUs;
constexpr TimeNs kMs = engine::kNsPerMs;
constexpr TimeNs kSecond = engine::kNsPerSecond;

// Virtual-time bounds for things that must happen (liveness). Generous: the
// slowest configuration copies 4 MiB at 20 MB/s in about 0.2 s.
constexpr TimeNs kGuestIoBound = 2 * kSecond;
constexpr TimeNs kPauseBound = 2 * kSecond;
constexpr TimeNs kReadyBound = 20 * kSecond;
constexpr TimeNs kEndBound = 20 * kSecond;
// The operator resumes a job stopped on an error this long after the stop.
constexpr TimeNs kOperatorResumeDelay = 1 * kMs;
// Commands per case: up to about this many (the sequence generator's size
// is scaled down to it).
constexpr double kCommandScale = 0.3;

std::string bytes(std::uint64_t n) {
  if (n % kMiB == 0) return std::to_string(n / kMiB) + "M";
  if (n % kKiB == 0) return std::to_string(n / kKiB) + "K";
  return std::to_string(n);
}

// ---- generators ----------------------------------------------------------------

// One of `choices`, uniformly whatever the size, shrinking towards the first.
template <typename T>
rc::Gen<T> pick(std::vector<T> choices) {
  return rc::gen::resize(100, rc::gen::sizedElementOf(std::move(choices)));
}

// In [low, high), uniformly whatever the size, shrinking towards low.
template <typename T>
rc::Gen<T> uniform(T low, T high) {
  return rc::gen::resize(100, rc::gen::inRange<T>(low, high));
}

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

// ---- the configuration of one case ---------------------------------------------

enum class Layout : std::uint8_t {
  kRaw,        // raw source (old data or a few writes) -> raw target (zero or old data)
  kOverBase,   // clustered source over a populated base -> clustered target, base at pivot
  kClustered,  // clustered source, no base -> clustered target, no backing
};

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::kRaw:
      return "raw";
    case Layout::kOverBase:
      return "over-base";
    case Layout::kClustered:
      return "clustered";
  }
  return "?";
}

struct DiskPerf {
  TimeNs latency_ns = 100 * kUs;
  std::uint64_t bandwidth_bytes_per_s = 1'000'000'000;
  TimeNs jitter_ns = 0;
  std::uint32_t queue_depth = 32;
  bool shared_bandwidth = false;
};

struct Config {
  std::uint64_t seed = 1;
  bool shuffle_ties = false;
  Layout layout = Layout::kRaw;
  std::uint64_t length = kMiB;
  std::uint64_t source_cluster = 0;  // clustered layouts
  std::uint64_t target_cluster = 0;  // clustered layouts
  bool base_old_data = false;        // kOverBase: every base sector holds old data...
  std::vector<Range> base_writes;    // ...else these ranges of the base hold data
  bool source_old_data = false;      // kRaw: the source starts full of old data
  std::vector<Range> source_writes;  // written to the source's top layer before the start
  bool target_old_data = false;      // kRaw: the target starts full of old data
  bool source_discard_zero = false;
  bool target_discard_zero = false;
  DiskPerf source_perf;
  DiskPerf target_perf;
  engine::MirrorParams params;
};

std::string describe_ranges(const std::vector<Range>& ranges) {
  std::string out = "[";
  for (const Range& r : ranges) {
    if (out.size() > 1) out += " ";
    out += bytes(r.offset) + "+" + bytes(r.length);
  }
  return out + "]";
}

std::string describe_perf(const DiskPerf& p) {
  std::ostringstream os;
  os << "lat " << p.latency_ns / kUs << "us bw " << p.bandwidth_bytes_per_s / 1'000'000
     << "MB/s jitter " << p.jitter_ns / kUs << "us qd " << p.queue_depth
     << (p.shared_bandwidth ? " shared" : "");
  return os.str();
}

void showValue(const Config& c, std::ostream& os) {
  const engine::MirrorParams& p = c.params;
  os << "seed " << c.seed << (c.shuffle_ties ? " shuffle-ties" : "") << "; " << layout_name(c.layout)
     << " " << bytes(c.length);
  if (c.layout != Layout::kRaw) {
    os << " source-cluster " << bytes(c.source_cluster) << " target-cluster "
       << bytes(c.target_cluster);
  }
  if (c.layout == Layout::kOverBase) {
    os << (c.base_old_data ? " base full of old data" : " base writes " + describe_ranges(c.base_writes));
  }
  if (c.source_old_data) os << " source-old-data";
  if (c.target_old_data) os << " target-old-data";
  os << " source writes " << describe_ranges(c.source_writes);
  os << (c.source_discard_zero ? " source-discard-zero" : "")
     << (c.target_discard_zero ? " target-discard-zero" : "");
  os << "; sync " << engine::sync_mode_name(p.sync) << " " << engine::copy_mode_name(p.copy_mode)
     << " granularity " << bytes(p.granularity_bytes) << " buf " << p.buf_size_bytes << " speed "
     << p.speed_bytes_per_s << " on-source-error " << engine::error_policy_name(p.on_source_error)
     << " on-target-error " << engine::error_policy_name(p.on_target_error)
     << (p.unmap ? " unmap" : " no-unmap");
  for (const std::string& bug : p.bugs.names()) os << " bug " << bug;
  os << "; source " << describe_perf(c.source_perf) << "; target " << describe_perf(c.target_perf);
}

rc::Gen<DiskPerf> gen_perf() {
  return rc::gen::exec([] {
    DiskPerf p;
    p.latency_ns = *pick<TimeNs>({100 * kUs, 20 * kUs, 500 * kUs});
    p.bandwidth_bytes_per_s = *pick<std::uint64_t>({1'000'000'000, 200'000'000});
    p.jitter_ns = *pick<TimeNs>({0, 50 * kUs});
    p.queue_depth = *pick<std::uint32_t>({32, 4, 1});
    p.shared_bandwidth = *pick<int>({0, 1}) == 1;
    return p;
  });
}

rc::Gen<std::vector<Range>> gen_ranges(std::uint64_t length, int max_count) {
  return rc::gen::exec([length, max_count] {
    const int count = *uniform<int>(0, max_count + 1);
    std::vector<Range> out;
    for (int i = 0; i < count; ++i) out.push_back(*gen_range(length));
    return out;
  });
}

// Swarm style: every feature is switched on or off per case, independently
// of the case's size; the sequence of commands is what grows with size.
rc::Gen<Config> gen_config(engine::BugSet bugs) {
  return rc::gen::exec([bugs] {
    Config c;
    c.seed = *rc::gen::noShrink(uniform<std::uint64_t>(1, std::uint64_t{1} << 62));
    c.shuffle_ties = *pick<int>({0, 1}) == 1;
    c.layout = *pick<Layout>({Layout::kRaw, Layout::kOverBase, Layout::kClustered});
    // Lengths that are not multiples of the chunk or of the target cluster
    // are there on purpose (short last chunk, short last cluster).
    c.length = *pick<std::uint64_t>(
        {kMiB, 4 * kMiB, 2 * kMiB + 192 * kKiB, 4 * kMiB - 4 * kKiB, 3 * kMiB + 512});
    engine::MirrorParams& p = c.params;
    p.bugs = bugs;
    p.granularity_bytes = *pick<std::uint64_t>({0, 64 * kKiB, 16 * kKiB, 4 * kKiB});
    switch (c.layout) {
      case Layout::kRaw:
        c.source_old_data = *pick<int>({1, 0}) == 1;
        c.target_old_data = *pick<int>({0, 1}) == 1;
        p.sync = engine::SyncMode::kFull;
        break;
      case Layout::kOverBase:
        c.source_cluster = *pick<std::uint64_t>({64 * kKiB, 4 * kKiB});
        c.target_cluster = *pick<std::uint64_t>({kMiB, 256 * kKiB, 64 * kKiB});
        c.base_old_data = *pick<int>({1, 0}) == 1;
        if (!c.base_old_data) c.base_writes = *gen_ranges(c.length, 6);
        break;
      case Layout::kClustered:
        c.source_cluster = *pick<std::uint64_t>({64 * kKiB, 4 * kKiB});
        c.target_cluster = *pick<std::uint64_t>({kMiB, 64 * kKiB, 4 * kKiB, 256 * kKiB});
        break;
    }
    c.source_writes = *gen_ranges(c.length, 5);
    if (c.layout == Layout::kOverBase) {
      // sync=none is right only when the target starts as the source: both
      // read the base, so the source's top layer must be empty.
      std::vector<engine::SyncMode> modes = {engine::SyncMode::kTop, engine::SyncMode::kFull};
      if (c.source_writes.empty()) modes.push_back(engine::SyncMode::kNone);
      p.sync = *pick<engine::SyncMode>(modes);
    } else if (c.layout == Layout::kClustered) {
      p.sync = *pick<engine::SyncMode>({engine::SyncMode::kFull, engine::SyncMode::kTop});
    }
    c.source_discard_zero = *pick<int>({0, 1}) == 1;
    c.target_discard_zero = *pick<int>({0, 1}) == 1;
    c.source_perf = *gen_perf();
    c.target_perf = *gen_perf();
    p.copy_mode =
        *pick<engine::CopyMode>({engine::CopyMode::kBackground, engine::CopyMode::kWriteBlocking});
    p.buf_size_bytes = *pick<std::int64_t>({0, 256 * kKiB, 64 * kKiB});
    p.speed_bytes_per_s = *pick<std::int64_t>({0, 0, 50'000'000});
    // Only policies under which a job converges once faults pass.
    p.on_source_error = *pick<engine::ErrorPolicy>({engine::ErrorPolicy::kIgnore,
                                                    engine::ErrorPolicy::kStop});
    p.on_target_error = *pick<engine::ErrorPolicy>({engine::ErrorPolicy::kIgnore,
                                                    engine::ErrorPolicy::kStop});
    p.unmap = *pick<int>({1, 0}) == 1;
    return c;
  });
}

// ---- the model -----------------------------------------------------------------

enum class Phase : std::uint8_t { kActive, kCompleting, kCancelling };

// What rc::state tracks. The expected content itself depends on what the
// devices do with discards, so it lives in the World (World::expected).
struct Model {
  std::uint64_t length = 0;
  Phase phase = Phase::kActive;
  bool paused = false;  // a user pause is in effect (and has taken effect)
  bool ready = false;   // READY is known to have been reached
};

// ---- the system under test -----------------------------------------------------

std::string join(const std::vector<JobState>& states) {
  std::string out;
  for (JobState s : states) {
    if (!out.empty()) out += "/";
    out += std::string(engine::state_name(s));
  }
  return out;
}

class World final : public engine::JobObserver {
 public:
  explicit World(Config config)
      : config_(std::move(config)),
        simulation_(std::make_unique<sim::Simulation>(simulation_options(config_))),
        expected_(expected_options(config_.length)) {
    build_disks();
    job_ = std::make_unique<engine::MirrorJob>(*simulation_, *source_, *target_, config_.params,
                                               this, [this] { pivot(); });
    // The model starts as what the source reads before the job starts.
    (void)expected_.write(0, source_->image().read(0, config_.length));
  }

  ~World() override {
    // Blocked tasks refer to the job and the disks: unwind them first.
    simulation_->unwind_tasks();
  }

  World(const World&) = delete;
  World& operator=(const World&) = delete;

  engine::MirrorJob& job() { return *job_; }
  sim::SimDisk& source() { return *source_; }
  sim::SimDisk& target() { return *target_; }
  TimeNs now() const { return simulation_->now(); }

  // Starts the job at time 0 from a task.
  void start() {
    bool done = false;
    std::string error;
    simulation_->spawn("starter", [&] {
      try {
        job_->start();
      } catch (const engine::MirrorConfigError& e) {
        error = e.what();
      }
      done = true;
      simulation_->stop();
    });
    run_until([&] { return done; }, kMs, "the job's start");
    if (!error.empty()) RC_FAIL("the job refused to start: " + error);
    // The job's task runs next and moves it to running.
    run_until([&] { return job_->state() != JobState::kCreated; }, kMs, "the job's first step");
    bounds_.set_buffer_limit(job_->resolved().buf_size_bytes);
  }

  // ---- driving the simulation ----

  // Runs the simulation until `done()` holds. Fails the case when a task
  // fails (an engine invariant, say), when the run stalls, or when `limit`
  // of virtual time passes first.
  void run_until(const std::function<bool()>& done, TimeNs limit, const std::string& what) {
    auto fired = std::make_shared<bool>(false);
    sim::Simulation* simulation = simulation_.get();
    simulation_->scheduler().at(now() + limit, [simulation, fired] {
      *fired = true;
      simulation->stop();
    });
    while (!done()) {
      if (*fired) {
        RC_FAIL("liveness: " + what + " did not happen within " + std::to_string(limit / kMs) +
                " ms of virtual time; " + describe());
      }
      run_once(what);
    }
  }

  // Runs every event up to now() + d (inclusive of those already due).
  void advance(TimeNs d) {
    auto fired = std::make_shared<bool>(false);
    sim::Simulation* simulation = simulation_.get();
    simulation_->scheduler().at(now() + d, [simulation, fired] {
      *fired = true;
      simulation->stop();
    });
    while (!*fired) run_once("advancing time");
  }

  // One call of Simulation::run: it returns at the next stop (an event of
  // the job, a guest request's end, a deadline) or with a failure.
  void run_once(const std::string& what) {
    const sim::RunOutcome outcome = simulation_->run();
    if (!outcome.ok()) fail_run(outcome, what);
  }

  [[noreturn]] void fail_run(const sim::RunOutcome& outcome, const std::string& what) {
    RC_FAIL("the simulation ended with " + std::string(sim::status_name(outcome.status)) +
            " while " + what + ": " + outcome.message + "; " + describe());
  }

  // Runs until every task has finished.
  void run_to_end() {
    while (true) {
      const sim::RunOutcome outcome = simulation_->run();
      if (outcome.status == sim::RunOutcome::Status::kCompleted) return;
      if (outcome.status != sim::RunOutcome::Status::kStopped) fail_run(outcome, "the final run");
    }
  }

  // ---- guest I/O ----

  enum class GuestOp : std::uint8_t { kWrite, kWriteZeroes, kDiscard };

  // One guest request through the job's guest device, run to completion;
  // the model follows when the request succeeded.
  void guest_io(GuestOp op, Range range, bool may_unmap) {
    const std::uint64_t value = op == GuestOp::kWrite ? content_.next() : 0;
    auto status = std::make_shared<std::optional<engine::IoStatus>>();
    simulation_->spawn("guest-io", [this, status, op, range, value, may_unmap] {
      engine::BlockDevice& device = job_->guest_device();
      switch (op) {
        case GuestOp::kWrite:
          *status = device.write(range.offset, range.length,
                                 sim::ContentPayload::fresh(value, range.length));
          break;
        case GuestOp::kWriteZeroes:
          *status = device.write_zeroes(range.offset, range.length, may_unmap);
          break;
        case GuestOp::kDiscard:
          *status = device.discard(range.offset, range.length);
          break;
      }
      simulation_->stop();
    });
    run_until([&] { return status->has_value(); }, kGuestIoBound, "the guest request's completion");
    ++guest_requests_;
    if (!(*status)->ok()) {
      ++guest_errors_;  // a failed request changes nothing: neither does the model
      return;
    }
    switch (op) {
      case GuestOp::kWrite:
        (void)expected_.write(range.offset, sim::ContentPayload::fresh(value, range.length));
        break;
      case GuestOp::kWriteZeroes:
        (void)expected_.write_zeroes(range.offset, range.length, true);
        break;
      case GuestOp::kDiscard:
        // Whether a discard reads back as zeroes, old data or the backing is
        // the device's choice: take what the source reads now.
        (void)expected_.write(range.offset, source_->image().read(range.offset, range.length));
        break;
    }
  }

  // ---- job commands (from outside any task: none of these block) ----

  // The operator resumes a job stopped on an error; a command that must see
  // the job as the user left it does so at once instead of waiting for it.
  void settle_error_stop() {
    if (!job_->ended() && !user_paused_ && job_->io_status() != engine::IoStatusKind::kOk) {
      job_->resume();
    }
  }

  bool user_paused() const { return user_paused_; }
  void set_user_paused(bool paused) { user_paused_ = paused; }
  void note_complete() { complete_requested_ = true; }
  void note_cancel(bool soft_after_ready) {
    cancel_requested_ = true;
    cancel_soft_after_ready_ = soft_after_ready;
  }

  void inject_fault(bool on_target, const sim::FaultRule& rule) {
    (on_target ? target_ : source_)->fault_plan().add(rule);
  }

  // ---- invariants ----

  std::vector<JobState> allowed_states(const Model& m) const {
    using S = JobState;
    switch (m.phase) {
      case Phase::kActive:
        if (m.paused) return m.ready ? std::vector<S>{S::kStandby} : std::vector<S>{S::kPaused, S::kStandby};
        // Not paused by the user: a stop on error may pause it a while.
        return m.ready ? std::vector<S>{S::kReady, S::kStandby}
                       : std::vector<S>{S::kRunning, S::kPaused, S::kReady, S::kStandby};
      case Phase::kCompleting:
        if (m.paused) return {S::kStandby};
        return {S::kReady, S::kStandby, S::kWaiting, S::kPending, S::kConcluded, S::kNull};
      case Phase::kCancelling:
        if (cancel_soft_after_ready_) {
          return {S::kReady, S::kStandby, S::kWaiting, S::kPending, S::kConcluded, S::kNull};
        }
        return {S::kRunning, S::kPaused,    S::kReady,    S::kStandby,
                S::kAborting, S::kConcluded, S::kNull};
    }
    return {};
  }

  // Checked after every command.
  void check_invariants(const Model& m, const std::string& after) {
    const std::string where = " (after " + after + "; " + describe() + ")";
    if (!violations_.empty()) RC_FAIL("job events: " + violations_.front() + where);
    if (!bounds_.violations().empty()) RC_FAIL("bounds: " + bounds_.violations().front() + where);
    if (!job_->outcome().error.empty()) {
      RC_FAIL("the job failed though every error policy is ignore or stop: " +
              job_->outcome().error + where);
    }
    if (auto d = sim::first_difference(source_->snapshot(), expected_.guest_view())) {
      RC_FAIL("the source differs from the model (a = source, b = model): " + d->describe() + where);
    }
    if (job_->outcome().pivoted) {
      if (auto d = sim::first_difference(target_->snapshot(), expected_.guest_view())) {
        RC_FAIL("after the pivot the target differs from the model (a = target, b = model): " +
                d->describe() + where);
      }
    }
    const std::vector<JobState> allowed = allowed_states(m);
    if (std::find(allowed.begin(), allowed.end(), job_->state()) == allowed.end()) {
      RC_FAIL("the job is " + std::string(engine::state_name(job_->state())) +
              "; the model allows " + join(allowed) + where);
    }
    if (m.phase == Phase::kActive && job_->ended()) {
      RC_FAIL("the job ended though neither complete nor cancel was asked" + where);
    }
    if (m.ready && !job_->ready_seen()) RC_FAIL("the model saw READY but the job did not" + where);
  }

  // After the command sequence: drive the job to its end and check how it ended.
  void finish(const Model& m) {
    if (m.phase == Phase::kActive) {
      if (user_paused_) {
        job_->resume();
        user_paused_ = false;
      }
      run_until([this] { return job_->ready_seen(); }, kReadyBound, "READY (before the final complete)");
      try {
        job_->complete();
      } catch (const JobCommandError& e) {
        RC_FAIL(std::string("complete refused after READY: ") + e.what() + "; " + describe());
      }
      complete_requested_ = true;
    } else if (user_paused_) {
      job_->resume();  // completing from standby: let the job go on
      user_paused_ = false;
    }
    run_until([this] { return job_->ended(); }, kEndBound, "the job's end");
    run_to_end();

    const engine::JobOutcome& outcome = job_->outcome();
    const std::string where = " (" + describe() + ")";
    if (!violations_.empty()) RC_FAIL("job events: " + violations_.front() + where);
    if (!bounds_.violations().empty()) RC_FAIL("bounds: " + bounds_.violations().front() + where);
    RC_ASSERT(outcome.ended);
    RC_ASSERT(job_->state() == JobState::kNull);
    if (!outcome.error.empty()) RC_FAIL("the job failed: " + outcome.error + where);
    if (auto d = sim::first_difference(source_->snapshot(), expected_.guest_view())) {
      RC_FAIL("at the end the source differs from the model: " + d->describe() + where);
    }
    const engine::JobMetrics& metrics = job_->metrics();
    RC_ASSERT(metrics.peak_in_flight <= engine::kMaxInFlightOps);
    RC_ASSERT(metrics.peak_buffer_bytes <= job_->resolved().buf_size_bytes);

    // Exactly one end event, last but for the move to null, agreeing with
    // the outcome.
    int ends = 0;
    for (const JobEvent& e : events_) {
      if (e.kind == JobEventKind::kCompleted || e.kind == JobEventKind::kCancelled) {
        ++ends;
        RC_ASSERT(e.pivoted == outcome.pivoted);
        RC_ASSERT((e.kind == JobEventKind::kCancelled) == outcome.cancelled);
      }
    }
    RC_ASSERT(ends == 1);

    const bool compare_target = outcome.pivoted || (cancel_requested_ && cancel_soft_after_ready_);
    if (complete_requested_) {
      if (!outcome.success || !outcome.pivoted || outcome.cancelled) {
        RC_FAIL("complete was accepted but the job did not pivot" + where);
      }
    } else {
      RC_ASSERT(cancel_requested_);
      if (outcome.pivoted) RC_FAIL("a cancelled job pivoted" + where);
      if (cancel_soft_after_ready_) {
        if (!outcome.success || outcome.cancelled) {
          RC_FAIL("a soft cancel after READY must end like complete without the pivot" + where);
        }
        // Read the target as it would be opened later: through its backing.
        if (base_ && target_->image().backing() == nullptr) target_->attach_backing(base_);
      } else if (!outcome.cancelled) {
        RC_FAIL("a forced cancel or a cancel before READY must end cancelled" + where);
      }
    }
    if (compare_target) {
      if (auto d = sim::first_difference(target_->snapshot(), expected_.guest_view())) {
        RC_FAIL(std::string(outcome.pivoted ? "after the pivot"
                                            : "after a soft cancel past READY (point-in-time copy)") +
                " the target differs from the model (a = target, b = model): " + d->describe() +
                where);
      }
    }
  }

  std::string describe() const {
    std::ostringstream os;
    os << "t=" << now() << "ns state " << engine::state_name(job_->state())
       << (job_->ready_seen() ? " ready-seen" : "") << " dirty " << job_->dirty_bytes()
       << " in-flight " << job_->background_in_flight() << " io-status "
       << static_cast<int>(job_->io_status()) << " mode " << engine::copy_mode_name(job_->copy_mode())
       << (user_paused_ ? " user-paused" : "") << " guest requests " << guest_requests_
       << " (failed " << guest_errors_ << ") faults injected "
       << source_->stats().faults_injected + target_->stats().faults_injected << "; last events:";
    const std::size_t first = events_.size() > 8 ? events_.size() - 8 : 0;
    for (std::size_t i = first; i < events_.size(); ++i) {
      const JobEvent& e = events_[i];
      os << " " << e.time << ":" << engine::job_event_name(e.kind);
      if (e.kind == JobEventKind::kStateChange) os << "=" << engine::state_name(e.state);
      if (e.kind == JobEventKind::kError) os << "(" << e.operation << "," << e.action << ")";
    }
    return os.str();
  }

  // ---- engine::JobObserver (called inside tasks: record, never throw) ----

  void on_event(const JobEvent& event) override {
    events_.push_back(event);
    if (event.kind == JobEventKind::kStateChange) {
      if (!engine::is_legal_transition(last_state_, event.state)) {
        violate("illegal transition " + std::string(engine::state_name(last_state_)) + " -> " +
                std::string(engine::state_name(event.state)));
      }
      if (ready_events_ > 0 &&
          (event.state == JobState::kRunning || event.state == JobState::kPaused)) {
        violate("the job went back to " + std::string(engine::state_name(event.state)) +
                " after READY");
      }
      last_state_ = event.state;
      // The operator: a job stopped on an I/O error is resumed a little
      // later, unless the user has paused it too (then the user's resume
      // resumes both, as in QEMU).
      const bool stopped = (event.state == JobState::kPaused || event.state == JobState::kStandby) &&
                           job_->io_status() != engine::IoStatusKind::kOk;
      if (stopped) {
        simulation_->spawn("operator", [this] {
          simulation_->sleep_for(kOperatorResumeDelay);
          if (job_->ended() || user_paused_ || job_->io_status() == engine::IoStatusKind::kOk) return;
          try {
            job_->resume();
          } catch (const JobCommandError&) {
            // Resumed already (a cancel undoes pauses).
          }
        });
      }
    }
    if (event.kind == JobEventKind::kReady) {
      if (++ready_events_ > 1) violate("READY emitted twice");
    }
    const bool to_null =
        event.kind == JobEventKind::kStateChange && event.state == JobState::kNull;
    if (ended_events_ > 0 && !to_null) violate("an event after the job's end event");
    if (event.kind == JobEventKind::kCompleted || event.kind == JobEventKind::kCancelled) {
      ++ended_events_;
      if (event.kind == JobEventKind::kCompleted && !event.message.empty()) {
        violate("the job failed: " + event.message);
      }
    }
    simulation_->stop();  // let the driver look at the new state
  }

  void on_op_start(const engine::OpInfo& op) override { bounds_.on_op_start(now(), op); }

  void on_rate_dispatch(TimeNs at, std::uint64_t n, std::uint64_t speed) override {
    bounds_.on_rate_dispatch(at, n, speed);
  }

 private:
  // Sees every request on one disk.
  struct Watch final : sim::DiskObserver {
    World* world = nullptr;
    bool target = false;
    void on_request_start(const sim::DiskRequest& r) override { world->request_start(target, r); }
    void on_request_end(const sim::DiskRequest& r) override {
      if (target) world->bounds_.on_target_request_end(r);
    }
  };

  static sim::SimulationOptions simulation_options(const Config& c) {
    sim::SimulationOptions o;
    o.seed = c.seed;
    o.shuffle_ties = c.shuffle_ties;
    o.time_limit_ns = 3600 * kSecond;  // the helpers bound every wait far below this
    return o;
  }

  static sim::DiskOptions expected_options(std::uint64_t length) {
    sim::DiskOptions o;
    o.name = "model";
    o.length = length;
    return o;
  }

  static sim::DiskOptions disk_options(const std::string& name, std::uint64_t length,
                                       std::uint64_t cluster, const DiskPerf& perf) {
    sim::DiskOptions o;
    o.name = name;
    o.length = length;
    o.cluster_size = cluster;
    o.latency_ns = perf.latency_ns;
    o.bandwidth_bytes_per_s = perf.bandwidth_bytes_per_s;
    o.jitter_ns = perf.jitter_ns;
    o.queue_depth = perf.queue_depth;
    o.shared_bandwidth = perf.shared_bandwidth;
    o.flush_latency_ns = 200 * kUs;
    return o;
  }

  void write_fresh(sim::DiskModel& image, const std::vector<Range>& ranges) {
    for (const Range& r : ranges) {
      (void)image.write(r.offset, sim::ContentPayload::fresh(content_.next(), r.length));
    }
  }

  void build_disks() {
    const Config& c = config_;
    sim::DiskOptions source = disk_options("source", c.length, c.source_cluster, c.source_perf);
    sim::DiskOptions target = disk_options("target", c.length, c.target_cluster, c.target_perf);
    source.discard_reads_zero = c.source_discard_zero;
    target.discard_reads_zero = c.target_discard_zero;
    if (c.layout == Layout::kRaw) {
      source.zero_init = !c.source_old_data;
      source.start_with_old_data = c.source_old_data;
      target.zero_init = !c.target_old_data;
      target.start_with_old_data = c.target_old_data;
    }
    std::shared_ptr<sim::DiskImage> source_image = std::make_shared<sim::DiskImage>(source);
    if (c.layout == Layout::kOverBase) {
      sim::DiskOptions base = disk_options("base", c.length, 64 * kKiB, DiskPerf{});
      base.zero_init = !c.base_old_data;
      base_ = std::make_shared<sim::DiskImage>(base);
      if (c.base_old_data) {
        base_->fill_with_old_data(content_.next());
      } else {
        write_fresh(*base_, c.base_writes);
      }
      source.backing_name = "base";
      target.backing_name = "base";  // attached by the pivot
      source_image = std::make_shared<sim::DiskImage>(source);
      source_image->attach_backing(base_);
    }
    source_ = std::make_unique<sim::SimDisk>(*simulation_, content_, 1, source_image);
    target_ = std::make_unique<sim::SimDisk>(*simulation_, content_, 2,
                                             std::make_shared<sim::DiskImage>(target));
    write_fresh(source_->image(), c.source_writes);
    source_watch_.world = this;
    target_watch_.world = this;
    target_watch_.target = true;
    source_->add_observer(source_watch_);
    target_->add_observer(target_watch_);
  }

  void pivot() {
    if (base_) target_->attach_backing(base_);
    pivoted_ = true;
  }

  void request_start(bool target, const sim::DiskRequest& r) {
    const sim::SimDisk& disk = target ? *target_ : *source_;
    bounds_.on_request_validity(target ? "target" : "source", disk.options().length, r);
    if (target && !pivoted_ && !job_->ended()) bounds_.on_target_request_start(r);
  }

  void violate(std::string message) {
    violations_.push_back(std::to_string(now()) + " ns: " + std::move(message));
  }

  Config config_;
  std::unique_ptr<sim::Simulation> simulation_;
  sim::ContentSource content_;
  std::shared_ptr<sim::DiskImage> base_;
  std::unique_ptr<sim::SimDisk> source_;
  std::unique_ptr<sim::SimDisk> target_;
  Watch source_watch_;
  Watch target_watch_;
  std::unique_ptr<engine::MirrorJob> job_;
  // The model's content: what the guest must read from the source.
  sim::DiskImage expected_;

  properties::BoundsMonitor bounds_;
  std::vector<JobEvent> events_;
  std::vector<std::string> violations_;
  JobState last_state_ = JobState::kCreated;
  int ready_events_ = 0;
  int ended_events_ = 0;
  bool pivoted_ = false;
  bool user_paused_ = false;
  bool complete_requested_ = false;
  bool cancel_requested_ = false;
  bool cancel_soft_after_ready_ = false;
  std::uint64_t guest_requests_ = 0;
  std::uint64_t guest_errors_ = 0;
};

// ---- commands ------------------------------------------------------------------

using Command = rc::state::Command<Model, World>;

void require_active(const Model& m) {
  RC_PRE(m.phase == Phase::kActive);
}

template <typename Call>
void require_accepted(const std::string& what, Call call, World& w) {
  try {
    call();
  } catch (const JobCommandError& e) {
    RC_FAIL(what + " was refused: " + e.what() + "; " + w.describe());
  }
}

struct GuestWrite final : Command {
  Range range;
  explicit GuestWrite(const Model& m) : range(*gen_range(m.length)) {}
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    w.guest_io(World::GuestOp::kWrite, range, false);
    w.check_invariants(m, "a guest write");
  }
  void show(std::ostream& os) const override {
    os << "GuestWrite(" << range.offset << ", +" << range.length << ")";
  }
};

struct GuestWriteZeroes final : Command {
  Range range;
  bool may_unmap;
  explicit GuestWriteZeroes(const Model& m)
      : range(*gen_range(m.length)), may_unmap(*pick<int>({1, 0}) == 1) {}
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    w.guest_io(World::GuestOp::kWriteZeroes, range, may_unmap);
    w.check_invariants(m, "a guest write-zeroes");
  }
  void show(std::ostream& os) const override {
    os << "GuestWriteZeroes(" << range.offset << ", +" << range.length
       << (may_unmap ? ", unmap" : "") << ")";
  }
};

struct GuestDiscard final : Command {
  Range range;
  explicit GuestDiscard(const Model& m) : range(*gen_range(m.length)) {}
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    w.guest_io(World::GuestOp::kDiscard, range, true);
    w.check_invariants(m, "a guest discard");
  }
  void show(std::ostream& os) const override {
    os << "GuestDiscard(" << range.offset << ", +" << range.length << ")";
  }
};

struct AdvanceTime final : Command {
  TimeNs delta;
  AdvanceTime() : delta(*uniform<TimeNs>(0, 5001) * kUs) {}
  // Allowed in every phase: after complete or cancel it watches the job end.
  void run(const Model& m, World& w) const override {
    w.advance(delta);
    w.check_invariants(m, "advancing time");
  }
  void show(std::ostream& os) const override { os << "AdvanceTime(" << delta / kUs << " us)"; }
};

struct InjectFault final : Command {
  bool on_target;
  sim::FaultRule rule;  // times relative to the command
  explicit InjectFault(const Model& m) : on_target(*pick<int>({1, 0}) == 1) {
    std::vector<std::optional<sim::DiskOp>> ops = {sim::DiskOp::kRead, std::nullopt,
                                                   sim::DiskOp::kWrite};
    if (on_target) ops = {sim::DiskOp::kWrite, std::nullopt, sim::DiskOp::kFlush,
                          sim::DiskOp::kWriteZeroes};
    rule.op = *pick(ops);
    if (rule.op != sim::DiskOp::kFlush && *pick<int>({0, 1}) == 1) {
      const Range r = *gen_range(m.length);
      rule.offset = r.offset;
      rule.length = r.length;
    }
    rule.from_ns = *uniform<TimeNs>(0, 1001) * kUs;
    rule.to_ns = rule.from_ns + *uniform<TimeNs>(1, 3001) * kUs;
    rule.probability = *pick<double>({1.0, 0.5});
    rule.error = *pick<int>({EIO, ENOSPC});
  }
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    sim::FaultRule r = rule;
    r.from_ns += w.now();
    r.to_ns += w.now();
    w.inject_fault(on_target, r);
    w.check_invariants(m, "injecting a fault");
  }
  void show(std::ostream& os) const override {
    os << "InjectFault(" << (on_target ? "target" : "source") << ", " << rule.describe()
       << " from now)";
  }
};

struct Pause final : Command {
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void apply(Model& m) const override { m.paused = true; }
  void run(const Model& m, World& w) const override {
    if (m.paused) {
      RC_ASSERT_THROWS_AS(w.job().pause(), JobCommandError);
    } else {
      w.settle_error_stop();
      require_accepted("pause", [&] { w.job().pause(); }, w);
      w.set_user_paused(true);
      // A pause takes effect once the job's own I/O is done.
      w.run_until(
          [&] {
            return w.job().state() == JobState::kPaused || w.job().state() == JobState::kStandby;
          },
          kPauseBound, "the pause");
    }
    Model next = m;
    apply(next);
    w.check_invariants(next, "pause");
  }
  void show(std::ostream& os) const override { os << "Pause"; }
};

struct Resume final : Command {
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void apply(Model& m) const override { m.paused = false; }
  void run(const Model& m, World& w) const override {
    if (!m.paused) {
      w.settle_error_stop();
      RC_ASSERT_THROWS_AS(w.job().resume(), JobCommandError);
    } else {
      require_accepted("resume", [&] { w.job().resume(); }, w);
      w.set_user_paused(false);
    }
    Model next = m;
    apply(next);
    w.check_invariants(next, "resume");
  }
  void show(std::ostream& os) const override { os << "Resume"; }
};

struct SetSpeed final : Command {
  std::int64_t speed;
  SetSpeed()
      : speed(*pick<std::int64_t>({0, 100'000'000, 20'000'000, 1'000'000'000, -1})) {}
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    if (speed < 0) {
      RC_ASSERT_THROWS_AS(w.job().set_speed(speed), JobCommandError);
    } else {
      require_accepted("set-speed", [&] { w.job().set_speed(speed); }, w);
    }
    w.check_invariants(m, "set-speed");
  }
  void show(std::ostream& os) const override { os << "SetSpeed(" << speed << ")"; }
};

struct SwitchToWriteBlocking final : Command {
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void run(const Model& m, World& w) const override {
    require_accepted("switch to write-blocking", [&] { w.job().switch_to_write_blocking(); }, w);
    w.check_invariants(m, "switch to write-blocking");
  }
  void show(std::ostream& os) const override { os << "SwitchToWriteBlocking"; }
};

// Waits (no guest I/O meanwhile) until READY: it must come.
struct AwaitReady final : Command {
  void checkPreconditions(const Model& m) const override {
    require_active(m);
    RC_PRE(!m.paused);
  }
  void apply(Model& m) const override { m.ready = true; }
  void run(const Model& m, World& w) const override {
    w.run_until([&] { return w.job().ready_seen(); }, kReadyBound, "READY");
    Model next = m;
    apply(next);
    w.check_invariants(next, "awaiting READY");
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
  void run(const Model& m, World& w) const override {
    const JobState s = w.job().state();
    if (s == JobState::kReady || s == JobState::kStandby) {
      require_accepted("complete in " + std::string(engine::state_name(s)),
                       [&] { w.job().complete(); }, w);
    } else {
      RC_ASSERT(!m.ready);
      RC_ASSERT_THROWS_AS(w.job().complete(), JobCommandError);
      w.run_until([&] { return w.job().ready_seen(); }, kReadyBound, "READY (for complete)");
      require_accepted("complete after READY", [&] { w.job().complete(); }, w);
    }
    w.note_complete();
    Model next = m;
    apply(next);
    w.check_invariants(next, "complete");
  }
  void show(std::ostream& os) const override { os << "Complete"; }
};

struct Cancel final : Command {
  bool force;
  Cancel() : force(*pick<int>({0, 1}) == 1) {}
  void checkPreconditions(const Model& m) const override { require_active(m); }
  void apply(Model& m) const override {
    m.phase = Phase::kCancelling;
    m.paused = false;  // cancelling undoes a user pause
  }
  void run(const Model& m, World& w) const override {
    const bool was_ready = w.job().ready_seen();
    require_accepted(force ? "forced cancel" : "cancel", [&] { w.job().cancel(force); }, w);
    w.set_user_paused(false);
    w.note_cancel(!force && was_ready);
    Model next = m;
    apply(next);
    w.check_invariants(next, force ? "a forced cancel" : "a cancel");
  }
  void show(std::ostream& os) const override { os << (force ? "Cancel(force)" : "Cancel"); }
};

// ---- the property --------------------------------------------------------------

void model_property(const engine::BugSet& bugs) {
  const Config config = *gen_config(bugs);
  const Model initial{config.length, Phase::kActive, false, false};
  // Weights by repetition; the terminal commands are rare so that most of a
  // sequence happens while the job runs.
  const auto commands = *rc::gen::scale(
      kCommandScale,
      rc::state::gen::commands(
          initial, rc::state::gen::execOneOfWithArgs<
                       GuestWrite, GuestWrite, GuestWrite, GuestWrite, GuestWriteZeroes,
                       GuestWriteZeroes, GuestDiscard, GuestDiscard, GuestDiscard, AdvanceTime,
                       AdvanceTime, AdvanceTime, AdvanceTime, InjectFault, InjectFault, Pause,
                       Pause, Resume, Resume, SetSpeed, SwitchToWriteBlocking, AwaitReady, Complete,
                       Cancel>()));

  World world(config);
  world.start();
  world.check_invariants(initial, "the start");
  rc::state::runAll(commands, initial, world);
  Model last = initial;
  rc::state::applyAll(commands, last);
  world.finish(last);
  if (std::getenv("MIRROR_MODEL_STATS") != nullptr) {
    RC_TAG(std::string(layout_name(config.layout)), commands.size() / 10 * 10,
           world.job().outcome().pivoted ? "pivot" : world.job().outcome().cancelled ? "cancelled" : "soft-cancel",
           world.job().metrics().errors > 0 ? "errors" : "no-errors");
  }
}

RC_GTEST_PROP(MirrorModel, GuestViewFollowsTheModel, ()) {
  model_property(engine::BugSet{});
}

// ---- the same model against engines with a known bug --------------------------

// Runs the property with `bug` switched on; returns the time to the first
// failing case and prints the shrunk counterexample, or nullopt if every
// case passed.
std::optional<double> seconds_to_catch(engine::Bug bug, int max_cases) {
  engine::BugSet bugs;
  bugs.add(bug);
  rc::detail::TestMetadata metadata;
  metadata.id = "mutant/" + std::string(engine::bug_info(bug).name);
  metadata.description = metadata.id;
  rc::detail::TestParams params;
  params.seed = 6;  // fixed: the test must not flake
  params.maxSuccess = max_cases;
  params.maxSize = 100;
  const auto begin = std::chrono::steady_clock::now();
  const rc::detail::TestResult result =
      rc::detail::checkTestable([bugs] { model_property(bugs); }, metadata, params);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!result.template is<rc::detail::FailureResult>()) return std::nullopt;
  const auto& failure = result.template get<rc::detail::FailureResult>();
  std::cout << "bug " << engine::bug_info(bug).name << " caught after " << failure.numSuccess
            << " passing cases, " << seconds << " s with shrinking; shrunk counterexample:\n";
  for (const auto& [type, value] : failure.counterExample) std::cout << value << "\n";
  std::cout << failure.description << std::endl;
  return seconds;
}

TEST(MirrorModelMutants, CowNoRoundIsCaught) {
  EXPECT_TRUE(seconds_to_catch(engine::Bug::kCowNoRound, 1000).has_value())
      << "the model did not catch cow-no-round in 1000 cases";
}

TEST(MirrorModelMutants, DiscardClearsDirtyIsCaught) {
  EXPECT_TRUE(seconds_to_catch(engine::Bug::kDiscardClearsDirty, 1000).has_value())
      << "the model did not catch discard-clears-dirty in 1000 cases";
}

}  // namespace
}  // namespace mirrorsim
