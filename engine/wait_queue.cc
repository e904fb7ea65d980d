#include "engine/wait_queue.h"

#include <utility>

namespace mirrorsim::engine {

WaitQueue::WaitQueue(Runtime& runtime, std::string name)
    : runtime_(runtime), name_(std::move(name)) {}

void WaitQueue::wait() {
  waiting_.push_back(runtime_.current());
  runtime_.block(name_);
}

bool WaitQueue::wake_one() {
  if (waiting_.empty()) return false;
  const TaskId id = waiting_.front();
  waiting_.pop_front();
  runtime_.wake(id);
  return true;
}

void WaitQueue::wake_all() {
  // Only the current waiters: wake() never runs a task inside the call, so
  // none can join meanwhile. (No local copy of the queue: an empty libstdc++
  // deque allocates, which showed up at one allocation per wake_all.)
  for (std::size_t n = waiting_.size(); n > 0; --n) wake_one();
}

}  // namespace mirrorsim::engine
