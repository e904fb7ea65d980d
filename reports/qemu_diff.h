// Differential comparison with real QEMU (issue 12, item 5): one case run
// in the simulator and on QEMU, compared where both sides are
// deterministic. Each side is reduced to the same shape: its copy ops as
// starts and ends in the order they happened, the job's outcome, and the
// verdict on the images. The simulator's side comes from its event log,
// QEMU's from its mirror trace (mirror_one_iteration: a copy op starts,
// after COW widening, just before its read; mirror_iteration_done: an op
// ends) and its QMP events.
//
// Compared:
//  - the copy ops, (offset, length) in start order. Without guest requests
//    QEMU's order is deterministic (unless ops of different sizes wait for
//    buffer space: QEMU lets a later, smaller one start first depending on
//    when ops complete) and the whole sequence is compared. With
//    them it is compared up to the first guest request on each side (the
//    shorter of the two prefixes): ops started before the first request are
//    a prefix of the order the case has without guest I/O on both sides;
//    after it, QEMU's order depends on when the request arrived, which the
//    replay does not keep.
//  - the most copy ops in flight at once over one target cluster (a raw
//    target: over one chunk), over the same ops.
//  - the outcome (completed, cancelled, failed) and the image verdict.
// Not compared: zero writes and discards (counted on each side: QEMU traces
// only their end, and where it finds zeroes depends on the holes the host's
// file system reports in the images, which the simulated disks do not
// model), timing, and active (write-blocking) writes, which QEMU does not
// trace.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mirrorsim::reports {

struct DiffOp {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  friend bool operator==(const DiffOp&, const DiffOp&) = default;
};

// One op starting or ending, or the first guest request arriving.
struct OpEvent {
  enum class Kind : std::uint8_t { kCopyStart, kOpEnd, kGuestRequest };
  Kind kind = Kind::kCopyStart;
  DiffOp op;  // kCopyStart, kOpEnd
};

// What one side did, reduced for the comparison.
struct OpAccount {
  std::vector<DiffOp> copies;                   // in start order, up to the first guest request
  std::uint64_t all_copies = 0;                 // copy ops in the whole run
  std::uint64_t other_ops = 0;                  // zero writes and discards (ends without a start)
  std::uint32_t max_in_flight_per_cluster = 0;  // over `copies`
  bool cut_at_guest_request = false;            // a guest request came during the job
};

// Folds events in order. An end with no started copy of the same (offset,
// length) in flight is a zero write or a discard. `cluster_bytes`: the
// target's cluster, or the granularity on a raw target.
OpAccount account_of(std::span<const OpEvent> events, std::uint64_t cluster_bytes);

// QEMU's log-backend trace (one event per line, optionally prefixed with
// "pid@seconds:") into events: mirror_one_iteration is a copy start,
// mirror_iteration_done an end, the first handle_hmp_command (the replay
// sends each guest request as HMP qemu-io) the guest request. Other lines
// are skipped.
std::vector<OpEvent> parse_qemu_trace(std::string_view text);

// The job's end from QMP's output: "completed", "failed: <error>",
// "cancelled", or "did not end".
std::string qemu_outcome(std::string_view qmp_log);

struct DiffSide {
  OpAccount ops;
  std::string outcome;  // "completed", "failed: ...", "cancelled", "did not end", "crashed"
  std::string image;    // "equal", "differ", "not compared: ..."
};

struct DiffResult {
  std::string text;  // the side-by-side report
  bool agrees = false;
  bool order_cut = false;  // guest requests: ops compared only up to the first
};

// `profile`: the simulator's profile name, shown in the header.
DiffResult compare_sides(const DiffSide& sim, const DiffSide& qemu, std::string_view profile);

// The first outcome word: "failed: EIO" and "failed: Input/output error"
// are the same outcome.
std::string_view outcome_word(std::string_view outcome);

}  // namespace mirrorsim::reports
