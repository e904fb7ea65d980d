#include "reports/timeline.h"

#include <deque>
#include <map>
#include <string>
#include <tuple>

#include "engine/job_observer.h"
#include "engine/job_state.h"
#include "sim/disk_op.h"
#include "sim/event_log.h"
#include "sim/workload_request.h"

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

std::string disk_name(std::uint32_t id) {
  return id == 1 ? "source" : id == 2 ? "target" : "disk " + std::to_string(id);
}

}  // namespace

json timeline_json(const properties::RunReport& report) {
  json events = json::array();
  events.push_back(process_name(kDisksPid, "disks"));
  events.push_back(process_name(kJobPid, "mirror job"));
  events.push_back(process_name(kGuestPid, "guest"));

  using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>;
  std::map<Key, std::deque<engine::TimeNs>> disk_open;
  std::map<Key, std::deque<engine::TimeNs>> op_open;
  for (const sim::LogRecord& r : report.log) {
    switch (r.kind) {
      case sim::EventKind::kDiskRequestStart:
        disk_open[{r.subject, r.a, r.b}].push_back(r.time);
        break;
      case sim::EventKind::kDiskRequestEnd: {
        auto& open = disk_open[{r.subject, r.a, r.b}];
        if (open.empty()) break;
        const engine::TimeNs start = open.front();
        open.pop_front();
        const auto op = static_cast<sim::DiskOp>(r.b >> sim::kDiskOpShift);
        const std::uint64_t length = r.b & ((std::uint64_t{1} << sim::kDiskOpShift) - 1);
        events.push_back(slice(std::string(sim::disk_op_name(op)), kDisksPid,
                               static_cast<int>(r.subject), start, r.time,
                               {{"offset", r.a}, {"length", length}, {"errno", r.c}}));
        break;
      }
      case sim::EventKind::kFaultInjected: {
        const auto op = static_cast<sim::DiskOp>(r.b >> sim::kDiskOpShift);
        events.push_back(instant(
            "fault " + std::string(sim::disk_op_name(op)), kDisksPid, static_cast<int>(r.subject),
            r.time, {{"offset", r.a}, {"errno", r.c}, {"disk", disk_name(r.subject)}}));
        break;
      }
      case sim::EventKind::kMirrorOpStart:
        op_open[{r.subject, r.a, r.b}].push_back(r.time);
        break;
      case sim::EventKind::kMirrorOpEnd: {
        auto& open = op_open[{r.subject, r.a, r.b}];
        if (open.empty()) break;
        const engine::TimeNs start = open.front();
        open.pop_front();
        const auto kind = static_cast<engine::OpKind>(r.subject);
        events.push_back(slice(std::string(engine::op_kind_name(kind)), kJobPid,
                               1 + static_cast<int>(r.subject), start, r.time,
                               {{"offset", r.a}, {"length", r.b}, {"errno", r.c}}));
        break;
      }
      case sim::EventKind::kGuestRequest: {
        const auto op = static_cast<sim::GuestOp>(r.subject);
        events.push_back(instant(std::string(sim::guest_op_name(op)), kGuestPid, 1, r.time,
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
  for (const engine::JobEvent& e : report.events) {
    std::string name = e.kind == engine::JobEventKind::kStateChange
                           ? "state " + std::string(engine::state_name(e.state))
                           : std::string(engine::job_event_name(e.kind));
    events.push_back(
        instant(std::move(name), kJobPid, 0, e.time, {{"error", e.error}, {"message", e.message}}));
  }
  // Thread names for the disk and op tracks.
  for (int disk : {1, 2}) {
    events.push_back(json{{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", kDisksPid},
                          {"tid", disk},
                          {"args", {{"name", disk_name(disk)}}}});
  }
  for (int kind = 0; kind < 4; ++kind) {
    events.push_back(
        json{{"name", "thread_name"},
             {"ph", "M"},
             {"pid", kJobPid},
             {"tid", 1 + kind},
             {"args",
              {{"name",
                std::string(engine::op_kind_name(static_cast<engine::OpKind>(kind))) + " ops"}}}});
  }
  return json{{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace mirrorsim::reports
