// Internal to the mirror job: the filter the guest's I/O goes through
// (QEMU's mirror_top node). Included by mirror_job.cc, which builds and
// destroys it, and mirror_job_guest.cc, which holds the guest path it calls.
// Nothing outside engine/mirror_job*.cc includes this header.
//
// Each read, write, zero write, discard and flush counts as in flight for
// the job's drain from before it waits at the drain gate until it returns.
// Reads, flushes, info and block status go to the guest's backend (the
// source, or the target after a pivot); writes, zero writes and discards go
// through the job's dirty tracking.
#pragma once

#include "engine/mirror_job.h"

namespace mirrorsim::engine {

class MirrorJob::GuestFilter final : public BlockDevice {
 public:
  explicit GuestFilter(MirrorJob& job) : job_(job) {}

  DeviceInfo info() const override {
    DeviceInfo info = job_.guest_backend().info();
    info.name = "mirror-filter(" + info.name + ")";
    return info;
  }
  IoStatus read(std::uint64_t offset, std::uint64_t length, PayloadPtr& out) override {
    Entered entered(job_);
    return job_.guest_backend().read(offset, length, out);
  }
  IoStatus write(std::uint64_t offset, std::uint64_t length, const Payload& data) override {
    Entered entered(job_);
    return job_.guest_write(offset, length, &data, OpKind::kCopy, false);
  }
  IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) override {
    Entered entered(job_);
    return job_.guest_write(offset, length, nullptr, OpKind::kZero, may_unmap);
  }
  IoStatus discard(std::uint64_t offset, std::uint64_t length) override {
    Entered entered(job_);
    return job_.guest_write(offset, length, nullptr, OpKind::kDiscard, false);
  }
  IoStatus flush() override {
    Entered entered(job_);
    return job_.guest_backend().flush();
  }
  BlockStatus block_status(std::uint64_t offset, std::uint64_t length) override {
    return job_.guest_backend().block_status(offset, length);
  }

 private:
  // Counts a guest request in flight for the drain, for its whole life.
  class Entered {
   public:
    explicit Entered(MirrorJob& job) : job_(job) { job_.guest_enter(); }
    ~Entered() { job_.guest_leave(); }
    Entered(const Entered&) = delete;
    Entered& operator=(const Entered&) = delete;

   private:
    MirrorJob& job_;
  };

  MirrorJob& job_;
};

}  // namespace mirrorsim::engine
