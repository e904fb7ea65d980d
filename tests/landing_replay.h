// A test's record of what a SimDisk did with its write cache, replayed on
// DenseDisk, the reference model: every landing as observers see it, which
// flush made it durable (a flush covers the requests completed when it
// started) and what each power loss kept, predicted from the same stream.
// Tests compare a cached disk's durable content and what a power loss
// leaves against these replays.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "sim/disks/content.h"
#include "sim/disks/dense_disk.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_model.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {

// Records every landing as the disk reports it, which flush made it durable
// and what each power loss kept, and replays any of it on DenseDisk.
struct Replay : DiskObserver {
  struct Landing {
    std::uint64_t request = 0;
    DiskOp op = DiskOp::kWrite;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    ContentPayload data;
    bool may_unmap = false;
    bool durable = false;
    bool lost = false;  // dropped by a power loss
  };
  const DiskImage* image = nullptr;
  // Whether a zero write of the request at this offset may unmap (the
  // disk's observers do not see the flag): true unless told.
  bool (*may_unmap)(std::uint64_t request_offset) = nullptr;
  std::vector<Landing> landings;
  // Landings before this one were settled by a power loss: kept unless lost.
  std::size_t first_open = 0;
  // The backing came with the landing of this index (none: not attached).
  std::optional<std::size_t> attach_at;
  std::set<std::uint64_t> completed;
  std::map<std::uint64_t, std::set<std::uint64_t>> completed_at_flush_start;

  void on_request_start(const DiskRequest& r) override {
    if (r.op == DiskOp::kFlush) completed_at_flush_start[r.id] = completed;
  }
  void on_data_moved(const DiskRequest& r, std::uint64_t offset, std::uint64_t length) override {
    if (!changes_content(r.op)) return;
    landings.push_back({r.id, r.op, offset, length,
                        r.op == DiskOp::kWrite ? image->read(offset, length) : ContentPayload(),
                        may_unmap == nullptr || may_unmap(r.offset)});
  }
  void on_request_end(const DiskRequest& r) override {
    completed.insert(r.id);
    if (r.op != DiskOp::kFlush || r.error != 0) return;
    const std::set<std::uint64_t>& before = completed_at_flush_start.at(r.id);
    for (std::size_t i = first_open; i < landings.size(); ++i) {
      if (before.count(landings[i].request) != 0) landings[i].durable = true;
    }
  }

  // What survives a power loss: the open landings that `keep` keeps.
  // `backing` (may be null) is attached where the disk's was.
  template <typename Keep>
  std::unique_ptr<DenseDisk> replay(const DiskOptions& o, const std::shared_ptr<DenseDisk>& backing,
                                    Keep keep) const {
    auto dense = std::make_unique<DenseDisk>(o);
    for (std::size_t i = 0; i < landings.size(); ++i) {
      const Landing& l = landings[i];
      if (i < first_open ? l.lost : !keep(l)) continue;
      if (attach_at && i >= *attach_at && dense->backing() == nullptr) {
        dense->attach_backing(backing);
      }
      EXPECT_TRUE(apply_change(*dense, l.op, l.offset, l.length, &l.data, l.may_unmap).ok());
    }
    if (attach_at && dense->backing() == nullptr) dense->attach_backing(backing);
    return dense;
  }
  std::unique_ptr<DenseDisk> durable(const DiskOptions& o,
                                     const std::shared_ptr<DenseDisk>& backing) const {
    return replay(o, backing, [](const Landing& l) { return l.durable; });
  }

  // Marks what a power loss drawn from (a copy of) `stream` drops, as
  // SimDisk documents it: per request, in issue (id) order.
  void power_loss(PowerLossMode mode, RandomStream stream) {
    std::set<std::uint64_t> open;  // requests with a volatile landing
    for (std::size_t i = first_open; i < landings.size(); ++i) {
      if (!landings[i].durable) open.insert(landings[i].request);
    }
    std::map<std::uint64_t, bool> kept_request;
    std::uint64_t survive =
        mode == PowerLossMode::kInOrderPrefix ? stream.between(0, open.size()) : 0;
    for (const std::uint64_t request : open) {
      bool keep = false;
      if (mode == PowerLossMode::kAnySubset) keep = stream.chance(0.5);
      if (mode == PowerLossMode::kInOrderPrefix && survive > 0) {
        keep = true;
        --survive;
      }
      kept_request[request] = keep;
    }
    for (std::size_t i = first_open; i < landings.size(); ++i) {
      Landing& l = landings[i];
      if (!l.durable) l.lost = !kept_request.at(l.request);
    }
    first_open = landings.size();
  }
};

}  // namespace mirrorsim::sim
