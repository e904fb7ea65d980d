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

  void enter();  // a guest request begins: waits while drained
  void leave();  // it has returned
  void begin();  // closes the gate and waits for the requests in flight
  void end();    // opens it again
  // Closes the gate without waiting: only a catalogued bug's pause
  // (precopy-pause-no-drain) stops here; everything else calls begin().
  void close();

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
