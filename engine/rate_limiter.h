// Rate limiting in slices (QEMU's RateLimit behaviour, written anew).
//
// A slice of kSliceNs allows speed * slice / 1 s bytes. Dispatching beyond
// the quota extends the slice in proportion to the excess, and the caller
// is told to sleep until the extended slice ends. Changing the speed takes
// effect from the next dispatch.
#pragma once

#include <cstdint>

#include "engine/runtime.h"

namespace mirrorsim::engine {

class RateLimiter {
 public:
  // bytes per second; 0 = unlimited.
  void set_speed(std::uint64_t bytes_per_s);
  std::uint64_t speed() const { return speed_; }

  // Accounts `bytes` dispatched at `now`; returns how long to wait before
  // dispatching more (0 when within the quota).
  TimeNs delay_after(TimeNs now, std::uint64_t bytes);

 private:
  std::uint64_t speed_ = 0;
  std::uint64_t slice_quota_ = 0;
  TimeNs slice_start_ = 0;
  TimeNs slice_end_ = -1;
  std::uint64_t dispatched_ = 0;
};

}  // namespace mirrorsim::engine
