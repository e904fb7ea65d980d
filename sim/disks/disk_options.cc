#include "sim/disks/disk_options.h"

#include <bit>
#include <stdexcept>

namespace mirrorsim::sim {
namespace {

[[noreturn]] void reject(const DiskOptions& o, const std::string& field, const std::string& rule,
                         const std::string& got) {
  throw std::invalid_argument("disk '" + o.name + "': " + field + " must be " + rule + "; got " +
                              got);
}

}  // namespace

std::string_view io_model_name(IoModel model) {
  switch (model) {
    case IoModel::kAtomic:
      return "atomic";
    case IoModel::kSplit:
      return "split";
  }
  return "unknown";
}

std::optional<IoModel> parse_io_model(std::string_view name) {
  for (IoModel model : {IoModel::kAtomic, IoModel::kSplit}) {
    if (io_model_name(model) == name) return model;
  }
  return std::nullopt;
}

void DiskOptions::validate() const {
  if (name.empty()) reject(*this, "name", "non-empty", "\"\"");
  if (length_bytes % 512 != 0)
    reject(*this, "length_bytes", "a multiple of 512 bytes", std::to_string(length_bytes));
  if (length_bytes > kDiskMaxBytes) {
    reject(*this, "length_bytes", "at most 1 PiB (" + std::to_string(kDiskMaxBytes) + ")",
           std::to_string(length_bytes));
  }
  if (cluster_bytes != 0 &&
      (!std::has_single_bit(cluster_bytes) || cluster_bytes < kClusterMinBytes ||
       cluster_bytes > kClusterMaxBytes)) {
    reject(
        *this, "cluster_bytes",
        "0 (raw) or a power of two from 512 B to 2 MiB (" + std::to_string(kClusterMaxBytes) + ")",
        std::to_string(cluster_bytes));
  }
  if (cluster_bytes == 0 && !backing_name.empty()) {
    reject(*this, "backing_name", "empty for a raw disk (cluster_bytes 0)",
           "'" + backing_name + "'");
  }
  if (start_with_old_data && zero_init) {
    reject(*this, "start_with_old_data", "false when zero_init is true", "true");
  }
  if (queue_depth < 1 || queue_depth > kMaxQueueDepth) {
    reject(*this, "queue_depth", "from 1 to " + std::to_string(kMaxQueueDepth),
           std::to_string(queue_depth));
  }
  if (latency_ns < 0) reject(*this, "latency_ns", ">= 0", std::to_string(latency_ns));
  if (jitter_ns < 0) reject(*this, "jitter_ns", ">= 0", std::to_string(jitter_ns));
  if (flush_latency_ns < 0) {
    reject(*this, "flush_latency_ns", ">= 0", std::to_string(flush_latency_ns));
  }
  if (io_model != IoModel::kAtomic && io_model != IoModel::kSplit) {
    reject(*this, "io_model", "atomic or split", std::to_string(static_cast<unsigned>(io_model)));
  }
  if (completion_delay_ns < 0) {
    reject(*this, "completion_delay_ns", ">= 0", std::to_string(completion_delay_ns));
  }
  if (reorder && completion_delay_ns == 0) {
    reject(*this, "reorder", "false when completion_delay_ns is 0 (nothing to draw from)", "true");
  }
}

}  // namespace mirrorsim::sim
