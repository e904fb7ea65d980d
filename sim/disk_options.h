// Everything that defines one simulated disk: geometry, content semantics,
// capacity and performance. One struct, validated when a disk is built.
//
// validate() throws std::invalid_argument naming the disk, the field, the
// allowed values and the value it got, e.g.
//   disk 'target': cluster_size must be 0 (raw) or a power of two from 512 B
//   to 2 MiB (2097152); got 3000
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime.h"

namespace mirrorsim::sim {

inline constexpr std::uint64_t kMinClusterSize = 512;
inline constexpr std::uint64_t kMaxClusterSize = std::uint64_t{2} << 20;  // 2 MiB, as qcow2
inline constexpr std::uint64_t kMaxDiskLength = std::uint64_t{1} << 50;   // 1 PiB
inline constexpr std::uint32_t kMaxQueueDepth = 4096;

struct DiskOptions {
  // --- Geometry and content semantics (DiskImage, DenseDisk) ---
  std::string name;  // non-empty; shows in logs and messages
  // Bytes, a multiple of 512, at most kMaxDiskLength. Need not be a multiple
  // of the cluster size: the last cluster is then short.
  std::uint64_t length = 0;
  // 0: raw (every byte addressable, no backing). Otherwise the allocation
  // unit of a qcow2-like image: a power of two in [512 B, 2 MiB].
  std::uint64_t cluster_size = 0;
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
  // True: the bandwidth is one channel shared by the disk's in-flight
  // requests, whose transfers then take turns. False: each request
  // transfers at the full rate.
  bool shared_bandwidth = false;

  // Throws std::invalid_argument on the first bad field (see the header comment).
  void validate() const;
  bool clustered() const { return cluster_size != 0; }
};

}  // namespace mirrorsim::sim
