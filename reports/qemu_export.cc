#include "reports/qemu_export.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "reports/qemu_export_runner.h"
#include "reports/qemu_sibling_chain.h"

namespace mirrorsim::reports {
namespace {

using nlohmann::json;
using scenarios::Scenario;

bool writes_data(sim::GuestOp op) {
  return op == sim::GuestOp::kWrite || op == sim::GuestOp::kWriteZeroes ||
         op == sim::GuestOp::kDiscard;
}

// One read task of QEMU's qcow2 driver: a run of clusters of one kind, and
// the blkdebug event it reaches ("" for none: zeroes are not read).
struct ReadTask {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::string event;
};

// Which clusters of the source's top image hold data when an op starts,
// and where in the image file: old data, then [[prefill]] writes, then the
// guest's writes before it, each allocating its new clusters at the end of
// the file in order (qcow2 does; its few metadata clusters are left out).
class SourceAllocation {
 public:
  SourceAllocation(const Scenario& s, std::span<const sim::GuestRequest> requests)
      : s_(s),
        requests_(requests),
        cluster_(std::max<std::uint64_t>(s.source.cluster_bytes, 1)),
        backing_(s.source.backing == scenarios::Backing::kAttached && s.base.has_value()) {}

  // The read tasks of a copy op: one per run of clusters of one kind that
  // are contiguous in the file.
  std::vector<ReadTask> tasks(const SimCopyOp& op) const {
    if (s_.source.kind != scenarios::DiskKind::kCluster) {
      return {{op.offset, op.length, "read_aio"}};  // raw: one read
    }
    const Clusters host = before(op.start);
    std::vector<ReadTask> out;
    std::int64_t last_host = kUnallocated;
    for (std::uint64_t pos = op.offset; pos < op.offset + op.length;) {
      const std::uint64_t c = pos / cluster_;
      const std::int64_t h = kind(host, c);
      const bool data = h >= 0;
      const std::string event = data                            ? "read_aio"
                                : h == kUnallocated && backing_ ? "read_backing_aio"
                                                                : "";
      const std::uint64_t end = std::min((c + 1) * cluster_, op.offset + op.length);
      const bool joins = !out.empty() && out.back().event == event &&
                         out.back().offset + out.back().length == pos &&
                         (!data || h == last_host + 1);
      if (joins) {
        out.back().length += end - pos;
      } else {
        out.push_back({pos, end - pos, event});
      }
      last_host = h;
      pos = end;
    }
    return out;
  }

  // Whether guest request `q` reads the backing file (`read_backing_aio`):
  // a write to part of a cluster that holds no data in the top image copies
  // the rest of it from the backing file first.
  bool reads_backing(const sim::GuestRequest& q) const {
    if (s_.source.kind != scenarios::DiskKind::kCluster || !backing_) return false;
    if (q.op != sim::GuestOp::kWrite && q.op != sim::GuestOp::kWriteZeroes) return false;
    const Clusters host = before(q.time);
    for (std::uint64_t c : {q.offset / cluster_, (q.offset + q.length - 1) / cluster_}) {
      const bool whole = q.offset <= c * cluster_ && (c + 1) * cluster_ <= q.offset + q.length;
      if (!whole && kind(host, c) == kUnallocated) return true;
    }
    return false;
  }

 private:
  // A cluster is data (its place in the file), a zero cluster (read
  // without I/O) or not allocated (read from the backing file, if any).
  static constexpr std::int64_t kZero = -1;
  static constexpr std::int64_t kUnallocated = -2;
  using Clusters = std::map<std::uint64_t, std::int64_t>;

  static std::int64_t kind(const Clusters& host, std::uint64_t c) {
    const auto it = host.find(c);
    return it == host.end() ? kUnallocated : it->second;
  }

  // The clusters after old data, [[prefill]] and the guest's requests
  // before `t`, each allocating its new clusters at the end of the file.
  Clusters before(engine::TimeNs t) const {
    Clusters host;
    std::int64_t next = 0;
    auto write = [&](std::uint64_t c) {
      if (kind(host, c) < 0) host[c] = next++;
    };
    // qcow2 zeroes (and discards) whole clusters as zero clusters; a zero
    // write to part of a cluster that does not read as zeroes elsewhere is
    // written as data, and a discard of part of one does nothing.
    auto zero = [&](std::uint64_t offset, std::uint64_t length, bool discard) {
      for (std::uint64_t c = offset / cluster_; c * cluster_ < offset + length; ++c) {
        const bool whole = offset <= c * cluster_ && (c + 1) * cluster_ <= offset + length;
        const bool reads_zero =
            kind(host, c) == kZero || (kind(host, c) == kUnallocated && !backing_);
        if (whole || (!discard && reads_zero)) {
          host[c] = kZero;
        } else if (!discard) {
          write(c);
        }
      }
    };
    auto data = [&](std::uint64_t offset, std::uint64_t length) {
      for (std::uint64_t c = offset / cluster_; c * cluster_ < offset + length; ++c) write(c);
    };
    if (s_.source.old_data) data(0, s_.source.length_bytes);
    for (const scenarios::Prefill& p : s_.prefill) {
      if (p.disk != scenarios::PrefillDisk::kSource) continue;
      if (p.op == scenarios::PrefillOp::kWrite) {
        data(p.offset_bytes, p.length_bytes);
      } else {
        zero(p.offset_bytes, p.length_bytes, p.op == scenarios::PrefillOp::kDiscard);
      }
    }
    for (const sim::GuestRequest& q : requests_) {
      if (q.time >= t) break;
      if (q.op == sim::GuestOp::kWrite) data(q.offset, q.length);
      if (q.op == sim::GuestOp::kWriteZeroes) zero(q.offset, q.length, false);
      if (q.op == sim::GuestOp::kDiscard) zero(q.offset, q.length, true);
    }
    return host;
  }

  const Scenario& s_;
  std::span<const sim::GuestRequest> requests_;
  std::uint64_t cluster_;
  bool backing_;
};

// A part of an op that a breakpoint holds: one of its read tasks on the
// source, or its first write task on the target.
struct HeldPart {
  std::size_t op = 0;
  std::string device;
  ReadTask part;
};

// Where a breakpoint is armed: before guest request `before` (a number; 0:
// before the job starts), once QEMU has ended `wait_for` (ops that reach the
// same event earlier and must pass it first).
struct ArmPoint {
  std::size_t before = 0;
  std::vector<std::size_t> wait_for;
  // The script waits for the op to be held before this guest request (a
  // number), the first one sent after the op reaches its event.
  std::size_t held_before = 0;
  // Not 0: the job is paused before this guest request and resumed once the
  // breakpoint is armed, so that requests sent at the same instant as the
  // ones before the arming (one of which would take the breakpoint) start
  // no copy before it is armed, as in the simulation.
  std::size_t paused_from = 0;
};

struct PlannedHold {
  HeldPart held;
  ArmPoint arm;
};

struct HoldPlan {
  std::vector<QemuHold> holds;
  std::vector<ArmPoint> arms;  // holds[i] is armed at arms[i]
  std::size_t request = 0;     // the guest request (index) they are held across
  std::string why;
};

// Where QEMU's node `device` (the guest's drive on the source, a hook node
// on the target's blkdebug) reaches a breakpoint for `event`.
constexpr std::string_view kSourceDevice = "guest";
constexpr std::string_view kTargetDevice = "target-hook";

// The first write task of an op on the target: a qcow2 target writes an op
// cluster run by cluster run, and the first run starts at the op (taken as
// its first cluster); a raw target writes it whole.
ReadTask first_write_task(const Scenario& s, const SimCopyOp& op) {
  if (s.target.kind != scenarios::DiskKind::kCluster) return {op.offset, op.length, "write_aio"};
  const std::uint64_t c = std::max<std::uint64_t>(s.target.cluster_bytes, 1);
  const std::uint64_t end = std::min(op.offset + op.length, (op.offset / c + 1) * c);
  return {op.offset, end - op.offset, "write_aio"};
}

// Whether a write held on the target lets the ops that must end before it
// is resumed write their data. A qcow2 target serializes writes that
// allocate the same cluster: while the held write allocates one (nothing
// wrote it before), any other write to it waits for the held one. So it
// may hold an allocating write only if no op that the simulation ended
// first writes those clusters after it.
bool target_write_can_wait(const Scenario& s, const HeldPart& h, std::span<const SimCopyOp> ops,
                           std::span<const HeldPart> held) {
  if (h.device != kTargetDevice || s.target.kind != scenarios::DiskKind::kCluster ||
      s.target.old_data) {
    return true;
  }
  const std::uint64_t c = std::max<std::uint64_t>(s.target.cluster_bytes, 1);
  const SimCopyOp& x = ops[h.op];
  const std::uint64_t first = x.offset / c * c;
  const std::uint64_t end = (x.offset + x.length + c - 1) / c * c;
  auto held_at_read = [&](std::size_t j) {
    return std::any_of(held.begin(), held.end(),
                       [&](const HeldPart& y) { return y.op == j && y.device == kSourceDevice; });
  };
  // Allocated before: an op not held at its read wrote the clusters first.
  const bool allocated = std::any_of(ops.begin(), ops.end(), [&](const SimCopyOp& y) {
    const std::size_t j = static_cast<std::size_t>(&y - ops.data());
    return j != h.op && !held_at_read(j) && y.write_start < x.write_start && y.offset <= first &&
           end <= y.offset + y.length;
  });
  if (allocated) return true;
  for (std::size_t j = 0; j < ops.size(); ++j) {
    if (j == h.op || ops[j].end >= x.end) continue;
    const bool writes_after = held_at_read(j) || ops[j].write_start >= x.write_start;
    if (writes_after && overlaps(ops[j].offset, ops[j].length, first, end - first)) return false;
  }
  return true;
}

// Whether holding `op` at `held` lets QEMU read the request's range when the
// simulation did and land it as late. A read held on the source: before the
// request when the op's read had returned by then (so the held part must
// not cover the range), after it when the read was still running (so only
// the held part may cover it: the others run at once). A write held on the
// target: the op read the range before the request, and the held part
// covers all of the op's overlap with it.
bool holds_as_simulated(const HeldPart& h, const SimCopyOp& op, const SourceAllocation& alloc,
                        const sim::GuestRequest& q, engine::TimeNs landed) {
  if (!overlaps(op.offset, op.length, q.offset, q.length)) return true;
  const bool before = read_before(op, q, landed);
  if (h.device == kTargetDevice) {
    const std::uint64_t from = std::max(op.offset, q.offset);
    const std::uint64_t to = std::min(op.offset + op.length, q.offset + q.length);
    return before && h.part.offset <= from && to <= h.part.offset + h.part.length;
  }
  if (before) return !overlaps(h.part.offset, h.part.length, q.offset, q.length);
  const auto tasks = alloc.tasks(op);
  return std::none_of(tasks.begin(), tasks.end(), [&](const ReadTask& t) {
    return t.offset != h.part.offset && overlaps(t.offset, t.length, q.offset, q.length);
  });
}

// The ways op `i` can be held: at the first read task of each event its
// read reaches, or at its first write to the target.
std::vector<HeldPart> hold_options(const Scenario& s, std::size_t i, const SimCopyOp& op,
                                   const std::vector<ReadTask>& tasks) {
  std::vector<HeldPart> out;
  std::set<std::string> seen;
  for (const ReadTask& t : tasks) {
    if (!t.event.empty() && seen.insert(t.event).second) {
      out.push_back({i, std::string(kSourceDevice), t});
    }
  }
  out.push_back({i, std::string(kTargetDevice), first_write_task(s, op)});
  return out;
}

// When op `j` reaches `h`'s event in the simulation, if it does: a read
// event when it starts (its read tasks run at once), the target's write
// event when its write starts, unless it is held at its read by then.
std::optional<engine::TimeNs> reaches(const HeldPart& h, std::size_t j, const SimCopyOp& op,
                                      const std::vector<ReadTask>& tasks,
                                      std::span<const HeldPart> held) {
  if (h.device == kTargetDevice) {
    const bool held_at_read = std::any_of(held.begin(), held.end(), [&](const HeldPart& x) {
      return x.op == j && x.device == kSourceDevice;
    });
    if (held_at_read) return std::nullopt;
    return op.write_start;
  }
  const bool emits = std::any_of(tasks.begin(), tasks.end(),
                                 [&](const ReadTask& t) { return t.event == h.part.event; });
  return emits ? std::optional(op.start) : std::nullopt;
}

// Where to arm `h` so that its op, and no other, is the first to reach its
// event after arming: before the first guest request of the latest instant
// at which (in the simulation) its op had not started and no other op was
// about to reach the event before it; the ops that reached the event
// earlier are waited for. None: the event is reached by another op in
// between, or by one held elsewhere.
std::optional<ArmPoint> arm_point(const HeldPart& h, std::span<const HeldPart> held,
                                  std::span<const sim::GuestRequest> requests, std::size_t w,
                                  std::span<const SimCopyOp> ops,
                                  const std::vector<std::vector<ReadTask>>& tasks,
                                  const SourceAllocation& alloc, bool write_blocking) {
  const SimCopyOp& op = ops[h.op];
  const auto own = reaches(h, h.op, op, tasks[h.op], held);
  if (!own) return std::nullopt;
  // The script waits for the op to be held before the first request sent
  // after it reached the event (at the latest, the request held across).
  std::size_t held_before = w + 1;
  for (std::size_t r = 0; r <= w; ++r) {
    if (requests[r].time > *own) {
      held_before = r + 1;
      break;
    }
  }
  // A guest request reaches the event too: a write that copies part of a
  // cluster from the backing file, or, in write-blocking mode, any write to
  // the target.
  auto guest_reaches = [&](const sim::GuestRequest& q) {
    if (!writes_data(q.op)) return false;
    if (h.device == kTargetDevice) return write_blocking;
    return h.part.event == "read_backing_aio" && alloc.reads_backing(q);
  };
  // Candidate arming points, latest first: for each instant at which guest
  // requests were sent (up to w), right after them with the job paused
  // while they are sent (when the op started after that instant), then
  // right before them; last, before the job starts.
  struct Candidate {
    std::size_t before;  // arm before this request (a number; 0: before the job)
    std::size_t paused_from;
    engine::TimeNs t;  // the instant: ops started by then have passed
    bool strictly_after;
  };
  std::vector<Candidate> points;
  for (std::size_t k = 0; k <= w;) {
    std::size_t last = k;
    while (last + 1 <= w && requests[last + 1].time == requests[k].time) ++last;
    points.push_back({last + 2, k + 1, requests[k].time, true});
    points.push_back({k + 1, 0, requests[k].time, false});
    k = last + 1;
  }
  std::reverse(points.begin(), points.end());
  // (after the reverse each pair reads "before, then after": put "after" first)
  for (std::size_t n = 0; n + 1 < points.size(); n += 2) std::swap(points[n], points[n + 1]);
  points.push_back({0, 0, std::numeric_limits<engine::TimeNs>::min(), false});
  const bool another_held_early =
      std::any_of(held.begin(), held.end(), [&](const HeldPart& x) { return x.op != h.op; });
  for (const Candidate& c : points) {
    if (c.strictly_after ? op.start <= c.t : op.start < c.t) continue;  // QEMU may have started it
    if (held_before < c.before) continue;
    if (c.paused_from != 0 && another_held_early) {
      // A paused job first waits for its copies in flight: one held would
      // never end.
      const bool blocks = std::any_of(held.begin(), held.end(), [&](const HeldPart& x) {
        return x.op != h.op && ops[x.op].start <= c.t;
      });
      if (blocks) continue;
    }
    ArmPoint arm{c.before, {}, held_before, c.paused_from};
    bool ok = true;
    for (std::size_t r = c.before == 0 ? 0 : c.before - 1; r + 1 < held_before && ok; ++r) {
      ok = !guest_reaches(requests[r]);  // it would take the breakpoint (and hang)
    }
    for (std::size_t j = 0; j < ops.size() && ok; ++j) {
      if (j == h.op) continue;
      const auto at = reaches(h, j, ops[j], tasks[j], held);
      if (!at || *at > *own || (*at == *own && j > h.op)) continue;  // reaches it later
      const bool is_held =
          std::any_of(held.begin(), held.end(), [&](const HeldPart& x) { return x.op == j; });
      const bool after_arming = c.strictly_after ? ops[j].start > c.t : ops[j].start >= c.t;
      if (after_arming || is_held) {
        ok = false;  // reaches it between the arming and the op, or never ends by then
      } else {
        arm.wait_for.push_back(j);
      }
    }
    if (ok) return arm;
  }
  return std::nullopt;
}

HoldPlan plan_holds(const Scenario& s, std::span<const sim::GuestRequest> requests,
                    std::span<const engine::TimeNs> landed, std::span<const SimCopyOp> ops,
                    const std::optional<LostWrite>& lost) {
  HoldPlan plan;
  std::optional<std::size_t> w;
  std::vector<std::size_t> in_flight;
  for (std::size_t r = 0; r < requests.size() && !w; ++r) {
    if (!writes_data(requests[r].op) || (lost && r != lost->request)) continue;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].start <= requests[r].time && requests[r].time < ops[i].end) in_flight.push_back(i);
    }
    if (!in_flight.empty()) w = r;
  }
  if (!w) {
    plan.why = "no guest request came while copy ops were in flight: nothing to hold";
    return plan;
  }
  // The range that matters: where the simulated target lost the request's
  // data, when the run says so; else all of it.
  sim::GuestRequest q = requests[*w];
  if (lost && lost->length != 0 && overlaps(q.offset, q.length, lost->offset, lost->length)) {
    const std::uint64_t from = std::max(q.offset, lost->offset);
    const std::uint64_t to = std::min(q.offset + q.length, lost->offset + lost->length);
    q.offset = from;
    q.length = to - from;
  }
  const engine::TimeNs q_landed = *w < landed.size() ? landed[*w] : q.time;
  const SourceAllocation alloc(s, requests);
  std::vector<std::vector<ReadTask>> tasks;
  for (const SimCopyOp& op : ops) tasks.push_back(alloc.tasks(op));
  // Every way to hold each op in flight, each breakpoint (device and event)
  // used once: at most three ops.
  std::vector<std::vector<HeldPart>> options;
  for (std::size_t i : in_flight) options.push_back(hold_options(s, i, ops[i], tasks[i]));
  std::vector<std::size_t> pick(options.size(), 0);
  const bool too_many = in_flight.size() > 3;
  while (!too_many) {
    std::vector<HeldPart> held;
    std::set<std::string> events;
    for (std::size_t n = 0; n < pick.size(); ++n) held.push_back(options[n][pick[n]]);
    bool ok = std::all_of(held.begin(), held.end(), [&](const HeldPart& h) {
      return events.insert(h.device + "/" + h.part.event).second &&
             holds_as_simulated(h, ops[h.op], alloc, q, q_landed) &&
             target_write_can_wait(s, h, ops, held);
    });
    std::vector<ArmPoint> arms;
    for (const HeldPart& h : held) {
      if (!ok) break;
      const auto arm = arm_point(h, held, requests, *w, ops, tasks, alloc,
                                 s.mirror.copy_mode == scenarios::CopyMode::kWriteBlocking);
      ok = arm.has_value();
      if (ok) arms.push_back(*arm);
    }
    if (ok) {
      for (const HeldPart& h : held) {
        plan.holds.push_back(
            {h.device, h.part.event, fmt::format("op{}", plan.holds.size() + 1), ops[h.op]});
      }
      plan.arms = std::move(arms);
      plan.request = *w;
      plan.why = fmt::format(
          "guest request #{} is sent while {} copy op(s) are held at blkdebug breakpoints, as "
          "they were in flight in the simulation; they are resumed in the simulation's order of "
          "ends",
          *w + 1, plan.holds.size());
      return plan;
    }
    // The next combination.
    std::size_t n = 0;
    while (n < pick.size() && ++pick[n] == options[n].size()) pick[n++] = 0;
    if (n == pick.size()) break;
  }
  plan.why = fmt::format(
      "guest request #{} came with {} copy op(s) in flight, which blkdebug's read and write "
      "events cannot hold one by one at the parts the simulation needs: the interleaving is not "
      "imposed",
      *w + 1, in_flight.size());
  return plan;
}

// The given ops, counted by offset and length (as QEMU's trace names them).
json op_counts(std::span<const std::size_t> which, std::span<const SimCopyOp> ops) {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> count;
  for (std::size_t i : which) ++count[{ops[i].offset, ops[i].length}];
  json out = json::array();
  for (const auto& [key, n] : count) {
    out.push_back({{"offset", key.first}, {"length", key.second}, {"count", n}});
  }
  return out;
}

// The ops the simulation ended before `t`, counted.
json ended_before(engine::TimeNs t, std::span<const SimCopyOp> ops) {
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].end < t) which.push_back(i);
  }
  return op_counts(which, ops);
}

json arm_step(const HoldPlan& holds, std::size_t before, std::span<const SimCopyOp> ops) {
  std::vector<std::size_t> wait_for;
  json tags = json::array();
  bool resume = false;
  for (std::size_t n = 0; n < holds.holds.size(); ++n) {
    if (holds.arms[n].before != before) continue;
    tags.push_back(holds.holds[n].tag);
    resume = resume || holds.arms[n].paused_from != 0;
    wait_for.insert(wait_for.end(), holds.arms[n].wait_for.begin(), holds.arms[n].wait_for.end());
  }
  std::sort(wait_for.begin(), wait_for.end());
  wait_for.erase(std::unique(wait_for.begin(), wait_for.end()), wait_for.end());
  return {{"kind", "arm"}, {"tags", tags}, {"after", op_counts(wait_for, ops)}, {"resume", resume}};
}

// The step that does what `a` says (null for a comment).
json action_step(const ReplayAction& a) {
  switch (a.kind) {
    case ReplayAction::Kind::kComment:
      return nullptr;
    case ReplayAction::Kind::kWaitEvent:
      return {{"kind", "wait_event"}, {"event", a.text}};
    case ReplayAction::Kind::kQmp:
      return {{"kind", "qmp"}, {"qmp", a.qmp}};
    case ReplayAction::Kind::kGuestIo:
      return {{"kind", "guest"}, {"io", a.text}, {"request", a.request}};
    case ReplayAction::Kind::kFinish:
      return {{"kind", "finish"}};
    case ReplayAction::Kind::kCompare:
      return {{"kind", "compare"}};
    case ReplayAction::Kind::kCannotJudge:
      return {{"kind", "cannot_judge"}, {"why", a.text}};
  }
  return nullptr;
}

// The steps of a sibling chain (qemu_sibling_chain.h): the job takes one
// dirty run per kick; P's write is held, S is issued and reads, the
// request goes, S is held behind P's allocation, F copies, S lands last.
json chain_steps(const ReplayPlan& plan, const SiblingChain& chain,
                 std::span<const SimCopyOp> ops) {
  const SimCopyOp& p = ops[chain.first];
  const json op1 = {{"device", kTargetDevice}, {"tag", "op1"}, {"event", "write_aio"}};
  const json op2 = {{"device", kTargetDevice}, {"tag", "op2"}, {"event", "write_aio"}};
  json steps = json::array();
  for (const ReplayAction& a : plan.actions) {
    const bool at_request =
        a.kind == ReplayAction::Kind::kGuestIo && a.request == chain.request + 1;
    if (at_request) {
      // P stays held with --undo too, until S is queued behind it.
      steps.push_back({{"kind", "held"}, {"holds", {op1}}, {"keep", true}});
      steps.push_back({{"kind", "kick"}, {"speed", 2}});
      steps.push_back(
          {{"kind", "wait_writes"}, {"offset", p.offset}, {"length", p.length}, {"count", 2}});
      // --undo: P resumed, and every copy ends before the request.
      steps.push_back({{"kind", "undo_settle"}, {"holds", {op1}}});
    }
    if (json step = action_step(a); !step.is_null()) steps.push_back(step);
    if (at_request) {
      steps.push_back({{"kind", "arm"},
                       {"tags", {"op2"}},
                       {"after", json::array()},
                       {"resume", false},
                       {"skip_undo", true}});
      steps.push_back({{"kind", "release"},
                       {"device", kTargetDevice},
                       {"tag", "op1"},
                       {"after", json::array()}});
      steps.push_back({{"kind", "held"}, {"holds", {op2}}, {"skip_undo", true}});
      steps.push_back({{"kind", "kick"}, {"speed", 3}});
      steps.push_back(
          {{"kind", "release"},
           {"device", kTargetDevice},
           {"tag", "op2"},
           {"after", json::array()},
           // P and then F cover the lost range: two ended.
           {"cover",
            {{"offset", chain.lost_offset}, {"length", chain.lost_length}, {"count", 2}}}});
      steps.push_back({{"kind", "kick"}, {"speed", 0}});
    }
  }
  return steps;
}

json case_steps(const ReplayPlan& plan, const HoldPlan& holds, std::span<const SimCopyOp> ops) {
  json steps = json::array();
  for (const ReplayAction& a : plan.actions) {
    const bool guest = a.kind == ReplayAction::Kind::kGuestIo && !holds.holds.empty();
    const bool pauses_here =
        guest && std::any_of(holds.arms.begin(), holds.arms.end(),
                             [&](const ArmPoint& p) { return p.paused_from == a.request; });
    if (pauses_here) steps.push_back({{"kind", "pause"}});
    const bool arms_here =
        guest && std::any_of(holds.arms.begin(), holds.arms.end(),
                             [&](const ArmPoint& p) { return p.before == a.request; });
    if (arms_here) steps.push_back(arm_step(holds, a.request, ops));
    const bool held_here = guest && a.request == holds.request + 1;
    if (guest) {
      json waits = json::array();
      for (std::size_t n = 0; n < holds.holds.size(); ++n) {
        if (holds.arms[n].held_before != a.request) continue;
        const QemuHold& h = holds.holds[n];
        waits.push_back({{"device", h.device}, {"tag", h.tag}, {"event", h.event}});
      }
      if (!waits.empty()) steps.push_back({{"kind", "held"}, {"holds", waits}});
    }
    if (json step = action_step(a); !step.is_null()) steps.push_back(step);
    if (held_here) {
      std::vector<QemuHold> order = holds.holds;
      std::stable_sort(order.begin(), order.end(),
                       [](const QemuHold& x, const QemuHold& y) { return x.op.end < y.op.end; });
      for (const QemuHold& h : order) {
        steps.push_back({{"kind", "release"},
                         {"device", h.device},
                         {"tag", h.tag},
                         {"after", ended_before(h.op.end, ops)}});
      }
    }
  }
  return steps;
}

}  // namespace

bool overlaps(std::uint64_t a, std::uint64_t a_len, std::uint64_t b, std::uint64_t b_len) {
  return a < b + b_len && b < a + a_len;
}

bool read_before(const SimCopyOp& op, const sim::GuestRequest& q, engine::TimeNs landed) {
  bool any = false;
  for (const SampledPiece& p : op.pieces) {
    if (!overlaps(p.offset, p.length, q.offset, q.length)) continue;
    if (p.time > landed) return false;
    any = true;
  }
  return any || op.read_end <= landed;
}

QemuExport qemu_export(const Scenario& s, const SimulatedTimeline& timeline,
                       std::span<const sim::GuestRequest> requests, std::span<const SimCopyOp> ops,
                       std::span<const engine::TimeNs> landed,
                       const std::optional<LostWrite>& lost) {
  const ReplayPlan plan = plan_replay(s, timeline, requests);
  HoldPlan holds = plan_holds(s, plan.requests, landed, ops, lost);
  // Where the ops the holds would need come at one instant, the shape QEMU
  // 7.2's sibling copies make can still be imposed, one dirty run at a time.
  std::optional<SiblingChain> chain;
  if (holds.holds.empty()) {
    chain = find_sibling_chain(s, plan.requests, landed, ops, lost, timeline.ready);
  }
  json mirror = plan.mirror;
  if (chain) {
    const SimCopyOp& stale = ops[chain->stale];
    holds.holds = {{std::string(kTargetDevice), "write_aio", "op1", ops[chain->first]},
                   {std::string(kTargetDevice), "write_aio", "op2", stale}};
    holds.why = fmt::format(
        "the job's first two copies both cover [{}, +{}) and read it before guest request #{} "
        "landed; the job runs one dirty run per speed kick, the first copy's write (which "
        "allocates the cluster) is held at the target's write_aio while the second reads and "
        "the request goes, then the second is held behind it until the copy of the request's "
        "data ([{}, +{})) has ended",
        stale.offset, stale.length, chain->request + 1, ops[chain->fresh].offset,
        ops[chain->fresh].length);
    mirror["speed"] = 1;  // one dirty run, then a sleep until the next kick
  }
  QemuExport e;
  e.notes = plan.notes;
  e.holds = holds.holds;
  e.holds_why = holds.why;
  e.replayed_requests = plan.replayed_requests;

  json images = json::array();
  for (const ImageCommand& c : plan.images) {
    images.push_back({{"tool", c.tool}, {"args", c.args}, {"what", c.what}});
  }
  json hold_list = json::array();
  for (const QemuHold& h : holds.holds) {
    hold_list.push_back({{"device", h.device},
                         {"event", h.event},
                         {"tag", h.tag},
                         {"op", {{"offset", h.op.offset}, {"length", h.op.length}}}});
  }
  json files = json::array({plan.source_file, plan.target_file});
  if (!plan.base_node.is_null()) files.push_back(plan.base_node["file"]["filename"]);
  const json c = {
      {"name", s.name},
      {"seed", s.seed},
      {"notes", plan.notes},
      {"files", files},
      {"images", images},
      {"base_node", plan.base_node},
      {"source_node", plan.source_node},
      {"target_node", plan.target_node},
      {"mirror", mirror},
      {"holds", hold_list},
      {"arm_at_start", chain                 ? json::array({"op1"})
                       : holds.holds.empty() ? json::array()
                                             : arm_step(holds, 0, ops)["tags"]},
      {"holds_why", holds.why},
      {"steps", chain ? chain_steps(plan, *chain, ops) : case_steps(plan, holds, ops)},
      {"compare",
       {{"source", plan.source_file},
        {"target", plan.target_file},
        {"source_format", plan.source_format},
        {"target_format", plan.target_format}}},
  };
  e.script = "#!/usr/bin/env python3\n";
  e.script += fmt::format(
      "# Replays the mirrorsim case '{}' (seed {}) on real QEMU; written by `mirrorsim export "
      "qemu`.\n",
      s.name, s.seed);
  e.script +=
      "# Needs Python 3 (standard library), qemu-system-x86_64, qemu-img and qemu-io.\n"
      "# Run: python3 replay.py [--undo]. Prints one verdict line; exit 0 when the target\n"
      "# equals the source, 1 when they differ, 3 when it cannot run, 4 when it cannot judge,\n"
      "# 6 when QEMU crashed. --undo releases the holds before the guest request (a control).\n"
      "#\n"
      "# Order kept: the guest's requests in the simulation's order, each command and request\n"
      "# before or after READY as in the simulation, and, where the holds say so, which copy\n"
      "# ops are in flight when a request comes. Holds: " +
      holds.why +
      ".\n"
      "# Byte patterns: guest request #n writes 0x01 + (n - 1) % 160; old data: base 0xb1,\n"
      "# source 0xb2, target 0xb3; [[prefill]] 0xb4; zeroes are 0x00.\n";
  // JSON inside a raw string: no escape of the dump is read twice.
  e.script += "import json\n\nCASE = json.loads(r\"\"\"\n" + c.dump(2) + "\n\"\"\")\n";
  e.script += kQemuExportRunner;
  return e;
}

}  // namespace mirrorsim::reports
