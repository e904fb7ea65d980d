// The block device the mirror engine reads from and writes to.
//
// All offsets and lengths are in bytes and must be multiples of kSectorSize;
// a device rejects anything else with EINVAL. Every I/O call blocks the
// calling task (see runtime.h) until the request completes, and returns an
// IoStatus instead of throwing: I/O errors are data the job's error policy
// acts on, not exceptions.
//
// Data is opaque to the engine: a read fills a Payload that only a write to a
// device of the same family can consume. The simulated disks carry content
// values; a real backend would carry bytes. The engine never looks inside.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace mirrorsim::engine {

constexpr std::uint64_t kSectorSize = 512;

// "EIO", "ENOSPC", "EINVAL", "OK" for 0, the number otherwise: for messages.
std::string errno_name(int error);

// errno-style result of one request: 0 on success.
struct IoStatus {
  int error = 0;
  bool ok() const { return error == 0; }
  static IoStatus success() { return {}; }
};

// Data moved from a read to a write; only devices know what is inside.
class Payload {
 public:
  virtual ~Payload() = default;
};
using PayloadPtr = std::unique_ptr<Payload>;

// What is known about a run of sectors starting at the queried offset.
struct BlockStatus {
  bool allocated = false;        // this layer holds data (or a zero cluster) here
  bool allocated_below = false;  // some layer of the attached backing chain does
  bool reads_zero = false;       // the guest-visible content is known to be zeroes
  std::uint64_t length = 0;      // bytes from the offset with this same status, > 0
};

// Fixed facts about a device.
struct DeviceInfo {
  std::string name;
  std::uint64_t length = 0;
  std::uint64_t cluster_bytes = 0;  // allocation unit in bytes; 0 = not clustered
  bool backing_named = false;       // the image names a backing image...
  bool backing_attached = false;    // ...that is opened and read through now
  bool zero_init = false;           // a new device reads as zeroes everywhere
  bool discard_reads_zero = false;  // discarded ranges then read as zeroes
};

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;

  virtual DeviceInfo info() const = 0;

  // REQUIRES for all: offset and length sector-aligned, offset + length <= length.
  virtual IoStatus read(std::uint64_t offset, std::uint64_t length, PayloadPtr& out) = 0;
  // `data` came from a read of the same length, or from the guest.
  virtual IoStatus write(std::uint64_t offset, std::uint64_t length, const Payload& data) = 0;
  // Makes the range read as zeroes; with `may_unmap` the device may deallocate.
  virtual IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) = 0;
  // Hints that the range is unused; it may or may not read as zeroes afterwards.
  virtual IoStatus discard(std::uint64_t offset, std::uint64_t length) = 0;
  virtual IoStatus flush() = 0;

  // Status of the run starting at `offset`, at most `length` bytes long.
  // REQUIRES: length > 0.
  virtual BlockStatus block_status(std::uint64_t offset, std::uint64_t length) = 0;
};

}  // namespace mirrorsim::engine
