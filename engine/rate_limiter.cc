#include "engine/rate_limiter.h"

#include <algorithm>

#include "engine/limits.h"

namespace mirrorsim::engine {

void RateLimiter::set_speed(std::uint64_t bytes_per_s) {
  // A new speed starts a new slice (the old excess is forgiven); setting the
  // same speed again changes nothing, or repeating it would lift the limit.
  if (bytes_per_s != speed_) {
    slice_end_ = -1;
    dispatched_ = 0;
  }
  speed_ = bytes_per_s;
  const unsigned __int128 quota =
      static_cast<unsigned __int128>(bytes_per_s) * kSliceNs / kNsPerSecond;
  slice_quota_ =
      bytes_per_s == 0 ? 0 : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(quota));
}

TimeNs RateLimiter::delay_after(TimeNs now, std::uint64_t bytes) {
  if (slice_quota_ == 0) return 0;
  if (slice_end_ < now) {
    // The previous (possibly extended) slice is over: start a new one.
    slice_start_ = now;
    slice_end_ = now + kSliceNs;
    dispatched_ = 0;
  }
  dispatched_ += bytes;
  if (dispatched_ < slice_quota_) return 0;
  // Over quota: stretch the slice so the average stays at the speed.
  const unsigned __int128 stretched =
      static_cast<unsigned __int128>(dispatched_) * kSliceNs / slice_quota_;
  slice_end_ = slice_start_ + static_cast<TimeNs>(stretched);
  return slice_end_ - now;
}

}  // namespace mirrorsim::engine
