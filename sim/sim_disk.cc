#include "sim/sim_disk.h"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <utility>

#include "engine/invariant.h"
#include "sim/disk_image.h"

namespace mirrorsim::sim {
namespace {

std::string stream_name(std::string_view base, std::uint32_t id) {
  return std::string(base) + "/" + std::to_string(id);
}

}  // namespace

SimDisk::SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
                 std::shared_ptr<DiskModel> image)
    : simulation_(simulation),
      content_(content),
      id_(id),
      image_(std::move(image)),
      latency_stream_(simulation.stream(stream_name(streams::kLatency, id))),
      fault_stream_(simulation.stream(stream_name(streams::kFaults, id))) {
  MIRRORSIM_ASSERT(image_ != nullptr, "a SimDisk needs an image");
  image_->options().validate();
  if (image_->options().start_with_old_data) image_->fill_with_old_data(content_.next());
}

SimDisk::SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
                 DiskOptions options)
    : SimDisk(simulation, content, id, std::make_shared<DiskImage>(std::move(options))) {}

void SimDisk::add_observer(DiskObserver& observer) {
  observers_.push_back(&observer);
}

void SimDisk::remove_observer(DiskObserver& observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), &observer), observers_.end());
}

void SimDisk::attach_backing(std::shared_ptr<DiskModel> backing) {
  image_->attach_backing(std::move(backing));
}

engine::DeviceInfo SimDisk::info() const {
  const DiskOptions& o = image_->options();
  engine::DeviceInfo info;
  info.name = o.name;
  info.length = o.length;
  info.cluster_size = o.cluster_size;
  info.backing_attached = image_->backing() != nullptr;
  info.backing_named = !o.backing_name.empty() || info.backing_attached;
  info.zero_init = o.zero_init;
  info.discard_reads_zero = o.discard_reads_zero;
  return info;
}

bool SimDisk::valid_range(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t size = image_->length();
  return offset % kSectorSize == 0 && length % kSectorSize == 0 && length > 0 && offset <= size &&
         length <= size - offset;
}

engine::TimeNs SimDisk::service_time(DiskOp op, std::uint64_t length, engine::TimeNs start) {
  const DiskOptions& o = image_->options();
  const engine::TimeNs fixed = op == DiskOp::kFlush ? o.flush_latency_ns : o.latency_ns;
  const engine::TimeNs jitter = o.jitter_ns > 0
                                    ? static_cast<engine::TimeNs>(latency_stream_.between(
                                          0, static_cast<std::uint64_t>(o.jitter_ns)))
                                    : 0;
  engine::TimeNs transfer = 0;
  if ((op == DiskOp::kRead || op == DiskOp::kWrite) && o.bandwidth_bytes_per_s > 0) {
    const unsigned __int128 ns = static_cast<unsigned __int128>(length) * engine::kNsPerSecond;
    transfer =
        static_cast<engine::TimeNs>((ns + o.bandwidth_bytes_per_s - 1) / o.bandwidth_bytes_per_s);
  }
  if (o.shared_bandwidth && transfer > 0) {
    channel_free_ns_ = std::max(start, channel_free_ns_) + transfer;
    return channel_free_ns_ - start + fixed + jitter;
  }
  return fixed + transfer + jitter;
}

engine::TimeNs SimDisk::claim_slot() {
  const engine::TimeNs now = simulation_.now();
  while (!starts_.empty() && starts_.front() <= now) starts_.pop_front();
  const std::uint32_t depth = image_->options().queue_depth;
  if (slot_free_.size() < depth) return now;
  // FIFO: earlier arrivals hold the earlier-freed slots, so this request
  // takes the first slot to fall free after all of theirs.
  std::pop_heap(slot_free_.begin(), slot_free_.end(), std::greater<>{});
  const engine::TimeNs start = std::max(now, slot_free_.back());
  slot_free_.pop_back();
  return start;
}

void SimDisk::occupy_slot(engine::TimeNs start, engine::TimeNs end) {
  slot_free_.push_back(end);
  std::push_heap(slot_free_.begin(), slot_free_.end(), std::greater<>{});
  // claim_slot() dropped the starts up to now: those left are all queued.
  const auto queued_now = static_cast<std::uint32_t>(starts_.size());
  if (start > simulation_.now()) {
    stats_.max_queued = std::max(stats_.max_queued, queued_now + 1);
    // It starts when another request ends: every slot is busy then.
    stats_.max_in_flight = std::max(stats_.max_in_flight, image_->options().queue_depth);
  } else {
    stats_.max_in_flight = std::max(stats_.max_in_flight, outstanding_ - queued_now + 1);
  }
  starts_.push_back(start);
  ++outstanding_;
}

std::size_t SimDisk::queued() const {
  // Starts never decrease along starts_, so the queued ones are a suffix.
  return static_cast<std::size_t>(
      starts_.end() - std::upper_bound(starts_.begin(), starts_.end(), simulation_.now()));
}

std::uint32_t SimDisk::in_flight() const {
  return outstanding_ - static_cast<std::uint32_t>(queued());
}

void SimDisk::log(EventKind kind, const DiskRequest& request, int error) {
  simulation_.log().append(simulation_.now(), kind, id_, request.offset,
                           pack_length_op(request.length, request.op),
                           static_cast<std::uint64_t>(error));
}

template <typename Apply>
engine::IoStatus SimDisk::execute(DiskOp op, std::uint64_t offset, std::uint64_t length,
                                  Apply apply) {
  DiskRequest request;
  request.id = next_request_id_++;
  request.disk = id_;
  request.op = op;
  request.offset = offset;
  request.length = length;
  request.start_ns = simulation_.now();
  log(EventKind::kDiskRequestStart, request, 0);
  for (DiskObserver* observer : observers_) observer->on_request_start(request);

  int error = 0;
  if (op != DiskOp::kFlush && !valid_range(offset, length)) {
    error = EINVAL;
  } else {
    const int fault = faults_.decide({op, offset, length, request.start_ns}, fault_stream_);
    if (fault != 0) {
      log(EventKind::kFaultInjected, request, fault);
      ++stats_.faults_injected;
    }
    image_->prefetch(offset);  // its cache misses overlap other tasks' work
    const engine::TimeNs start = claim_slot();
    const engine::TimeNs end = start + service_time(op, length, start);
    occupy_slot(start, end);
    simulation_.sleep_for(end - simulation_.now());
    --outstanding_;
    error = fault != 0 ? fault : apply();
  }

  request.end_ns = simulation_.now();
  request.error = error;
  switch (op) {
    case DiskOp::kRead:
      ++stats_.reads;
      break;
    case DiskOp::kWrite:
      ++stats_.writes;
      break;
    case DiskOp::kWriteZeroes:
      ++stats_.zero_writes;
      break;
    case DiskOp::kDiscard:
      ++stats_.discards;
      break;
    case DiskOp::kFlush:
      ++stats_.flushes;
      break;
  }
  if (error != 0) {
    ++stats_.errors;
  } else if (op == DiskOp::kRead) {
    stats_.bytes_read += length;
  } else if (op == DiskOp::kWrite) {
    stats_.bytes_written += length;
  }
  log(EventKind::kDiskRequestEnd, request, error);
  for (DiskObserver* observer : observers_) observer->on_request_end(request);
  return {error};
}

engine::IoStatus SimDisk::read(std::uint64_t offset, std::uint64_t length,
                               engine::PayloadPtr& out) {
  return execute(DiskOp::kRead, offset, length, [&] {
    out = std::make_unique<ContentPayload>(image_->read(offset, length));
    return 0;
  });
}

engine::IoStatus SimDisk::write(std::uint64_t offset, std::uint64_t length,
                                const engine::Payload& data) {
  const auto* content = dynamic_cast<const ContentPayload*>(&data);
  MIRRORSIM_ASSERT(content != nullptr, "disk '" + name() + "' was given a foreign payload");
  MIRRORSIM_ASSERT(content->length() == length,
                   "disk '" + name() + "': write of " + std::to_string(length) +
                       " bytes with a payload of " + std::to_string(content->length()));
  return execute(DiskOp::kWrite, offset, length,
                 [&] { return image_->write(offset, *content).error; });
}

engine::IoStatus SimDisk::write_fresh(std::uint64_t offset, std::uint64_t length,
                                      std::uint64_t* value) {
  const std::uint64_t v = content_.next();
  if (value != nullptr) *value = v;
  if (length == 0 || length % kSectorSize != 0) {
    // Not a payload anyone could build: still a request, failing with EINVAL.
    return execute(DiskOp::kWrite, offset, length, [] { return 0; });
  }
  return write(offset, length, ContentPayload::fresh(v, length));
}

engine::IoStatus SimDisk::write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) {
  return execute(DiskOp::kWriteZeroes, offset, length,
                 [&] { return image_->write_zeroes(offset, length, may_unmap).error; });
}

engine::IoStatus SimDisk::discard(std::uint64_t offset, std::uint64_t length) {
  return execute(DiskOp::kDiscard, offset, length,
                 [&] { return image_->discard(offset, length).error; });
}

engine::IoStatus SimDisk::flush() {
  return execute(DiskOp::kFlush, 0, 0, [] { return 0; });
}

engine::BlockStatus SimDisk::block_status(std::uint64_t offset, std::uint64_t length) {
  MIRRORSIM_ASSERT(offset % kSectorSize == 0 && length > 0 && offset < image_->length(),
                   "disk '" + name() + "': block_status at " + std::to_string(offset) + " length " +
                       std::to_string(length) + " is out of range");
  const std::uint64_t clamped =
      std::min(length / kSectorSize * kSectorSize, image_->length() - offset);
  MIRRORSIM_ASSERT(clamped > 0, "block_status of less than a sector");
  return image_->block_status(offset, clamped);
}

}  // namespace mirrorsim::sim
