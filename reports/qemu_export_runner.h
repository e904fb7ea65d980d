// The part of `export qemu`'s replay.py that is the same for every case: a
// Python 3 interpreter of the CASE (a JSON document the exporter writes
// above it): it builds the images, starts QEMU with QMP on a unix socket
// and blkdebug on both disks, runs CASE["steps"] (guest requests, QMP
// commands, arming, waiting for and releasing blkdebug holds, speed kicks,
// waits on QEMU's trace log) and ends with `qemu-img compare` and a verdict.
#pragma once

#include <string_view>

namespace mirrorsim::reports {

extern const std::string_view kQemuExportRunner;

}  // namespace mirrorsim::reports
