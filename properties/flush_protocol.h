// Flush protocol (ARCHITECTURE.md property 10, second half): a successful
// flush of the target must complete after the last target write the job
// relied on, and before READY and before the pivot. A flush covers only
// writes that completed before it started, so "after" means the flush
// started once they had completed:
//  - READY: every background op (copy, zero write, discard) that ended
//    before READY ended before the last successful target flush started.
//    Write-blocking writes that complete while that flush runs are not
//    relied on: they come after the instant READY speaks of.
//  - pivot: every target write, zero write or discard that completed
//    before the pivot completed before that flush started (the guest is
//    held off, so nothing the job wrote may be left uncovered). The same at
//    the end of a cancel after READY, which ends like a completion without
//    the pivot (MIRROR.md).
// Without a write cache on the target every completed write is durable and
// there is nothing to protect: the property is then not judged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/job_observer.h"
#include "engine/runtime.h"
#include "properties/verdict.h"
#include "sim/disks/sim_disk.h"

namespace mirrorsim::properties {

class FlushProtocolMonitor {
 public:
  // Requests the job makes on the target, before any pivot.
  void on_target_request_end(const sim::DiskRequest& request);
  // Every background op's end (active writes are left out by the caller).
  void on_background_op_end(engine::TimeNs now, const engine::OpInfo& op);
  void on_ready(engine::TimeNs now);
  void on_pivot(engine::TimeNs now);
  // A cancel after READY ends like a completion without the pivot: the
  // pivot's rule applies at its end.
  void on_cancel_end(engine::TimeNs now);

  // READY or the pivot was seen: there was something to judge.
  bool judged() const { return judged_; }
  // The first breach, in words; empty when none.
  const std::string& violation() const { return violation_; }

 private:
  struct Flush {
    engine::TimeNs start_ns = 0;
    engine::TimeNs end_ns = 0;
  };
  // The words for the last write are made only for a breach: this runs
  // for every target request of every cached run.
  void check(engine::TimeNs now, const char* moment, engine::TimeNs last_write_end_ns,
             const std::string& (FlushProtocolMonitor::*describe_last_write)());
  const std::string& describe_last_target_write();
  const std::string& describe_last_op();

  std::optional<Flush> last_ok_flush_;
  engine::TimeNs last_op_end_ns_ = -1;
  engine::OpInfo last_op_;
  engine::TimeNs last_write_end_ns_ = -1;
  sim::DiskRequest last_write_;
  std::string words_;
  bool judged_ = false;
  std::string violation_;
};

struct FlushProtocolFacts {
  bool target_cache = false;
  bool judged = false;
  std::string violation;
};
Verdict check_flush_protocol(const FlushProtocolFacts& facts);

}  // namespace mirrorsim::properties
