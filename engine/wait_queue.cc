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
  if (head_ == waiting_.size()) return false;
  const TaskId id = waiting_[head_++];
  if (head_ == waiting_.size()) {
    waiting_.clear();
    head_ = 0;
  } else if (head_ >= 64 && 2 * head_ >= waiting_.size()) {
    // A queue that never empties: drop the woken front now and then.
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  runtime_.wake(id);
  return true;
}

void WaitQueue::wake_all() {
  // Take the list first: a woken task may wait here again, and must not be
  // woken twice by this call (wake() never runs it inside the call).
  woken_.swap(waiting_);
  const std::size_t first = head_;
  head_ = 0;
  for (std::size_t i = first; i < woken_.size(); ++i) runtime_.wake(woken_[i]);
  woken_.clear();
}

}  // namespace mirrorsim::engine
