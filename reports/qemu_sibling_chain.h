// The lost write QEMU 7.2's literal bookkeeping makes out of two copies of
// one target cluster ("siblings"), and how `export qemu` imposes it.
//
// The simulated run: the job's first copy P and its second S were both
// widened by mirror_cow_align() to the same target cluster and both read
// the lost range before the guest's write w landed; only P had marked that
// range in flight. P completed and cleared its bits; the job, which waits
// on the first op in its list, then copied the range w dirtied (op F, not
// made to wait: mirror_wait_on_conflicts() looks at in-flight bits only),
// and S, still in flight, landed its older data after F. Nothing is dirty,
// READY, pivot: the target lacks w.
//
// On QEMU the script cannot rely on timing, so it makes the job take one
// dirty run per kick (the job starts with `speed` 1 byte/s: after each
// mirror_iteration() it sleeps until block-job-set-speed raises the speed)
// and holds the target's writes at blkdebug's `write_aio`:
//  1. P runs alone; its write, which allocates the qcow2 cluster, is held.
//  2. A kick issues S: it reads, and its write waits in qcow2 for P's
//     allocation (qcow2_writev_start_req in QEMU's trace says it started).
//  3. w is sent and completes (the chunk is dirty again).
//  4. A second breakpoint is armed; P is resumed. When P's allocation ends,
//     S, woken behind it, is the next to reach `write_aio`: it is held.
//  5. A kick issues F, which copies w's data (QEMU's F may cover more or
//     less than the simulation's: the script waits for a second copy that
//     covers the lost range to end, P being the first); then S is resumed
//     and lands the older data. Speed 0 lets the job reach READY.
// With --undo, the same steps run up to w, then P is resumed and every
// copy ends before w is sent: the images must then agree.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/runtime.h"
#include "reports/qemu_export.h"
#include "scenarios/scenario.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::reports {

struct SiblingChain {
  std::size_t first = 0;          // P, index into the ops
  std::size_t stale = 0;          // S
  std::size_t fresh = 0;          // F
  std::size_t request = 0;        // w, index into the requests
  std::uint64_t lost_offset = 0;  // the range of w the simulated target lost
  std::uint64_t lost_length = 0;
};

// The chain in the simulated run, when it has that shape: a fresh qcow2
// target whose clusters are larger than the granularity and whose backing
// is attached at the pivot (so QEMU widens), background mode, no speed and
// no command but complete; the job's first two copies each exactly one
// cluster, the same one, both read the lost range before the request
// landed, the second landing last, after a later copy that read it after;
// no later request and no READY before S ended.
std::optional<SiblingChain> find_sibling_chain(const scenarios::Scenario& s,
                                               std::span<const sim::GuestRequest> requests,
                                               std::span<const engine::TimeNs> landed,
                                               std::span<const SimCopyOp> ops,
                                               const std::optional<LostWrite>& lost,
                                               std::optional<engine::TimeNs> ready);

}  // namespace mirrorsim::reports
