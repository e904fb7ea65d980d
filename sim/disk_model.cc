#include "sim/disk_model.h"

#include <stdexcept>

namespace mirrorsim::sim {

void check_request(const DiskModel& disk, const char* what, std::uint64_t offset,
                   std::uint64_t length) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("disk '" + disk.name() + "': " + what + " at offset " +
                                std::to_string(offset) + " length " + std::to_string(length) +
                                ": " + why);
  };
  if (offset % kSectorSize != 0 || length % kSectorSize != 0) {
    fail("offset and length must be multiples of 512");
  }
  if (length == 0) fail("length must be positive");
  if (offset > disk.length() || length > disk.length() - offset) {
    fail("range ends past the disk end (" + std::to_string(disk.length()) + ")");
  }
}

void check_attach(const DiskModel& disk, const DiskModel& backing) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("disk '" + disk.name() + "': cannot attach backing '" +
                                backing.name() + "': " + why);
  };
  if (!disk.options().clustered()) fail("a raw disk has no backing image");
  if (disk.backing() != nullptr) fail("a backing image is attached already");
  const std::string& named = disk.options().backing_name;
  if (!named.empty() && named != backing.name()) fail("the disk names '" + named + "'");
  for (const DiskModel* layer = &backing; layer != nullptr; layer = layer->backing()) {
    if (layer == &disk) fail("the disk would be its own backing");
  }
}

}  // namespace mirrorsim::sim
