#include "reports/timeline.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "sim/disks/disk_op.h"
#include "sim/guest/workload_request.h"
#include "sim/kernel/event_log.h"

namespace mirrorsim::reports {
namespace {

using nlohmann::json;

// Process ids group the tracks in the viewer.
constexpr int kDisksPid = 1;
constexpr int kJobPid = 2;
constexpr int kGuestPid = 3;

double micros(engine::TimeNs ns) {
  return static_cast<double>(ns) / 1000.0;
}

json slice(std::string name, int pid, int tid, engine::TimeNs start, engine::TimeNs end,
           json args) {
  return json{{"name", std::move(name)},
              {"ph", "X"},
              {"pid", pid},
              {"tid", tid},
              {"ts", micros(start)},
              {"dur", micros(end - start)},
              {"args", std::move(args)}};
}

json instant(std::string name, int pid, int tid, engine::TimeNs t, json args) {
  return json{{"name", std::move(name)},
              {"ph", "i"},
              {"s", "t"},
              {"pid", pid},
              {"tid", tid},
              {"ts", micros(t)},
              {"args", std::move(args)}};
}

json process_name(int pid, const char* name) {
  return json{{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
}

// Names a thread track and keeps the tracks in tid order in the viewer.
void name_thread(json& events, int pid, int tid, const std::string& name) {
  events.push_back(json{{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", pid},
                        {"tid", tid},
                        {"args", {{"name", name}}}});
  events.push_back(json{{"name", "thread_sort_index"},
                        {"ph", "M"},
                        {"pid", pid},
                        {"tid", tid},
                        {"args", {{"sort_index", tid}}}});
}

std::string disk_name(std::uint32_t id) {
  return id == 1 ? "source" : id == 2 ? "target" : "disk " + std::to_string(id);
}

// One request or op: its log key (subject, a, b) says what it was.
struct Span {
  engine::TimeNs start = 0;
  engine::TimeNs end = 0;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t error = 0;
  bool unfinished = false;
};

// Matches start and end records with the same key, first in first out.
class SpanMatcher {
 public:
  void start(const sim::LogRecord& r) { open_[key(r)].push_back(r.time); }
  void end(const sim::LogRecord& r) {
    auto it = open_.find(key(r));
    if (it == open_.end() || it->second.empty()) return;  // an end without a start
    closed_[r.subject].push_back(Span{it->second.front(), r.time, r.a, r.b, r.c, false});
    it->second.pop_front();
  }
  // The spans by subject, those still open ending at `run_end`.
  std::map<std::uint32_t, std::vector<Span>> finish(engine::TimeNs run_end) {
    for (auto& [k, starts] : open_) {
      const auto& [subject, a, b] = k;
      for (engine::TimeNs start : starts) {
        closed_[subject].push_back(Span{start, std::max(start, run_end), a, b, 0, true});
      }
    }
    open_.clear();
    return std::move(closed_);
  }

 private:
  using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>;
  static Key key(const sim::LogRecord& r) { return {r.subject, r.a, r.b}; }
  std::map<Key, std::deque<engine::TimeNs>> open_;
  std::map<std::uint32_t, std::vector<Span>> closed_;
};

// Sorts `spans` by start and gives each the lowest slot free at its start (a
// slot whose span ended at or before it); returns the number of slots.
std::size_t assign_slots(std::vector<Span>& spans, std::vector<std::size_t>& slot_of) {
  std::stable_sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return std::tie(x.start, x.end) < std::tie(y.start, y.end);
  });
  using Busy = std::pair<engine::TimeNs, std::size_t>;  // (end, slot)
  std::priority_queue<Busy, std::vector<Busy>, std::greater<>> busy;
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> free;
  std::size_t slots = 0;
  slot_of.clear();
  for (const Span& span : spans) {
    while (!busy.empty() && busy.top().first <= span.start) {
      free.push(busy.top().second);
      busy.pop();
    }
    std::size_t slot = slots;
    if (free.empty()) {
      ++slots;
    } else {
      slot = free.top();
      free.pop();
    }
    slot_of.push_back(slot);
    busy.push({span.end, slot});
  }
  return slots;
}

json span_args(json args, const Span& span) {
  if (span.unfinished) args["unfinished"] = true;
  return args;
}

}  // namespace

json timeline_json(const properties::RunReport& report) {
  json events = json::array();
  events.push_back(process_name(kDisksPid, "disks"));
  events.push_back(process_name(kJobPid, "mirror job"));
  events.push_back(process_name(kGuestPid, "guest"));

  constexpr int kJobEventsTid = 1;
  constexpr int kGuestTid = 1;
  name_thread(events, kJobPid, kJobEventsTid, "job events");
  name_thread(events, kGuestPid, kGuestTid, "guest requests");

  SpanMatcher disk_requests;
  SpanMatcher ops;
  std::map<std::uint32_t, std::vector<const sim::LogRecord*>> faults;  // by disk
  for (const sim::LogRecord& r : report.log) {
    switch (r.kind) {
      case sim::EventKind::kDiskRequestStart:
        disk_requests.start(r);
        break;
      case sim::EventKind::kDiskRequestEnd:
        disk_requests.end(r);
        break;
      case sim::EventKind::kFaultInjected:
        faults[r.subject].push_back(&r);
        break;
      case sim::EventKind::kMirrorOpStart:
        ops.start(r);
        break;
      case sim::EventKind::kMirrorOpEnd:
        ops.end(r);
        break;
      case sim::EventKind::kGuestRequest: {
        const auto op = static_cast<sim::GuestOp>(r.subject);
        events.push_back(instant(std::string(sim::guest_op_name(op)), kGuestPid, kGuestTid, r.time,
                                 {{"offset", r.a}, {"length", r.b}}));
        break;
      }
      case sim::EventKind::kDirtyBytes:
        events.push_back(json{{"name", "dirty bytes"},
                              {"ph", "C"},
                              {"pid", kJobPid},
                              {"ts", micros(r.time)},
                              {"args", {{"dirty", r.a}}}});
        break;
      default:
        break;
    }
  }
  const engine::TimeNs run_end = report.sim.end_time_ns;
  std::vector<std::size_t> slot_of;

  // Disks: each disk's slots, then its faults track.
  std::map<std::uint32_t, std::vector<Span>> requests = disk_requests.finish(run_end);
  for (const auto& [disk, list] : faults) requests[disk];  // a disk with faults gets its tracks
  int next_disk_tid = 1;
  for (auto& [disk, spans] : requests) {
    const int first_tid = next_disk_tid;
    const std::size_t slots = assign_slots(spans, slot_of);
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const Span& span = spans[i];
      const auto op = static_cast<sim::DiskOp>(span.b >> sim::kDiskOpShift);
      const std::uint64_t length = span.b & ((std::uint64_t{1} << sim::kDiskOpShift) - 1);
      events.push_back(
          slice(std::string(sim::disk_op_name(op)), kDisksPid,
                first_tid + static_cast<int>(slot_of[i]), span.start, span.end,
                span_args({{"offset", span.a}, {"length", length}, {"errno", span.error}}, span)));
    }
    for (std::size_t slot = 0; slot < slots; ++slot) {
      name_thread(events, kDisksPid, first_tid + static_cast<int>(slot),
                  disk_name(disk) + " slot " + std::to_string(slot));
    }
    next_disk_tid += static_cast<int>(slots);
    const auto disk_faults = faults.find(disk);
    if (disk_faults == faults.end()) continue;
    const int faults_tid = next_disk_tid++;
    name_thread(events, kDisksPid, faults_tid, disk_name(disk) + " faults");
    for (const sim::LogRecord* r : disk_faults->second) {
      const auto op = static_cast<sim::DiskOp>(r->b >> sim::kDiskOpShift);
      events.push_back(instant("fault " + std::string(sim::disk_op_name(op)), kDisksPid, faults_tid,
                               r->time,
                               {{"offset", r->a}, {"errno", r->c}, {"disk", disk_name(disk)}}));
    }
  }

  // Mirror ops: each kind's slots, after the job events track.
  int next_op_tid = kJobEventsTid + 1;
  for (auto& [kind_number, spans] : ops.finish(run_end)) {
    const std::string kind(engine::op_kind_name(static_cast<engine::OpKind>(kind_number)));
    const int first_tid = next_op_tid;
    const std::size_t slots = assign_slots(spans, slot_of);
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const Span& span = spans[i];
      events.push_back(
          slice(kind, kJobPid, first_tid + static_cast<int>(slot_of[i]), span.start, span.end,
                span_args({{"offset", span.a}, {"length", span.b}, {"errno", span.error}}, span)));
    }
    for (std::size_t slot = 0; slot < slots; ++slot) {
      name_thread(events, kJobPid, first_tid + static_cast<int>(slot),
                  kind + " slot " + std::to_string(slot));
    }
    next_op_tid += static_cast<int>(slots);
  }

  for (const engine::JobEvent& e : report.events) {
    std::string name = e.kind == engine::JobEventKind::kStateChange
                           ? "state " + std::string(engine::state_name(e.state))
                           : std::string(engine::job_event_name(e.kind));
    events.push_back(instant(std::move(name), kJobPid, kJobEventsTid, e.time,
                             {{"error", e.error}, {"message", e.message}}));
  }
  return json{{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace mirrorsim::reports
