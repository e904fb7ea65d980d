#include "sim/kernel/simulation.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::sim {

std::string_view status_name(RunOutcome::Status status) {
  switch (status) {
    case RunOutcome::Status::kCompleted:
      return "completed";
    case RunOutcome::Status::kStopped:
      return "stopped";
    case RunOutcome::Status::kFailed:
      return "failed";
    case RunOutcome::Status::kLiveness:
      return "liveness";
    case RunOutcome::Status::kLimit:
      return "limit";
  }
  return "unknown";
}

namespace {

// "60 s", "0.002 s": a limit as people write it.
std::string seconds_text(engine::TimeNs ns) {
  std::string text = std::to_string(ns / engine::kNsPerSecond);
  if (const engine::TimeNs rest = ns % engine::kNsPerSecond; rest != 0) {
    std::string fraction = std::to_string(engine::kNsPerSecond + rest).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + " s";
}

}  // namespace

Simulation::Simulation(SimulationOptions options)
    : options_(options),
      scheduler_(options.shuffle_ties ? std::optional<RandomStream>(stream(streams::kScheduling))
                                      : std::nullopt),
      log_(options.retain_log),
      stacks_(options.stack_bytes, last_stack_) {}

Simulation::~Simulation() {
  unwind_tasks();
}

void Simulation::unwind_tasks() {
  // Let every worker end on its own: a blocked task gets TaskUnwind thrown
  // from its blocking call (its destructors run), an idle worker returns.
  // Only then are the coroutines destroyed.
  shutting_down_ = true;
  for (auto& worker : workers_) {
    if (!worker->finished) switch_into(*worker);
  }
  for (auto& worker : workers_) destroy_coroutine(*worker);
  workers_.clear();
  tasks_.clear();
  spare_tasks_.clear();
}

void Simulation::destroy_coroutine(Worker& worker) {
  // Destroying a Boost coroutine, even a finished one, resumes it to throw
  // forced_unwind on its stack, and comes back here once the stack is freed.
  // Announce that round trip, so that the sanitizer tracks the unwind on the
  // right stack (fiber_stack.h: the allocator also clears a freed stack).
  void* fake_stack = nullptr;
  fiber_switch_start(&fake_stack, worker.stack);
  worker.coroutine.reset();
  fiber_switch_finish(nullptr, nullptr);  // the switch "arrived" (the stack is gone)
  fiber_switch_start(nullptr, loop_stack_);
  fiber_switch_finish(fake_stack, nullptr);
}

void Simulation::switch_into(Worker& worker) {
  fiber_switch_start(&loop_fake_stack_, worker.stack);
  (*worker.coroutine)();
  fiber_switch_finish(loop_fake_stack_, nullptr);
}

void Simulation::switch_out(Worker& worker) {
  fiber_switch_start(&worker.fake_stack, loop_stack_);
  (*worker.yield)();
  fiber_switch_finish(worker.fake_stack, &loop_stack_);
}

Simulation::Task& Simulation::running_task() {
  MIRRORSIM_ASSERT(running_ != nullptr, "a blocking runtime call was made outside any task");
  return *running_;
}

engine::TaskId Simulation::current() const {
  return running_ ? running_->id : engine::kNoTask;
}

std::vector<std::unique_ptr<Simulation::Task>>::iterator Simulation::find_task(engine::TaskId id) {
  auto it =
      std::lower_bound(tasks_.begin(), tasks_.end(), id,
                       [](const std::unique_ptr<Task>& t, engine::TaskId x) { return t->id < x; });
  return it != tasks_.end() && (*it)->id == id ? it : tasks_.end();
}

void Simulation::run_tasks_on(Worker& worker) {
  while (!shutting_down_) {
    Task& task = *worker.task;
    try {
      // Move the body out so that its captures die when it returns.
      std::function<void()> body = std::move(task.body);
      body();
    } catch (const TaskUnwind&) {
      // Teardown: the task's stack is unwound; nothing to report.
    } catch (const std::exception& e) {
      if (!failure_) failure_ = "task '" + task.name + "' failed: " + e.what();
    } catch (...) {
      if (!failure_) failure_ = "task '" + task.name + "' failed with a non-standard exception";
    }
    task.state = TaskState::kFinished;
    if (shutting_down_) break;
    switch_out(worker);  // park; resumed with the next task, or to shut down
  }
}

Simulation::Worker& Simulation::idle_worker() {
  if (!idle_workers_.empty()) {
    Worker* worker = idle_workers_.back();
    idle_workers_.pop_back();
    return *worker;
  }
  auto worker = std::make_unique<Worker>();
  Worker* w = worker.get();
  w->coroutine.emplace(stacks_, [this, w](Coroutine::pull_type& yield) {
    fiber_switch_finish(nullptr, &loop_stack_);
    w->yield = &yield;
    run_tasks_on(*w);
    w->finished = true;
    fiber_switch_start(nullptr, loop_stack_);  // this coroutine is done
  });
  w->stack = *last_stack_;
  workers_.push_back(std::move(worker));
  return *w;
}

engine::TaskId Simulation::spawn_after(engine::TimeNs delay, std::string name,
                                       std::function<void()> body) {
  MIRRORSIM_ASSERT(delay >= 0, "spawn_after needs a non-negative delay");
  std::unique_ptr<Task> task;
  if (spare_tasks_.empty()) {
    task = std::make_unique<Task>();
  } else {
    task = std::move(spare_tasks_.back());
    spare_tasks_.pop_back();
    *task = Task{};
  }
  Task* t = task.get();
  t->simulation = this;
  t->id = next_id_++;
  t->name = std::move(name);
  t->body = std::move(body);
  tasks_.push_back(std::move(task));
  log_.append(now(), EventKind::kTaskSpawn, static_cast<std::uint32_t>(t->id));
  schedule_resume(*t, delay);
  return t->id;
}

void Simulation::schedule_resume(Task& task, engine::TimeNs delay) {
  // A task with a pending resume cannot finish before it fires.
  scheduler_.at(scheduler_.now() + delay, task);
}

void Simulation::resume(Task& task) {
  task.state = TaskState::kRunnable;
  task.waiting_on = {};
  log_.append(now(), EventKind::kTaskResume, static_cast<std::uint32_t>(task.id));
  if (task.worker == nullptr) {
    task.worker = &idle_worker();
    task.worker->task = &task;
  }
  Worker& worker = *task.worker;
  running_ = &task;
  switch_into(worker);
  running_ = nullptr;
  if (task.state != TaskState::kFinished) return;

  log_.append(now(), EventKind::kTaskFinish, static_cast<std::uint32_t>(task.id));
  worker.task = nullptr;
  idle_workers_.push_back(&worker);
  std::vector<engine::TaskId> joiners = std::move(task.joiners);
  const auto it = find_task(task.id);
  spare_tasks_.push_back(std::move(*it));
  tasks_.erase(it);
  for (engine::TaskId id : joiners) wake(id);
}

void Simulation::suspend(Task& task) {
  MIRRORSIM_ASSERT(&task == running_, "only the running task can suspend");
  switch_out(*task.worker);
  // Resumed at teardown: unwind the task, unless it is unwinding already (a
  // destructor that blocks), in which case it just carries on.
  if (shutting_down_ && std::uncaught_exceptions() == 0) throw TaskUnwind{};
}

void Simulation::sleep_for(engine::TimeNs duration) {
  MIRRORSIM_ASSERT(duration >= 0, "sleep_for needs a non-negative duration");
  Task& task = running_task();
  task.state = TaskState::kSleeping;
  schedule_resume(task, duration);
  suspend(task);
}

void Simulation::join(engine::TaskId id) {
  Task& task = running_task();
  auto it = find_task(id);
  if (it == tasks_.end()) return;  // finished already
  MIRRORSIM_ASSERT(id != task.id, "a task cannot join itself");
  (*it)->joiners.push_back(task.id);
  task.join_label = "join of task '" + (*it)->name + "'";
  block(task.join_label);
}

void Simulation::block(std::string_view what) {
  Task& task = running_task();
  task.state = TaskState::kBlocked;
  task.waiting_on = what;
  suspend(task);
}

void Simulation::wake(engine::TaskId id) {
  // At teardown, wait queues may still name tasks that were unwound.
  if (shutting_down_) return;
  auto it = find_task(id);
  MIRRORSIM_ASSERT(it != tasks_.end(), "wake of a task that does not exist");
  Task& task = **it;
  MIRRORSIM_ASSERT(task.state == TaskState::kBlocked, "wake of a task that is not blocked");
  task.state = TaskState::kRunnable;
  schedule_resume(task, 0);
}

void Simulation::wake_at(engine::TaskId id, engine::TimeNs when) {
  if (shutting_down_) return;
  MIRRORSIM_ASSERT(when >= now(), "wake_at of a past instant");
  auto it = find_task(id);
  MIRRORSIM_ASSERT(it != tasks_.end(), "wake_at of a task that does not exist");
  Task& task = **it;
  MIRRORSIM_ASSERT(task.state == TaskState::kBlocked, "wake_at of a task that is not blocked");
  task.state = TaskState::kSleeping;
  schedule_resume(task, when - now());
}

std::string Simulation::describe_waiting_tasks() const {
  // Tasks of one name waiting on the same thing are counted, not listed
  // (a full guest queue is 32 of them), in the order they were created.
  struct Group {
    std::string_view name;
    std::string_view waiting_on;
    std::size_t count = 0;
  };
  std::vector<Group> groups;
  for (const auto& task : tasks_) {
    if (task->state != TaskState::kBlocked) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.name == task->name && g.waiting_on == task->waiting_on;
    });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{task->name, task->waiting_on});
    ++it->count;
  }
  std::string out;
  for (const Group& g : groups) {
    if (!out.empty()) out += "; ";
    const std::string name = "'" + std::string(g.name) + "'";
    out += g.count == 1 ? "task " + name + " waits on "
                        : std::to_string(g.count) + " tasks " + name + " wait on ";
    out += g.waiting_on;
  }
  return out;
}

RunOutcome Simulation::finish(RunOutcome::Status status, std::string message) {
  RunOutcome outcome;
  outcome.status = status;
  outcome.message = std::move(message);
  outcome.end_time_ns = now();
  outcome.events = scheduler_.dispatched();
  outcome.log_hash = log_.hash();
  return outcome;
}

RunOutcome Simulation::run_events(const std::function<bool()>* reached) {
  stop_requested_ = false;
  while (true) {
    if (failure_) return finish(RunOutcome::Status::kFailed, *failure_);
    if (stop_requested_) return finish(RunOutcome::Status::kStopped, "");
    if (scheduler_.empty()) {
      if (tasks_.empty()) return finish(RunOutcome::Status::kCompleted, "");
      return finish(RunOutcome::Status::kLiveness,
                    "stall: nothing is scheduled while tasks wait: " + describe_waiting_tasks());
    }
    if (scheduler_.next_time() > options_.time_limit_ns) {
      return finish(RunOutcome::Status::kLimit,
                    "virtual time limit of " + seconds_text(options_.time_limit_ns) +
                        " reached; waiting: " + describe_waiting_tasks());
    }
    if (scheduler_.dispatched() >= options_.event_limit) {
      return finish(RunOutcome::Status::kLimit,
                    "event limit of " + std::to_string(options_.event_limit) +
                        " events reached; waiting: " + describe_waiting_tasks());
    }
    try {
      scheduler_.step();
    } catch (const std::exception& e) {
      // An event callback outside any task threw: that is a failure too.
      return finish(RunOutcome::Status::kFailed, std::string("event failed: ") + e.what());
    }
    if (reached != nullptr && !failure_ && (*reached)()) stop_requested_ = true;
  }
}

}  // namespace mirrorsim::sim
