#include "scenarios/scenario.h"

#include <array>
#include <cerrno>

#include "sim/disks/disk_op.h"

namespace mirrorsim::scenarios {
namespace {

// Each table lists the names in enum order.
constexpr std::array<std::string_view, 2> kDiskKinds = {"raw", "cluster"};
constexpr std::array<std::string_view, 3> kBackings = {"none", "attached", "at-pivot"};
constexpr std::array<std::string_view, 3> kSyncModes = {"full", "top", "none"};
constexpr std::array<std::string_view, 2> kCopyModes = {"background", "write-blocking"};
constexpr std::array<std::string_view, 4> kErrorPolicies = {"report", "ignore", "stop", "enospc"};
constexpr std::array<std::string_view, 2> kProfiles = {"default", "qemu-7.2"};
constexpr std::array<std::string_view, 4> kAlgorithms = {"qemu", "io-mirror", "snapshot",
                                                         "precopy"};
constexpr std::array<std::string_view, 2> kDowntimeActions = {"force", "abort"};
constexpr std::array<std::string_view, 3> kFaultDisks = {"source", "target", "base"};
constexpr std::array<NamedValue<int>, 3> kFaultErrnos = {{
    {"EIO", EIO},
    {"ENOSPC", ENOSPC},
    {"EINVAL", EINVAL},
}};
constexpr std::array<std::string_view, 8> kCommandKinds = {
    "complete", "cancel",    "force_cancel",   "pause",
    "resume",   "set_speed", "write_blocking", "power_loss"};
constexpr std::array<std::string_view, 2> kPrefillDisks = {"source", "base"};
constexpr std::array<std::string_view, 3> kPrefillOps = {"write", "write_zeroes", "discard"};
constexpr std::array<std::string_view, 3> kArrivals = {"fixed", "uniform", "poisson"};
constexpr std::array<std::string_view, 4> kLocalities = {"uniform", "sequential", "hotspot",
                                                         "zipf"};
constexpr std::array<std::string_view, 3> kTraceFormats = {"auto", "csv", "fio"};

}  // namespace

std::span<const NamedValue<std::optional<sim::DiskOp>>> fault_op_names() {
  // The disk's own names for its operations, then "any".
  static const auto names = [] {
    std::array<NamedValue<std::optional<sim::DiskOp>>, 6> out{};
    std::size_t i = 0;
    for (sim::DiskOp op : {sim::DiskOp::kRead, sim::DiskOp::kWrite, sim::DiskOp::kWriteZeroes,
                           sim::DiskOp::kDiscard, sim::DiskOp::kFlush}) {
      out[i++] = {sim::disk_op_name(op), op};
    }
    out[i] = {"any", std::nullopt};
    return out;
  }();
  return names;
}

std::span<const NamedValue<int>> fault_errno_names() {
  return kFaultErrnos;
}

template <>
std::span<const std::string_view> enum_names<DiskKind>() {
  return kDiskKinds;
}
template <>
std::span<const std::string_view> enum_names<Backing>() {
  return kBackings;
}
template <>
std::span<const std::string_view> enum_names<SyncMode>() {
  return kSyncModes;
}
template <>
std::span<const std::string_view> enum_names<CopyMode>() {
  return kCopyModes;
}
template <>
std::span<const std::string_view> enum_names<ErrorPolicy>() {
  return kErrorPolicies;
}
template <>
std::span<const std::string_view> enum_names<Profile>() {
  return kProfiles;
}
template <>
std::span<const std::string_view> enum_names<Algorithm>() {
  return kAlgorithms;
}
template <>
std::span<const std::string_view> enum_names<DowntimeAction>() {
  return kDowntimeActions;
}
template <>
std::span<const std::string_view> enum_names<FaultDisk>() {
  return kFaultDisks;
}
template <>
std::span<const std::string_view> enum_names<CommandKind>() {
  return kCommandKinds;
}
sim::TraceOptions trace_options(const Scenario& scenario, const TraceWorkload& trace) {
  sim::TraceOptions options;
  options.disk_length = scenario.source.length_bytes;
  options.time_scale = trace.time_scale;
  options.start_offset_us = trace.start_offset_us;
  options.offset_shift_bytes = trace.offset_shift_bytes;
  options.scale_from_bytes = trace.scale_from_bytes;
  options.wrap = trace.wrap;
  return options;
}

template <>
std::span<const std::string_view> enum_names<PrefillDisk>() {
  return kPrefillDisks;
}
template <>
std::span<const std::string_view> enum_names<PrefillOp>() {
  return kPrefillOps;
}
template <>
std::span<const std::string_view> enum_names<sim::Arrival>() {
  return kArrivals;
}
template <>
std::span<const std::string_view> enum_names<sim::Locality>() {
  return kLocalities;
}
template <>
std::span<const std::string_view> enum_names<sim::TraceFormat>() {
  return kTraceFormats;
}
template <>
std::span<const std::string_view> enum_names<sim::IoModel>() {
  // The disk's own names, in enum order.
  static const std::array<std::string_view, 2> names = {sim::io_model_name(sim::IoModel::kAtomic),
                                                        sim::io_model_name(sim::IoModel::kSplit)};
  return names;
}
template <>
std::span<const std::string_view> enum_names<sim::PowerLossMode>() {
  static const std::array<std::string_view, 2> names = {
      sim::power_loss_mode_name(sim::PowerLossMode::kAnySubset),
      sim::power_loss_mode_name(sim::PowerLossMode::kInOrderPrefix)};
  return names;
}

}  // namespace mirrorsim::scenarios
