// Internal to io-mirror: the filter the guest's I/O goes through. Included
// by io_mirror_job.cc (which builds it) and io_mirror_guest.cc. Reads,
// flushes and block status go to the guest's backend (the source, or the
// target after a pivot); writes, zero writes and discards go through the
// job's region locking and mirroring. Every request counts as in flight for
// the job's drain for its whole life.
#pragma once

#include "engine/io_mirror_job.h"

namespace mirrorsim::engine {

class IoMirrorJob::Filter final : public BlockDevice {
 public:
  explicit Filter(IoMirrorJob& job) : job_(job) {}

  DeviceInfo info() const override {
    DeviceInfo info = job_.guest_backend().info();
    info.name = "io-mirror-filter(" + info.name + ")";
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
  class Entered {
   public:
    explicit Entered(IoMirrorJob& job) : job_(job) { job_.guest_enter(); }
    ~Entered() { job_.guest_leave(); }
    Entered(const Entered&) = delete;
    Entered& operator=(const Entered&) = delete;

   private:
    IoMirrorJob& job_;
  };

  IoMirrorJob& job_;
};

}  // namespace mirrorsim::engine
