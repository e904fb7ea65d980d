#include "properties/flush_protocol.h"

#include <fmt/core.h>

#include "sim/disks/disk_op.h"

namespace mirrorsim::properties {
namespace {

std::string at(engine::TimeNs ns) {
  return fmt::format("t={:.6f} s", static_cast<double>(ns) / 1e9);
}

}  // namespace

void FlushProtocolMonitor::on_target_request_end(const sim::DiskRequest& r) {
  if (r.op == sim::DiskOp::kFlush) {
    if (r.error == 0) last_ok_flush_ = Flush{r.start_ns, r.end_ns};
    return;
  }
  if (!sim::changes_content(r.op) || r.end_ns < last_write_end_ns_) return;
  last_write_end_ns_ = r.end_ns;
  last_write_ = r;
}

void FlushProtocolMonitor::on_background_op_end(engine::TimeNs now, const engine::OpInfo& op) {
  last_op_end_ns_ = now;
  last_op_ = op;
}

void FlushProtocolMonitor::on_ready(engine::TimeNs now) {
  check(now, "READY", last_op_end_ns_, &FlushProtocolMonitor::describe_last_op);
}

void FlushProtocolMonitor::on_pivot(engine::TimeNs now) {
  check(now, "the pivot", last_write_end_ns_, &FlushProtocolMonitor::describe_last_target_write);
}

void FlushProtocolMonitor::on_cancel_end(engine::TimeNs now) {
  check(now, "the end of the cancel after READY", last_write_end_ns_,
        &FlushProtocolMonitor::describe_last_target_write);
}

const std::string& FlushProtocolMonitor::describe_last_target_write() {
  words_ =
      fmt::format("the target {} [{}, +{}) that completed {}", sim::disk_op_name(last_write_.op),
                  last_write_.offset, last_write_.length, at(last_write_.end_ns));
  return words_;
}

const std::string& FlushProtocolMonitor::describe_last_op() {
  words_ = fmt::format("the {} op [{}, +{}) that ended {}", engine::op_kind_name(last_op_.kind),
                       last_op_.offset, last_op_.length, at(last_op_end_ns_));
  return words_;
}

void FlushProtocolMonitor::check(
    engine::TimeNs now, const char* moment, engine::TimeNs last_write_end_ns,
    const std::string& (FlushProtocolMonitor::*describe_last_write)()) {
  judged_ = true;
  if (!violation_.empty()) return;
  if (!last_ok_flush_) {
    if (last_write_end_ns >= 0) {
      violation_ = fmt::format("{} {} with no successful target flush before it, after {}", moment,
                               at(now), (this->*describe_last_write)());
    }
    return;
  }
  if (last_write_end_ns > last_ok_flush_->start_ns) {
    violation_ = fmt::format(
        "{} {}: the last successful target flush ({} to {}) started before {}, so it did "
        "not cover it",
        moment, at(now), at(last_ok_flush_->start_ns), at(last_ok_flush_->end_ns),
        (this->*describe_last_write)());
  }
}

Verdict check_flush_protocol(const FlushProtocolFacts& f) {
  Verdict v;
  v.property = std::string(property::kFlushProtocol);
  if (!f.target_cache) {
    v.message = "the target has no write cache: every completed write is durable";
    return v;
  }
  if (!f.judged) {
    v.message = "the job reached neither READY nor the pivot";
    return v;
  }
  if (!f.violation.empty()) {
    v.status = VerdictStatus::kViolated;
    v.message = f.violation;
    return v;
  }
  v.status = VerdictStatus::kHolds;
  return v;
}

}  // namespace mirrorsim::properties
