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
  TaskId id = waiting_.front();
  waiting_.pop_front();
  runtime_.wake(id);
  return true;
}

void WaitQueue::wake_all() {
  // Take the list first: a woken task may wait here again, and must not be
  // woken twice by this call.
  std::deque<TaskId> woken;
  woken.swap(waiting_);
  for (TaskId id : woken) runtime_.wake(id);
}

}  // namespace mirrorsim::engine
