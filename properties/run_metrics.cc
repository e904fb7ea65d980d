#include "properties/run_metrics.h"

#include <algorithm>
#include <bit>

namespace mirrorsim::properties {
namespace {

using engine::TimeNs;

// Reorders `values` (a selection, not a sort: millions of latencies in a
// long run). REQUIRES: !values.empty().
TimeNs percentile(std::vector<TimeNs>& values, double p) {
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::min(index, values.size() - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

std::optional<double> per_second(double count, TimeNs span) {
  if (span <= 0) return std::nullopt;
  return count * static_cast<double>(engine::kNsPerSecond) / static_cast<double>(span);
}

}  // namespace

std::uint64_t power_of_two_bucket(std::uint64_t length) {
  return length <= 1 ? 1 : std::bit_floor(length);
}

std::optional<LatencyPercentiles> latency_percentiles(std::vector<TimeNs>& values) {
  if (values.empty()) return std::nullopt;
  return LatencyPercentiles{percentile(values, 0.50), percentile(values, 0.99),
                            percentile(values, 0.999)};
}

void MetricsRecorder::job_started(TimeNs now, engine::SyncMode sync, const sim::GuestView& source) {
  job_start_ = now;
  std::size_t layers = 0;
  if (sync == engine::SyncMode::kFull) layers = source.depth();
  if (sync == engine::SyncMode::kTop) layers = std::min<std::size_t>(1, source.depth());
  for (std::size_t i = 0; i < layers; ++i) {
    for (const sim::Extent& e : source.layer(i).extents()) needed_.add(e.offset, e.length);
  }
}

void MetricsRecorder::guest_started(TimeNs now) {
  if (!first_guest_start_) first_guest_start_ = now;
}

void MetricsRecorder::guest_ended(TimeNs now, std::uint64_t bytes) {
  ++guest_done_;
  guest_bytes_ += bytes;
  last_guest_end_ = std::max(last_guest_end_, now);
}

void MetricsRecorder::guest_write_latency(TimeNs started, TimeNs latency) {
  const bool before = !job_start_ || started < *job_start_;
  (before ? write_latency_before_ : write_latency_during_).push_back(latency);
}

void MetricsRecorder::guest_changed(std::uint64_t offset, std::uint64_t length) {
  if (job_start_ && !pivot_time_) needed_.add(offset, length);
}

void MetricsRecorder::complete_accepted(TimeNs now) {
  if (!complete_time_) complete_time_ = now;
}

void MetricsRecorder::pivoted(TimeNs now) {
  pivot_time_ = now;
}

RunMetrics MetricsRecorder::finish(TimeNs end, std::uint64_t job_bytes_written,
                                   std::uint64_t dirty_bytes_at_end) {
  RunMetrics m;
  if (first_guest_start_) {
    const TimeNs span = last_guest_end_ - *first_guest_start_;
    m.guest_iops = per_second(static_cast<double>(guest_done_), span);
    m.guest_bytes_per_s = per_second(static_cast<double>(guest_bytes_), span);
  }
  m.guest_write_latency_during_job = latency_percentiles(write_latency_during_);
  m.guest_write_latency_before_job = latency_percentiles(write_latency_before_);
  m.needed_copy_bytes = needed_.bytes();
  if (m.needed_copy_bytes > 0) {
    m.write_amplification =
        static_cast<double>(job_bytes_written) / static_cast<double>(m.needed_copy_bytes);
  }
  m.copy_op_sizes = copy_op_sizes_;
  if (complete_time_ && pivot_time_ && *pivot_time_ >= *complete_time_) {
    m.pivot_drain_ns = *pivot_time_ - *complete_time_;
  }
  if (job_start_) {
    m.target_writes_per_s =
        per_second(static_cast<double>(target_writes_), job_end_.value_or(end) - *job_start_);
  }
  m.dirty_bytes_at_end = dirty_bytes_at_end;
  return m;
}

}  // namespace mirrorsim::properties
