// Holds a job's guest I/O off while the job drains it (when tracking
// starts, at the pivot, at the end). A guest request counts as in flight
// from before it waits at the gate until it returns; a drain closes the
// gate and waits until none is in flight. Shared by every algorithm.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime.h"
#include "engine/wait_queue.h"

namespace mirrorsim::engine {

class GuestDrain {
 public:
  // `gate_name` is what a stall report shows for requests held off.
  GuestDrain(Runtime& runtime, std::string gate_name);

  // What a drain does with the guest requests already past the gate: waits
  // until they have returned (every algorithm's rule), or leaves them
  // running and only holds new ones off (today only a catalogued bug asks
  // for that: precopy-pause-no-drain).
  enum class InFlight : std::uint8_t { kWait, kLeaveRunning };

  void enter();  // a guest request begins: waits while drained
  void leave();  // it has returned
  // Closes the gate and, with kWait, waits for the requests in flight.
  void begin(InFlight in_flight = InFlight::kWait);
  void end();  // opens it again

  // When the gate last closed: a job's downtime at the pivot runs from here.
  TimeNs closed_at() const { return closed_at_; }

 private:
  Runtime& runtime_;
  TimeNs closed_at_ = 0;
  std::uint32_t in_flight_ = 0;
  bool drained_ = false;
  WaitQueue gate_;   // guest requests wait here while drained
  WaitQueue quiet_;  // a drain waits here for guest requests to end
};

// Counts one guest request in flight for the drain, for its whole life.
class GuestRequestScope {
 public:
  explicit GuestRequestScope(GuestDrain& drain) : drain_(drain) { drain_.enter(); }
  ~GuestRequestScope() { drain_.leave(); }
  GuestRequestScope(const GuestRequestScope&) = delete;
  GuestRequestScope& operator=(const GuestRequestScope&) = delete;

 private:
  GuestDrain& drain_;
};

}  // namespace mirrorsim::engine
