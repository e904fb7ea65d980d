#include "properties/progress_tracker.h"

#include <algorithm>

#include <fmt/core.h>

namespace mirrorsim::properties {

double ProgressWindow::copy_rate() const {
  if (length_ns() <= 0) return 0;
  return static_cast<double>(copied_bytes) * 1e9 / static_cast<double>(length_ns());
}

double ProgressWindow::drain_rate() const {
  if (length_ns() <= 0 || left_at_end >= left_at_start) return 0;
  return static_cast<double>(left_at_start - left_at_end) * 1e9 / static_cast<double>(length_ns());
}

double ProgressWindow::net_drain_rate() const {
  if (length_ns() <= 0) return 0;
  const double net = static_cast<double>(left_at_start) - static_cast<double>(left_at_end);
  return net * 1e9 / static_cast<double>(length_ns());
}

LimitProgress classify_limit(const ProgressWindow& w, bool background_mode) {
  const bool copying = w.copied_bytes > 0;
  if (copying && w.new_low) return LimitProgress::kProgressing;
  // ARCHITECTURE.md: a job outrun by its guest is an outcome, not a
  // violation. Only where the spec allows it: copies ran (a job that stopped
  // copying is stuck whatever its guest does) and guest writes could have
  // re-dirtied them, in the mode where they may.
  if (copying && w.guest_wrote && background_mode) return LimitProgress::kOutrun;
  return LimitProgress::kStalled;
}

LeftSample ProgressTracker::first() const {
  if (samples_.empty()) return {};
  return {samples_.front().time, samples_.front().left};
}

std::vector<LeftSample> ProgressTracker::series(std::size_t points) const {
  std::vector<LeftSample> out;
  if (!any_ || points == 0) return out;
  // The kept samples, then the latest state when it is newer than them.
  const std::size_t kept = samples_.size();
  const bool latest_apart = last_.time > samples_.back().time;
  const std::size_t total = kept + (latest_apart ? 1 : 0);
  const auto at = [&](std::size_t i) {
    return i < kept ? LeftSample{samples_[i].time, samples_[i].left} : latest();
  };
  if (total <= points) {
    for (std::size_t i = 0; i < total; ++i) out.push_back(at(i));
    return out;
  }
  if (points == 1) return {at(total - 1)};
  for (std::size_t p = 0; p < points; ++p) out.push_back(at(p * (total - 1) / (points - 1)));
  return out;
}

void ProgressTracker::sample(engine::TimeNs now, std::uint64_t copied_total, std::uint64_t left) {
  if (!any_) {
    any_ = true;
    last_ = Sample{now, copied_total, left, left};
    samples_.push_back(last_);
    return;
  }
  last_.time = std::max(last_.time, now);
  last_.copied = copied_total;
  last_.left = left;
  last_.lowest_left = std::min(last_.lowest_left, left);
  if (last_.time - samples_.back().time < spacing_ns_) return;
  if (samples_.size() == kMaxSamples) {
    // Keep every other sample (the first one always) and space them wider.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < samples_.size(); i += 2) samples_[kept++] = samples_[i];
    samples_.resize(kept);
    spacing_ns_ *= 2;
  }
  samples_.push_back(last_);
}

std::optional<ProgressWindow> ProgressTracker::window(engine::TimeNs end, double fraction) const {
  if (!any_) return std::nullopt;
  end = std::max(end, last_.time);
  const auto span = static_cast<engine::TimeNs>(static_cast<double>(end) * fraction);
  ProgressWindow w;
  w.end_ns = end;
  w.start_ns = end - span;
  // The state at the window's start: the last kept sample at or before it
  // (the first sample when the window starts before any).
  auto after = std::upper_bound(samples_.begin(), samples_.end(), w.start_ns,
                                [](engine::TimeNs t, const Sample& s) { return t < s.time; });
  const Sample& at_start = after == samples_.begin() ? samples_.front() : *std::prev(after);
  w.copied_bytes = last_.copied - std::min(last_.copied, at_start.copied);
  w.left_at_start = at_start.left;
  w.left_at_end = last_.left;
  w.new_low = last_.lowest_left < at_start.lowest_left;
  w.guest_wrote = last_guest_write_ns_.has_value() && *last_guest_write_ns_ >= w.start_ns;
  return w;
}

namespace {

constexpr double kKiBf = 1024;
constexpr double kMiBf = 1024 * 1024;

std::string amount(double bytes) {
  if (bytes >= kMiBf) return fmt::format("{:.2f} MiB", bytes / kMiBf);
  if (bytes >= kKiBf) return fmt::format("{:.1f} KiB", bytes / kKiBf);
  return fmt::format("{:.0f} B", bytes);
}

}  // namespace

std::string rate_text(double bytes_per_s) {
  return amount(bytes_per_s) + "/s";
}

std::string amount_text(std::uint64_t bytes) {
  return amount(static_cast<double>(bytes));
}

}  // namespace mirrorsim::properties
