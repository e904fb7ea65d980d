// The virtual clock and its event queue.
//
// Time moves only here, and only by jumping to the next scheduled event.
// Events run in (time, tie-break key, sequence number) order. The key is 0
// unless tie shuffling is on, in which case it is drawn from the scheduling
// stream: events at the same instant then run in a seed-determined
// permutation, which explores interleavings while staying reproducible. The
// order never depends on addresses.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/invariant.h"
#include "engine/runtime.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {

// An event object that outlives its scheduling: the cheap path for events
// that fire often (a task resuming), with no callback to allocate or move.
class Event {
 public:
  virtual void fire() = 0;

 protected:
  ~Event() = default;
};

class Scheduler {
 public:
  using Callback = std::function<void()>;

  // With `tie_shuffle`, equal-time events are permuted by that stream.
  explicit Scheduler(std::optional<RandomStream> tie_shuffle = std::nullopt);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  engine::TimeNs now() const { return now_; }

  // Runs `callback` at time `when`. REQUIRES: when >= now().
  void at(engine::TimeNs when, Callback callback);
  // Runs `callback` `delay` ns from now. REQUIRES: delay >= 0.
  void after(engine::TimeNs delay, Callback callback) { at(now_ + delay, std::move(callback)); }
  // Fires `event` at time `when`. REQUIRES: `event` lives until it fires.
  void at(engine::TimeNs when, Event& event);

  bool empty() const { return heap_.empty() && ready_head_ == ready_.size(); }
  std::size_t pending() const { return heap_.size() + (ready_.size() - ready_head_); }
  // Time of the next event. REQUIRES: !empty().
  engine::TimeNs next_time() const {
    MIRRORSIM_ASSERT(!empty(), "next_time of an empty scheduler");
    return ready_head_ < ready_.size() ? now_ : heap_.front().time;
  }

  // Advances the clock to the next event and runs it. Returns false when
  // there was none. An exception from the callback propagates.
  bool step();

  std::uint64_t dispatched() const { return dispatched_; }

 private:
  struct Entry {
    engine::TimeNs time;
    std::uint64_t key;
    std::uint64_t sequence;
    // An Event* (low bit clear) or a callback slot index shifted left by one
    // with the low bit set.
    std::uintptr_t target;
  };
  void push(engine::TimeNs when, std::uintptr_t target);
  // std heap functions build a max-heap; this puts the earliest on top. A
  // function object, so that the heap functions inline it: every event
  // pays a few of these comparisons.
  struct Later {
    bool operator()(const Entry& x, const Entry& y) const {
      if (x.time != y.time) return x.time > y.time;
      if (x.key != y.key) return x.key > y.key;
      return x.sequence > y.sequence;
    }
  };
  static constexpr Later later{};

  engine::TimeNs now_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t dispatched_ = 0;
  std::optional<RandomStream> tie_shuffle_;
  std::vector<Entry> heap_;
  // Events for the current instant when ties are not shuffled: they already
  // come in sequence order, so a FIFO keeps them without heap work. step()
  // takes whichever of the heap top and the FIFO front comes first.
  std::vector<Entry> ready_;
  std::size_t ready_head_ = 0;
  // Callbacks live in a slab indexed by Entry::slot, so heap moves stay small.
  std::vector<Callback> callbacks_;
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace mirrorsim::sim
