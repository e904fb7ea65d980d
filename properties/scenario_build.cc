#include "properties/scenario_build.h"

#include <variant>

#include "engine/known_bugs.h"
#include "sim/guest/trace.h"
#include "sim/guest/workload.h"

namespace mirrorsim::properties {
namespace {

constexpr engine::TimeNs us(std::uint64_t micros) {
  return static_cast<engine::TimeNs>(micros) * engine::kNsPerUs;
}

}  // namespace

sim::DiskOptions disk_options(const scenarios::DiskSpec& spec, std::string name) {
  sim::DiskOptions o;
  o.name = std::move(name);
  o.length_bytes = spec.length_bytes;
  o.cluster_bytes = spec.kind == scenarios::DiskKind::kCluster ? spec.cluster_bytes : 0;
  o.backing_name = spec.backing == scenarios::Backing::kNone ? "" : spec.backing_name;
  o.zero_init = spec.zero_init;
  o.discard_reads_zero = spec.discard_reads_zero;
  o.start_with_old_data = spec.old_data;
  o.capacity_bytes = spec.capacity_bytes;
  o.queue_depth = spec.queue_depth;
  o.latency_ns = us(spec.latency_us);
  o.bandwidth_bytes_per_s = spec.bandwidth_bytes_per_s;
  o.jitter_ns = us(spec.jitter_us);
  o.flush_latency_ns = us(spec.flush_latency_us);
  o.shared_bandwidth = spec.shared_bandwidth;
  o.io_model = spec.io_model;
  o.completion_delay_ns = us(spec.completion_delay_us);
  o.reorder = spec.reorder;
  o.write_cache = spec.write_cache;
  return o;
}

sim::FaultPlan fault_plan(const scenarios::Scenario& scenario, scenarios::FaultDisk disk) {
  sim::FaultPlan plan;
  for (const scenarios::FaultSpec& f : scenario.faults) {
    if (f.disk == disk) plan.add(f.rule);
  }
  const scenarios::DiskSpec& spec =
      disk == scenarios::FaultDisk::kSource ? scenario.source : scenario.target;
  if (spec.faults_end_us) plan.end_faults_at(us(*spec.faults_end_us));
  return plan;
}

engine::MirrorParams mirror_params(const scenarios::MirrorSpec& spec,
                                   std::span<const std::string> extra_bugs) {
  engine::MirrorParams p;
  p.sync = spec.sync;
  p.copy_mode = spec.copy_mode;
  p.granularity_bytes = spec.granularity_bytes;
  p.buf_size_bytes = static_cast<std::int64_t>(spec.buf_size_bytes);
  p.speed_bytes_per_s = static_cast<std::int64_t>(spec.speed_bytes_per_s);
  p.on_source_error = spec.on_source_error;
  p.on_target_error = spec.on_target_error;
  p.unmap = spec.unmap;
  p.target_is_zero = spec.target_is_zero;
  p.profile = spec.profile;
  p.algorithm = spec.algorithm;
  p.region_bytes = spec.region_bytes;
  p.max_copy_ops = spec.max_copy_ops;
  p.switch_bytes = spec.switch_bytes;
  p.max_passes = spec.max_passes;
  p.max_downtime_ns = static_cast<std::int64_t>(spec.max_downtime_us) * 1000;
  p.on_downtime_limit = spec.on_downtime_limit;
  std::vector<std::string> names = spec.bugs;
  names.insert(names.end(), extra_bugs.begin(), extra_bugs.end());
  p.bugs = engine::BugSet::parse(names);
  return p;
}

std::unique_ptr<sim::RequestSource> request_source(const scenarios::Scenario& scenario,
                                                   sim::RandomStream workload_stream) {
  const scenarios::WorkloadSpec& w = scenario.workload;
  if (const auto* params = std::get_if<sim::WorkloadParams>(&w)) {
    return std::make_unique<sim::WorkloadGenerator>(*params, scenario.source.length_bytes,
                                                    std::move(workload_stream));
  }
  if (const auto* trace = std::get_if<scenarios::TraceWorkload>(&w)) {
    sim::Trace t =
        sim::read_trace(trace->path, trace->format, scenarios::trace_options(scenario, *trace));
    if (trace->loop) return std::make_unique<sim::LoopingTraceReplay>(std::move(t.requests));
    return std::make_unique<sim::TraceReplay>(std::move(t.requests));
  }
  return nullptr;
}

std::vector<std::string> known_bug_names() {
  std::vector<std::string> names;
  for (const engine::BugInfo& info : engine::known_bugs()) names.emplace_back(info.name);
  return names;
}

}  // namespace mirrorsim::properties
