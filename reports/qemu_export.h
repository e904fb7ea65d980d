// `mirrorsim export qemu` (issue 12, item 4): a case as a self-contained
// Python 3 script (standard library only) that replays it on real QEMU:
// qemu-img builds the images (sizes, clusters, backing files, prefill),
// `qemu-system-x86_64 -machine none -nodefaults` runs the job with QMP on a
// unix socket, guest I/O goes through a named -drive on the source, and
// `qemu-img compare` gives the verdict (exit 0 equal, 1 differ, 3 cannot
// run, 4 cannot judge, 6 QEMU crashed), as replay.sh does.
//
// Where the simulated interleaving matters, the script imposes it with
// blkdebug breakpoints on the source's file node. The rule: at the first
// guest request that came while copy ops were in flight in the simulation,
// those ops are held (each at one read event: `read_aio` for data in the
// source's top image or a raw source, `read_backing_aio` for data read
// through to its backing file) until the request has been sent; then each
// is resumed in the order the simulation ended them, after QEMU's trace
// shows the ops the simulation ended before it. A qcow2 read runs one task
// per run of clusters of one kind and the breakpoint holds only its task,
// so an op can be held after it has read the request's range (as an op the
// simulation had writing to the target at the request: its data was taken
// before) or before (an op still reading, which takes the request's data).
// An op can also be held at its write to the target (`write_aio` on a
// blkdebug under the target's file, reached through a raw node above it
// that asks no permissions: a drive there would conflict with the job's,
// and a temporary one on a node in the held request's path would drain it
// and hang). blkdebug fires each breakpoint once, for the first request
// that reaches its event, so at most three ops can be held; they are armed
// at the latest guest request at which the simulation had no op in flight,
// once QEMU has ended the same ops. The exporter checks, from the source's
// allocation, that exactly the wanted ops reach the armed events at the
// right part; when it cannot, the script runs without holds and says why. `python3 replay.py
// --undo` releases every hold before the request: the control run, in which the interleaving is
// undone.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "reports/qemu_replay.h"
#include "scenarios/scenario.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::reports {

// A piece of a read whose data moved at `time` (before the reader learned
// of it, with late completions; at different instants, with split reads).
struct SampledPiece {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  engine::TimeNs time = 0;
};

// A copy op as the simulated run had it (start after COW widening).
struct SimCopyOp {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  engine::TimeNs start = 0;
  engine::TimeNs read_end = 0;     // its read of the source returned
  engine::TimeNs write_start = 0;  // its write to the target started
  engine::TimeNs end = 0;
  std::vector<SampledPiece> pieces;  // where logged; else the data moved at read_end
};

// One op held at a breakpoint.
struct QemuHold {
  std::string device;  // "guest" (the source's drive) or "target-hook" (the target's blkdebug)
  std::string event;   // "read_aio" or "read_backing_aio" on the source, "write_aio" on the target
  std::string tag;
  SimCopyOp op;
};

// A guest request whose data the simulated target lost, and where.
struct LostWrite {
  std::size_t request = 0;  // index
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // 0: not known
};

struct QemuExport {
  std::string script;              // replay.py
  std::vector<std::string> notes;  // what the replay does not set up
  std::vector<QemuHold> holds;     // empty: the interleaving is not imposed
  std::string holds_why;           // why there are no holds, or what they impose
  std::uint64_t replayed_requests = 0;
};

// Whether [a, a + a_len) and [b, b + b_len) share a byte.
bool overlaps(std::uint64_t a, std::uint64_t a_len, std::uint64_t b, std::uint64_t b_len);
// Whether the simulation's op took the data of the request's range before
// the request's data landed (`landed`).
bool read_before(const SimCopyOp& op, const sim::GuestRequest& q, engine::TimeNs landed);

// `ops`: the simulated run's copy ops, in start order. `landed[n]`: when
// request n's data landed on the source in the simulation (its issue time
// where not given). `lost`: what the simulated target lost, when the run
// says so: the holds are planned at that request, not at the first one with
// ops in flight, and for that range of it.
QemuExport qemu_export(const scenarios::Scenario& scenario, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests, std::span<const SimCopyOp> ops,
                       std::span<const engine::TimeNs> landed = {},
                       const std::optional<LostWrite>& lost = std::nullopt);

}  // namespace mirrorsim::reports
