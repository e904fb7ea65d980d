// The runtime the mirror engine runs on: time, sleeping, tasks, blocking.
//
// The engine is written as sequential code on cooperative tasks (coroutines):
// every call here that can wait blocks the *calling task*, never a thread.
// The simulated runtime (sim/) runs tasks on a virtual clock, one at a time,
// deterministically; a real backend would implement the same interface with
// real time. The engine must not assume which one it runs on.
//
// REQUIRES: every blocking call (sleep_for, join, block) is made from inside a
// task created by spawn(), never from the code that drives the runtime.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mirrorsim::engine {

// Virtual or real time, in nanoseconds since the runtime started.
using TimeNs = std::int64_t;

constexpr TimeNs kNsPerUs = 1'000;
constexpr TimeNs kNsPerMs = 1'000'000;
constexpr TimeNs kNsPerSecond = 1'000'000'000;

// Identifies a task for as long as the runtime lives; never reused.
using TaskId = std::uint64_t;
constexpr TaskId kNoTask = 0;

class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual TimeNs now() const = 0;

  // Blocks the calling task for `duration` (>= 0). A zero duration yields:
  // other tasks runnable at the same instant get to run first.
  virtual void sleep_for(TimeNs duration) = 0;

  // Starts `body` as a new task; it first runs after the caller blocks or
  // returns. `name` appears in logs and stall reports.
  virtual TaskId spawn(std::string name, std::function<void()> body) = 0;

  // Blocks until task `id` has finished; returns at once if it already has.
  virtual void join(TaskId id) = 0;

  // The task that is running now.
  virtual TaskId current() const = 0;

  // Blocks the calling task until some other task calls wake() on it.
  // `what` says what it waits for; a stall report lists it.
  // REQUIRES: the characters `what` views outlive the block.
  virtual void block(std::string_view what) = 0;

  // Makes a task that is in block() runnable again; it runs later, never
  // inside this call.
  // REQUIRES: task `id` is blocked in block().
  virtual void wake(TaskId id) = 0;
};

}  // namespace mirrorsim::engine
