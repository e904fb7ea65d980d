#include "properties/bounds_monitor.h"

#include <algorithm>

#include <fmt/core.h>

#include "properties/mirror_spec.h"

namespace mirrorsim::properties {
namespace {

std::string describe(const sim::DiskRequest& r) {
  return fmt::format("{} [{}, +{}) started at {} ns", sim::disk_op_name(r.op), r.offset, r.length,
                     r.start_ns);
}

}  // namespace

void BoundsMonitor::violate(const std::string& kind, const std::string& message) {
  if (std::find(seen_kinds_.begin(), seen_kinds_.end(), kind) != seen_kinds_.end()) return;
  seen_kinds_.push_back(kind);
  violations_.push_back(message);
}

void BoundsMonitor::on_op_start(engine::TimeNs now, const engine::OpInfo& op) {
  if (buf_size_bytes_ != 0 && op.buffer_bytes_in_use > buf_size_bytes_) {
    violate("buffer", fmt::format("at {} ns buffer in use is {} bytes, above buf-size {}", now,
                                  op.buffer_bytes_in_use, buf_size_bytes_));
  }
  if (op.background_in_flight > max_in_flight_ops_) {
    violate("in-flight", fmt::format("at {} ns {} background ops are in flight, above {}", now,
                                     op.background_in_flight, max_in_flight_ops_));
  }
}

void BoundsMonitor::on_request_validity(std::string_view disk, std::uint64_t disk_length,
                                        const sim::DiskRequest& request) {
  if (request.op == sim::DiskOp::kFlush) return;
  const bool aligned = request.offset % 512 == 0 && request.length % 512 == 0;
  const bool inside =
      request.offset <= disk_length && request.length <= disk_length - request.offset;
  if (!aligned || !inside) {
    violate("validity", fmt::format("invalid request on the {} ({} bytes): {}", disk, disk_length,
                                    describe(request)));
  }
}

void BoundsMonitor::on_target_request_start(const sim::DiskRequest& request) {
  if (!sim::changes_content(request.op)) return;
  for (const sim::DiskRequest& other : target_writes_) {
    if (request.offset < other.offset + other.length &&
        other.offset < request.offset + request.length) {
      violate("overlap", fmt::format("two overlapping writes in flight to the target: {} and {}",
                                     describe(other), describe(request)));
      break;
    }
  }
  target_writes_.push_back(request);
}

void BoundsMonitor::on_target_request_end(const sim::DiskRequest& request) {
  std::erase_if(target_writes_, [&](const sim::DiskRequest& r) { return r.id == request.id; });
}

void BoundsMonitor::on_rate_dispatch(engine::TimeNs now, std::uint64_t bytes, std::uint64_t speed) {
  if (speed != rate_speed_) {
    rate_speed_ = speed;
    rate_since_ = now;
    rate_bytes_ = 0;
  }
  if (speed == 0) return;
  rate_bytes_ += bytes;
  // Allowed: the speed over the elapsed time, one slice of quota, and one
  // iteration's dispatch (the limiter charges after dispatching).
  const long double elapsed_s = static_cast<long double>(now - rate_since_) / engine::kNsPerSecond;
  const long double slice_s = static_cast<long double>(spec::kRateSliceNs) / engine::kNsPerSecond;
  const long double allowed = static_cast<long double>(speed) * (elapsed_s + slice_s) + bytes;
  if (static_cast<long double>(rate_bytes_) > allowed) {
    violate("rate",
            fmt::format("at {} ns {} bytes were dispatched in {} ns at speed {} B/s "
                        "(allowed about {:.0f})",
                        now, rate_bytes_, now - rate_since_, speed, static_cast<double>(allowed)));
  }
}

}  // namespace mirrorsim::properties
