// What a mirror job got done over time, seen from outside: the bytes its
// background ops copied, and the bytes it still had to copy (dirty, or in
// a background op that has not ended). When a run is cut short by its time
// or event limit, this tells a job still working its way down (slow, not
// stuck) from one that spins without getting anywhere (a livelock).
//
// Bytes in flight count as left because an iteration clears the dirty bits
// of its whole run (up to a buffer) before its ops copy them: the dirty
// count alone may reach 0 long before the copying is done. For the same
// reason the world samples when an op ends and when an iteration has
// started all its ops, not when an op starts (the rest of its iteration,
// no longer dirty and not yet in flight, would be missed). An op may still
// end while a later iteration waits for room; that sample reads low, which
// can only hide progress, never invent it.
//
// Memory is bounded: the history keeps at most kMaxSamples samples, thinned
// by half (and its spacing doubled) whenever it fills up, so a run of any
// length keeps about the same time resolution relative to its length. The
// lowest count of bytes left is exact (kept at every sample, not only the
// kept ones).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime.h"

namespace mirrorsim::properties {

// The last part of a run, as ProgressTracker::window() sees it.
struct ProgressWindow {
  engine::TimeNs start_ns = 0;  // the window is [start_ns, end_ns]
  engine::TimeNs end_ns = 0;
  std::uint64_t copied_bytes = 0;   // background bytes copied inside the window
  std::uint64_t left_at_start = 0;  // dirty or being copied
  std::uint64_t left_at_end = 0;
  // The bytes left went below their lowest count from before the window:
  // the job gained ground, not only moved data around.
  bool new_low = false;
  // A guest write landed inside the window (it may dirty what was copied).
  bool guest_wrote = false;

  engine::TimeNs length_ns() const { return end_ns - start_ns; }
  // Bytes per second copied in the window.
  double copy_rate() const;
  // Net bytes left retired per second in the window (0 when none were).
  double drain_rate() const;
  // The same, signed: negative when the bytes left grew (0 for an empty window).
  double net_drain_rate() const;
};

// What a job cut at a limit was doing over the window, by MIRROR.md's rules
// alone (a job copies, and in background mode a guest may dirty as fast):
//   kProgressing  copying, and the bytes left reached a new low: slow
//   kOutrun       copying in background mode while the guest wrote, with no
//                 new low: the guest re-dirtied what the job copied
//   kStalled      nothing copied, or copies that gained no ground with no
//                 guest write to explain it, or in write-blocking mode
//                 (where guest writes cannot make the job diverge)
enum class LimitProgress { kProgressing, kOutrun, kStalled };
LimitProgress classify_limit(const ProgressWindow& w, bool background_mode);

// One point of the bytes-left series (`run --json`): a plot of dirty bytes
// over time.
struct LeftSample {
  engine::TimeNs time = 0;
  std::uint64_t left = 0;
};

class ProgressTracker {
 public:
  static constexpr std::size_t kMaxSamples = 512;

  // Records the job's state at `now` (times never go backwards).
  // `copied_total`: background bytes copied since the start; `left`: bytes
  // dirty or in a background op that has not ended, now.
  void sample(engine::TimeNs now, std::uint64_t copied_total, std::uint64_t left);
  void guest_write(engine::TimeNs now) { last_guest_write_ns_ = now; }

  // The last `fraction` of the run up to `end` (at least the last sample's
  // state), or nullopt when nothing was ever sampled.
  std::optional<ProgressWindow> window(engine::TimeNs end, double fraction = 0.25) const;

  std::size_t kept_samples() const { return samples_.size(); }
  bool any() const { return any_; }
  // The first and the latest state.
  LeftSample first() const;
  LeftSample latest() const { return {last_.time, last_.left}; }
  // At most `points` of the kept samples, evenly picked, the first and the
  // latest state always among them.
  std::vector<LeftSample> series(std::size_t points) const;

 private:
  struct Sample {
    engine::TimeNs time = 0;
    std::uint64_t copied = 0;
    std::uint64_t left = 0;
    std::uint64_t lowest_left = 0;  // lowest count of bytes left up to this sample
  };
  std::vector<Sample> samples_;
  Sample last_;  // the latest state, kept or not
  bool any_ = false;
  engine::TimeNs spacing_ns_ = 1;  // kept samples are at least this far apart
  std::optional<engine::TimeNs> last_guest_write_ns_;
};

// "1.50 MiB/s", "320.0 KiB/s": a rate for messages.
std::string rate_text(double bytes_per_s);
// "1.50 MiB", "512 KiB", "0 B": an amount for messages.
std::string amount_text(std::uint64_t bytes);

}  // namespace mirrorsim::properties
