#include "sim/disks/disk_op.h"

namespace mirrorsim::sim {

std::string_view disk_op_name(DiskOp op) {
  switch (op) {
    case DiskOp::kRead:
      return "read";
    case DiskOp::kWrite:
      return "write";
    case DiskOp::kWriteZeroes:
      return "write_zeroes";
    case DiskOp::kDiscard:
      return "discard";
    case DiskOp::kFlush:
      return "flush";
  }
  return "unknown";
}

std::optional<DiskOp> parse_disk_op(std::string_view name) {
  for (DiskOp op :
       {DiskOp::kRead, DiskOp::kWrite, DiskOp::kWriteZeroes, DiskOp::kDiscard, DiskOp::kFlush}) {
    if (disk_op_name(op) == name) return op;
  }
  return std::nullopt;
}

}  // namespace mirrorsim::sim
