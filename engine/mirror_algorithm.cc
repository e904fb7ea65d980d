#include "engine/mirror_algorithm.h"

#include <utility>

#include "engine/io_mirror_job.h"
#include "engine/mirror_job.h"
#include "engine/precopy_job.h"
#include "engine/snapshot_job.h"

namespace mirrorsim::engine {

std::unique_ptr<MirrorAlgorithm> make_mirror_algorithm(Runtime& runtime, BlockDevice& source,
                                                       BlockDevice& target, MirrorParams params,
                                                       JobObserver* observer,
                                                       MirrorAlgorithm::PivotHook pivot) {
  switch (params.algorithm) {
    case Algorithm::kIoMirror:
      return std::make_unique<IoMirrorJob>(runtime, source, target, std::move(params), observer,
                                           std::move(pivot));
    case Algorithm::kSnapshot:
      return std::make_unique<SnapshotJob>(runtime, source, target, std::move(params), observer,
                                           std::move(pivot));
    case Algorithm::kPrecopy:
      return std::make_unique<PrecopyJob>(runtime, source, target, std::move(params), observer,
                                          std::move(pivot));
    case Algorithm::kQemu:
      break;
  }
  return std::make_unique<MirrorJob>(runtime, source, target, std::move(params), observer,
                                     std::move(pivot));
}

}  // namespace mirrorsim::engine
