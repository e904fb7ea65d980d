// The deterministic runtime: virtual time, coroutine tasks, one seed.
//
// Simulation implements engine::Runtime on Boost.Coroutine2 stackful
// coroutines. Exactly one task runs at a time; a task runs until it blocks
// (sleep, join, block) or returns, and control then goes back to the event
// loop, which resumes the next task in (time, sequence) order. Nothing here
// reads the wall clock, starts a thread or iterates an unordered container,
// so one seed gives one event log.
//
// A run ends when:
//  - every task has finished                    -> kCompleted;
//  - a task throws (an invariant violation, say) -> kFailed, with its message;
//  - tasks still wait but nothing is scheduled   -> kLiveness (a stall),
//    naming each waiting task and what it waits for (a stall never hangs);
//  - the virtual-time or event limit is reached  -> kLimit: the run was cut
//    short, which by itself says nothing about whether it was stuck (the
//    caller decides: a livelock, or slow work still under way);
//  - stop() is called                            -> kStopped.
// Tasks that have not finished when the Simulation is destroyed are unwound
// (their destructors run).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/coroutine2/coroutine.hpp>

#include "engine/runtime.h"
#include "sim/kernel/event_log.h"
#include "sim/kernel/fiber_stack.h"
#include "sim/kernel/random.h"
#include "sim/kernel/scheduler.h"

namespace mirrorsim::sim {

struct SimulationOptions {
  std::uint64_t seed = 1;
  // Permute events that fall on the same instant (seeded by "scheduling").
  bool shuffle_ties = false;
  // Keep log records in memory (the hash is always kept).
  bool retain_log = false;
  engine::TimeNs time_limit_ns = INT64_MAX;
  std::uint64_t event_limit = UINT64_MAX;
  // Coroutine stack size. Engine code is ordinary code: give it room.
  // Sanitizer builds need several times more (bigger frames, unwinding).
  std::size_t stack_bytes = kDefaultStackBytes;
#if defined(__SANITIZE_ADDRESS__) || defined(MIRRORSIM_SANITIZE_BUILD)
  static constexpr std::size_t kDefaultStackBytes = 1024 * 1024;
#else
  static constexpr std::size_t kDefaultStackBytes = 256 * 1024;
#endif
};

struct RunOutcome {
  enum class Status { kCompleted, kStopped, kFailed, kLiveness, kLimit };
  Status status = Status::kCompleted;
  std::string message;  // empty when completed or stopped
  engine::TimeNs end_time_ns = 0;
  std::uint64_t events = 0;
  std::uint64_t log_hash = 0;

  bool ok() const { return status == Status::kCompleted || status == Status::kStopped; }
};

std::string_view status_name(RunOutcome::Status status);

class Simulation final : public engine::Runtime {
 public:
  explicit Simulation(SimulationOptions options = {});
  ~Simulation() override;
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const SimulationOptions& options() const { return options_; }

  // A fresh stream called `name`, derived from the run seed.
  RandomStream stream(std::string_view name) const {
    return RandomStream::derive(options_.seed, name);
  }

  Scheduler& scheduler() { return scheduler_; }
  EventLog& log() { return log_; }
  const EventLog& log() const { return log_; }

  // Runs events until one of the endings in the header comment.
  RunOutcome run() { return run_events(nullptr); }
  // As run(), and also stops (kStopped) after the first event after which
  // `reached()` holds: a test steps the world with it.
  RunOutcome run_until(const std::function<bool()>& reached) { return run_events(&reached); }

  // Ends run() after the current event, with status kStopped.
  void stop() { stop_requested_ = true; }

  // Unwinds every unfinished task now (each blocked task gets its blocking
  // call to throw, so its destructors run) and ends the simulation's use of
  // coroutines. Owners of objects that tasks refer to call this before
  // destroying them; the destructor calls it too.
  void unwind_tasks();

  // Number of tasks that have not finished.
  std::size_t live_tasks() const { return tasks_.size(); }

  // engine::Runtime
  engine::TimeNs now() const override { return scheduler_.now(); }
  void sleep_for(engine::TimeNs duration) override;
  engine::TaskId spawn(std::string name, std::function<void()> body) override {
    return spawn_after(0, std::move(name), std::move(body));
  }
  // Spawns a task that starts `delay` ns from now (not a Runtime call: the
  // engine spawns tasks that start at once; drivers of the world use this
  // to start a request at its arrival time without a task waiting for it).
  engine::TaskId spawn_after(engine::TimeNs delay, std::string name, std::function<void()> body);
  void join(engine::TaskId id) override;
  engine::TaskId current() const override;
  void block(std::string_view what) override;
  void wake(engine::TaskId id) override;
  // As wake(), with the task resuming at `when` instead of now: an event
  // that does work on a blocked task's behalf (a disk moving its request's
  // pieces) hands the task back its sleep without a switch into it.
  // REQUIRES: task `id` is blocked in block(), when >= now().
  void wake_at(engine::TaskId id, engine::TimeNs when);

 private:
  using Coroutine = boost::coroutines2::coroutine<void>;
  enum class TaskState { kRunnable, kSleeping, kBlocked, kFinished };
  struct Worker;
  // A task is a body and its bookkeeping; it runs on a pooled Worker.
  struct Task final : Event {
    Simulation* simulation = nullptr;
    engine::TaskId id = engine::kNoTask;
    std::string name;
    std::function<void()> body;
    TaskState state = TaskState::kRunnable;
    // Views the waiter's own label (a queue name, or join_label below): a
    // block is the hot path, so nothing is copied there.
    std::string_view waiting_on;
    std::string join_label;
    std::vector<engine::TaskId> joiners;
    Worker* worker = nullptr;
    void fire() override { simulation->resume(*this); }
  };
  // A coroutine that runs task bodies one after another. Finishing a Boost
  // coroutine unwinds its stack with an exception (microseconds), so workers
  // are reused: a worker whose task returned parks in the idle list and
  // picks up the next spawned task. Workers end only at teardown.
  struct Worker {
    std::optional<Coroutine::push_type> coroutine;
    Coroutine::pull_type* yield = nullptr;
    Task* task = nullptr;
    StackBounds stack;
    void* fake_stack = nullptr;  // ASan's handle while switched away
    bool finished = false;
  };
  // Thrown into a blocked task at teardown to unwind it; not a std::exception,
  // so engine code that handles errors does not catch it.
  struct TaskUnwind {};

  RunOutcome run_events(const std::function<bool()>* reached);
  Task& running_task();
  void schedule_resume(Task& task, engine::TimeNs delay);
  void resume(Task& task);
  void suspend(Task& task);  // from inside the task: back to the event loop
  void run_tasks_on(Worker& worker);
  void switch_into(Worker& worker);        // event loop -> worker, returns when it yields
  void switch_out(Worker& worker);         // worker -> event loop, returns when resumed
  void destroy_coroutine(Worker& worker);  // frees its stack, announced to the sanitizer
  Worker& idle_worker();
  std::string describe_waiting_tasks() const;
  RunOutcome finish(RunOutcome::Status status, std::string message);

  SimulationOptions options_;
  Scheduler scheduler_;
  EventLog log_;
  // Stacks are mapped with a guard page, so an overflow faults instead of
  // silently corrupting a neighbour. Mapping is slow, which is why workers
  // (and so their stacks) are pooled and reused for the run's lifetime.
  std::shared_ptr<StackBounds> last_stack_ = std::make_shared<StackBounds>();
  FiberStackAllocator stacks_;
  StackBounds loop_stack_;  // the event loop's stack, learnt at the first switch
  void* loop_fake_stack_ = nullptr;
  bool shutting_down_ = false;
  // Declared after the stack pool: workers are destroyed first.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_workers_;
  // Live tasks ordered by id (ids only grow, so spawning appends), so that
  // reports list tasks in creation order. A few dozen live at once: a
  // vector searched by bisection beats a map.
  std::vector<std::unique_ptr<Task>> tasks_;
  // Finished tasks, reused by spawn: a run spawns millions of short tasks.
  std::vector<std::unique_ptr<Task>> spare_tasks_;
  // The live task with this id, or tasks_.end().
  std::vector<std::unique_ptr<Task>>::iterator find_task(engine::TaskId id);
  engine::TaskId next_id_ = 1;
  Task* running_ = nullptr;
  bool stop_requested_ = false;
  std::optional<std::string> failure_;
};

}  // namespace mirrorsim::sim
