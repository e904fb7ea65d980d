// A FIFO of tasks waiting for a condition, built on Runtime::block/wake.
//
// Waiters are woken in arrival order, so behaviour never depends on task
// addresses. A woken task must re-check its condition (another task may have
// run first): use wait_until() for that loop.
#pragma once

#include <deque>
#include <string>

#include "engine/runtime.h"

namespace mirrorsim::engine {

class WaitQueue {
 public:
  // `runtime` must outlive the queue. `name` is what a stall report shows.
  WaitQueue(Runtime& runtime, std::string name);
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // Blocks the calling task until woken.
  void wait();

  // Blocks until `ready()` holds; returns at once if it already does.
  template <typename Predicate>
  void wait_until(Predicate ready) {
    while (!ready()) wait();
  }

  // Wakes the oldest waiter, if any. Returns whether one was woken.
  bool wake_one();
  // Wakes every current waiter.
  void wake_all();

  std::size_t waiters() const { return waiting_.size(); }
  const std::string& name() const { return name_; }

 private:
  Runtime& runtime_;
  std::string name_;
  std::deque<TaskId> waiting_;
};

}  // namespace mirrorsim::engine
