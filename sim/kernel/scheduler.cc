#include "sim/kernel/scheduler.h"

#include <algorithm>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::sim {

Scheduler::Scheduler(std::optional<RandomStream> tie_shuffle)
    : tie_shuffle_(std::move(tie_shuffle)) {}

void Scheduler::at(engine::TimeNs when, Callback callback) {
  MIRRORSIM_ASSERT(when >= now_, "an event cannot be scheduled in the past");
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(callbacks_.size());
    callbacks_.push_back(std::move(callback));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    callbacks_[slot] = std::move(callback);
  }
  push(when, (static_cast<std::uintptr_t>(slot) << 1) | 1);
}

void Scheduler::at(engine::TimeNs when, Event& event) {
  MIRRORSIM_ASSERT(when >= now_, "an event cannot be scheduled in the past");
  auto target = reinterpret_cast<std::uintptr_t>(&event);
  MIRRORSIM_ASSERT((target & 1) == 0, "events must be aligned");
  push(when, target);
}

void Scheduler::push(engine::TimeNs when, std::uintptr_t target) {
  if (!tie_shuffle_ && when == now_) {
    ready_.push_back(Entry{when, 0, next_sequence_++, target});
    return;
  }
  const std::uint64_t key = tie_shuffle_ ? tie_shuffle_->next_u64() : 0;
  heap_.push_back(Entry{when, key, next_sequence_++, target});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

bool Scheduler::step() {
  if (empty()) return false;
  Entry entry;
  const bool from_ready =
      ready_head_ < ready_.size() && (heap_.empty() || later(heap_.front(), ready_[ready_head_]));
  if (from_ready) {
    entry = ready_[ready_head_++];
    if (ready_head_ == ready_.size()) {
      ready_.clear();
      ready_head_ = 0;
    }
  } else {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    entry = heap_.back();
    heap_.pop_back();
  }
  now_ = entry.time;
  ++dispatched_;
  if ((entry.target & 1) == 0) {
    reinterpret_cast<Event*>(entry.target)->fire();
    return true;
  }
  const auto slot = static_cast<std::uint32_t>(entry.target >> 1);
  Callback callback = std::move(callbacks_[slot]);
  callbacks_[slot] = nullptr;
  free_slots_.push_back(slot);
  callback();
  return true;
}

}  // namespace mirrorsim::sim
