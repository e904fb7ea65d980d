#include "sim/disks/disk_model.h"

#include <stdexcept>

#include "engine/invariant.h"

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

engine::IoStatus apply_change(DiskModel& disk, DiskOp op, std::uint64_t offset,
                              std::uint64_t length, const ContentPayload* data, bool may_unmap) {
  switch (op) {
    case DiskOp::kWrite:
      MIRRORSIM_ASSERT(data != nullptr && data->length() == length,
                       "disk '" + disk.name() + "': a write to apply needs its data");
      return disk.write(offset, *data);
    case DiskOp::kWriteZeroes:
      return disk.write_zeroes(offset, length, may_unmap);
    case DiskOp::kDiscard:
      return disk.discard(offset, length);
    case DiskOp::kRead:
    case DiskOp::kFlush:
      break;
  }
  ::mirrorsim::throw_invariant_violation(
      __FILE__, __LINE__, "changes_content(op)",
      "disk '" + disk.name() + "': " + std::string(disk_op_name(op)) + " changes no content");
}

}  // namespace mirrorsim::sim
