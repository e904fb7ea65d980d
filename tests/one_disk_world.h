// The smallest simulated world for disk tests: one simulation (its log kept)
// and one SimDisk over a DiskImage, optionally with a backing image attached
// from the start. Test files add their own helpers by deriving from it.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/sim_disk.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::sim {

struct OneDiskWorld {
  static constexpr std::uint32_t kDiskId = 9;

  Simulation sim;
  ContentSource content;
  std::shared_ptr<DiskImage> image;
  SimDisk disk;

  explicit OneDiskWorld(DiskOptions options, std::uint64_t seed = 1,
                        std::shared_ptr<DiskImage> backing = nullptr)
      : sim(SimulationOptions{.seed = seed, .retain_log = true}),
        image(make_image(std::move(options), std::move(backing))),
        disk(sim, content, kDiskId, image) {}

  static std::shared_ptr<DiskImage> make_image(DiskOptions options,
                                               std::shared_ptr<DiskImage> backing) {
    auto image = std::make_shared<DiskImage>(std::move(options));
    if (backing) image->attach_backing(std::move(backing));
    return image;
  }
};

}  // namespace mirrorsim::sim
