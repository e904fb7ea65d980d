// Internal to the jobs: the filter the guest's I/O goes through (QEMU's
// mirror_top node), one template for every algorithm. Included by the
// job's .cc files that build it; nothing else includes this header.
//
// Each read, write, zero write, discard and flush counts as in flight for
// the job's drain from before it waits at the drain gate until it returns.
// Reads, flushes, info and block status go to the guest's backend (the
// source, or the target after a pivot); writes, zero writes and discards go
// through the job's guest_write (dirty tracking, region locking...).
// `Job` declares `template <class> friend class GuestFilter;` and has
// guest_backend(), guest_write(), guest_drain_ and kFilterName.
#pragma once

#include <string>

#include "engine/block_device.h"
#include "engine/guest_drain.h"
#include "engine/job_observer.h"

namespace mirrorsim::engine {

// Writes what the guest asked for to `device`: data, zeroes or a discard.
inline IoStatus write_as(BlockDevice& device, OpKind kind, std::uint64_t offset,
                         std::uint64_t length, const Payload* data, bool may_unmap) {
  switch (kind) {
    case OpKind::kZero:
      return device.write_zeroes(offset, length, may_unmap);
    case OpKind::kDiscard:
      return device.discard(offset, length);
    default:
      return device.write(offset, length, *data);
  }
}

template <class Job>
class GuestFilter final : public BlockDevice {
 public:
  explicit GuestFilter(Job& job) : job_(job) {}

  DeviceInfo info() const override {
    DeviceInfo info = job_.guest_backend().info();
    info.name = std::string(Job::kFilterName) + "(" + info.name + ")";
    return info;
  }
  IoStatus read(std::uint64_t offset, std::uint64_t length, PayloadPtr& out) override {
    GuestRequestScope in_flight(job_.guest_drain_);
    return job_.guest_backend().read(offset, length, out);
  }
  IoStatus write(std::uint64_t offset, std::uint64_t length, const Payload& data) override {
    GuestRequestScope in_flight(job_.guest_drain_);
    return job_.guest_write(offset, length, &data, OpKind::kCopy, false);
  }
  IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) override {
    GuestRequestScope in_flight(job_.guest_drain_);
    return job_.guest_write(offset, length, nullptr, OpKind::kZero, may_unmap);
  }
  IoStatus discard(std::uint64_t offset, std::uint64_t length) override {
    GuestRequestScope in_flight(job_.guest_drain_);
    return job_.guest_write(offset, length, nullptr, OpKind::kDiscard, false);
  }
  IoStatus flush() override {
    GuestRequestScope in_flight(job_.guest_drain_);
    return job_.guest_backend().flush();
  }
  BlockStatus block_status(std::uint64_t offset, std::uint64_t length) override {
    return job_.guest_backend().block_status(offset, length);
  }

 private:
  Job& job_;
};

}  // namespace mirrorsim::engine
