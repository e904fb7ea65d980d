#include "engine/block_device.h"

#include <cerrno>

namespace mirrorsim::engine {

std::string errno_name(int error) {
  switch (error) {
    case 0:
      return "OK";
    case EIO:
      return "EIO";
    case ENOSPC:
      return "ENOSPC";
    case EINVAL:
      return "EINVAL";
    default:
      return "errno " + std::to_string(error);
  }
}

}  // namespace mirrorsim::engine
