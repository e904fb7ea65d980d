// Everything that defines one simulated disk: geometry, content semantics,
// capacity and performance. One struct, validated when a disk is built.
//
// validate() throws std::invalid_argument naming the disk, the field, the
// allowed values and the value it got, e.g.
//   disk 'target': cluster_bytes must be 0 (raw) or a power of two from 512 B
//   to 2 MiB (2097152); got 3000
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/runtime.h"

namespace mirrorsim::sim {

inline constexpr std::uint64_t kClusterMinBytes = 512;
inline constexpr std::uint64_t kClusterMaxBytes = std::uint64_t{2} << 20;  // 2 MiB, as qcow2
inline constexpr std::uint64_t kDiskMaxBytes = std::uint64_t{1} << 50;     // 1 PiB
inline constexpr std::uint32_t kMaxQueueDepth = 4096;

// How a request's data moves inside its service time (see sim_disk.h).
enum class IoModel : std::uint8_t {
  kAtomic,  // all of it at the end of the service time
  kSplit,   // in 1..kMaxIoPieces aligned pieces, each at its own seeded instant
};
// "atomic", "split".
std::string_view io_model_name(IoModel model);
// nullopt for any other name.
std::optional<IoModel> parse_io_model(std::string_view name);

struct DiskOptions {
  // --- Geometry and content semantics (DiskImage, DenseDisk) ---
  std::string name;  // non-empty; shows in logs and messages
  // Bytes, a multiple of 512, at most kDiskMaxBytes. Need not be a multiple
  // of the cluster size: the last cluster is then short.
  std::uint64_t length_bytes = 0;
  // 0: raw (every byte addressable, no backing). Otherwise the allocation
  // unit of a qcow2-like image: a power of two in [512 B, 2 MiB].
  std::uint64_t cluster_bytes = 0;
  // The backing image this image names (cluster disks only). Naming is not
  // attaching: until attach_backing(), unallocated clusters read as zeroes
  // and copy-on-write fills with zeroes.
  std::string backing_name;
  // A new disk reads as zeroes everywhere. False: it may hold old data.
  bool zero_init = true;
  // With true, a discarded range reads as zeroes afterwards; with false,
  // discard deallocates whole clusters (raw: changes nothing).
  bool discard_reads_zero = false;
  // SimDisk fills the disk with old data from a fresh content value when it
  // is built (what a real zero_init = false target holds). REQUIRES !zero_init.
  bool start_with_old_data = false;
  // Thin provisioning: bytes of data this layer may allocate; 0 = unlimited.
  // A request that would allocate beyond it fails with ENOSPC and changes nothing.
  std::uint64_t capacity_bytes = 0;

  // --- Performance (SimDisk) ---
  // Requests served at once; more wait in arrival order.
  std::uint32_t queue_depth = 32;
  // Fixed part of every read/write/write-zeroes/discard service time.
  engine::TimeNs latency_ns = 100 * engine::kNsPerUs;
  // Transfer rate of reads and writes in bytes per second; 0 = instant.
  std::uint64_t bandwidth_bytes_per_s = 1'000'000'000;
  // Each request adds a uniform extra delay in [0, jitter_ns] from the disk's
  // latency stream.
  engine::TimeNs jitter_ns = 0;
  // Service time of a flush (plus jitter).
  engine::TimeNs flush_latency_ns = engine::kNsPerMs;
  // True (the default, as a real device's): the bandwidth is one channel
  // shared by the disk's in-flight requests, whose transfers then take
  // turns. False: each request transfers at the full rate, so a disk of
  // queue depth 32 moves up to 32 times its bandwidth.
  bool shared_bandwidth = true;

  // --- An unkind world (SimDisk; see sim_disk.h). Off by default: a disk
  // with these defaults behaves, draws and logs exactly as before they existed.
  // Where a request's data moves inside its service time.
  IoModel io_model = IoModel::kAtomic;
  // The caller resumes (and observers see the end) this long after the
  // request's service time ends; with `reorder`, a delay drawn per request
  // in [0, completion_delay_ns] instead, so completions need not follow the
  // order in which service ends. >= 0.
  engine::TimeNs completion_delay_ns = 0;
  // Draw each request's completion delay (see above). REQUIRES
  // completion_delay_ns > 0.
  bool reorder = false;
  // A volatile write cache: a completed write, zero write or discard is
  // lost at a power loss unless a flush that started after it completed has
  // completed. REQUIRES an extent image (DiskImage) under the SimDisk.
  bool write_cache = false;

  // Throws std::invalid_argument on the first bad field (see the header comment).
  void validate() const;
  bool clustered() const { return cluster_bytes != 0; }
};

}  // namespace mirrorsim::sim
