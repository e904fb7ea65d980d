// A simulated disk on the virtual clock: the engine's BlockDevice.
//
// A SimDisk serves requests against a DiskModel (content semantics, see
// disk_model.h) with a performance model and a fault plan:
//  - queue depth: at most options().queue_depth requests are served at once;
//    later ones wait in arrival order (a freed slot goes straight to the
//    oldest waiter, so nobody overtakes). Since service times are known when
//    a request starts, a request's start is known when it arrives (the slot
//    that falls free first), and the calling task sleeps once, to its end.
//  - service time, from the moment a request gets its slot:
//      fixed latency (latency_ns; flush: flush_latency_ns)
//      + bytes / bandwidth for reads and writes (rounded up to whole ns)
//      + jitter, uniform in [0, jitter_ns], drawn from the disk's latency stream.
//    With shared_bandwidth, the transfers of in-flight requests take turns
//    on one channel in slot order: a transfer starts when the channel is
//    free, and the latency and jitter follow it.
//  - content: a write (zero write, discard) changes the content when it
//    completes; a read captures the content when it completes. A failed
//    request changes nothing.
//  - faults: the fault plan decides when a request starts (its time window
//    and counts refer to start times and start order); the request still
//    takes its service time, then fails. A thin disk's ENOSPC comes from
//    the image when the write is applied.
//  - a misaligned, empty or out-of-range request fails with EINVAL at once,
//    without a slot or service time. A payload that is not a ContentPayload
//    of the request's length is an engine bug: InvariantViolation.
//
// Everything a request does is in the event log: kDiskRequestStart and
// kDiskRequestEnd (subject = disk id, a = offset, b = length | op << 56,
// c = errno at the end) and kFaultInjected for each fault from the plan.
// Observers see each request start and end; snapshot() takes the
// guest-visible content at any instant, cheaply.
//
// Each disk draws from its own streams "latency/<id>" and "faults/<id>", so
// one disk's draws never shift another's.
//
// REQUIRES: I/O calls (not info, block_status, snapshot) come from inside a
// simulation task. The simulation and the content source outlive the disk.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/block_device.h"
#include "sim/content.h"
#include "sim/disk_model.h"
#include "sim/disk_op.h"
#include "sim/disk_view.h"
#include "sim/fault_plan.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace mirrorsim::sim {

// One request as observers see it.
struct DiskRequest {
  std::uint64_t id = 0;  // per disk, from 1, in submission order
  std::uint32_t disk = 0;
  DiskOp op = DiskOp::kRead;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // 0 for a flush
  engine::TimeNs start_ns = 0;
  engine::TimeNs end_ns = 0;  // set at the end
  int error = 0;              // set at the end
};

// Sees every request of the disks it is added to. Callbacks run inside the
// requesting task, at the instant of the start or end; they must not block
// and must not add or remove observers.
class DiskObserver {
 public:
  virtual ~DiskObserver() = default;
  virtual void on_request_start(const DiskRequest& request) { (void)request; }
  virtual void on_request_end(const DiskRequest& request) { (void)request; }
};

struct DiskStats {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t zero_writes = 0;
  std::uint64_t discards = 0;
  std::uint64_t flushes = 0;
  std::uint64_t bytes_read = 0;     // by successful reads
  std::uint64_t bytes_written = 0;  // by successful writes
  std::uint64_t errors = 0;         // requests that failed, for any reason
  std::uint64_t faults_injected = 0;
  std::uint32_t max_in_flight = 0;
  std::uint32_t max_queued = 0;
};

class SimDisk final : public engine::BlockDevice {
 public:
  // Serves `image` (shared: properties keep it to inspect content). When
  // the image's options ask for start_with_old_data, fills it with old data
  // from a fresh value of `content`. `id` identifies the disk in the log.
  SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
          std::shared_ptr<DiskModel> image);
  // The same over a new extent image (DiskImage) built from `options`, whose
  // name names the disk. Throws std::invalid_argument on bad options.
  SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id, DiskOptions options);
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  std::uint32_t id() const { return id_; }
  const std::string& name() const { return image_->name(); }
  const DiskOptions& options() const { return image_->options(); }
  DiskModel& image() { return *image_; }
  const DiskModel& image() const { return *image_; }
  const std::shared_ptr<DiskModel>& shared_image() const { return image_; }

  void set_fault_plan(FaultPlan plan) { faults_ = std::move(plan); }
  FaultPlan& fault_plan() { return faults_; }
  const FaultPlan& fault_plan() const { return faults_; }

  // REQUIRES: `observer` outlives the disk or is removed first.
  void add_observer(DiskObserver& observer);
  void remove_observer(DiskObserver& observer);

  // Attaches the backing image the disk names (the pivot does this); see
  // DiskModel::attach_backing. Takes effect at once.
  void attach_backing(std::shared_ptr<DiskModel> backing);

  // What the guest reads now, through the backing chain: a cheap snapshot.
  GuestView snapshot() const { return image_->guest_view(); }

  // A guest write of fresh content: `length` bytes of a new value from the
  // content source, stored in *value when given. Same path as write().
  engine::IoStatus write_fresh(std::uint64_t offset, std::uint64_t length,
                               std::uint64_t* value = nullptr);

  const DiskStats& stats() const { return stats_; }
  // Requests being served now, and requests waiting for a slot.
  std::uint32_t in_flight() const;
  std::size_t queued() const;

  // engine::BlockDevice
  engine::DeviceInfo info() const override;
  engine::IoStatus read(std::uint64_t offset, std::uint64_t length,
                        engine::PayloadPtr& out) override;
  engine::IoStatus write(std::uint64_t offset, std::uint64_t length,
                         const engine::Payload& data) override;
  engine::IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length,
                                bool may_unmap) override;
  engine::IoStatus discard(std::uint64_t offset, std::uint64_t length) override;
  engine::IoStatus flush() override;
  // Instant (no service time, not logged). The run is clamped to the disk end.
  // REQUIRES: offset aligned and < length, length > 0 (else InvariantViolation).
  engine::BlockStatus block_status(std::uint64_t offset, std::uint64_t length) override;

 private:
  template <typename Apply>
  engine::IoStatus execute(DiskOp op, std::uint64_t offset, std::uint64_t length, Apply apply);
  bool valid_range(std::uint64_t offset, std::uint64_t length) const;
  // Service time of a request that gets its slot at `start`.
  engine::TimeNs service_time(DiskOp op, std::uint64_t length, engine::TimeNs start);
  // When a request arriving now gets a slot, and so starts; reserves it.
  engine::TimeNs claim_slot();
  // Marks the claimed slot busy until `end`.
  void occupy_slot(engine::TimeNs start, engine::TimeNs end);
  void log(EventKind kind, const DiskRequest& request, int error);

  Simulation& simulation_;
  ContentSource& content_;
  std::uint32_t id_;
  std::shared_ptr<DiskModel> image_;
  FaultPlan faults_;
  RandomStream latency_stream_;
  RandomStream fault_stream_;
  // When each busy slot falls free, as a min-heap; fewer entries than the
  // queue depth means some slots are free.
  std::vector<engine::TimeNs> slot_free_;
  // Start times of requests in arrival order (and so in start order); those
  // past now have started and are dropped at the next arrival.
  std::deque<engine::TimeNs> starts_;
  std::uint32_t outstanding_ = 0;  // requests with a slot claimed, not ended
  engine::TimeNs channel_free_ns_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::vector<DiskObserver*> observers_;
  DiskStats stats_;
};

}  // namespace mirrorsim::sim
