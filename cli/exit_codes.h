// The command's exit codes, one meaning each.
#pragma once

namespace mirrorsim::cli {

constexpr int kExitPassed = 0;    // every property held
constexpr int kExitViolated = 1;  // a property was violated (or a bug escaped)
constexpr int kExitBadInput = 2;  // flags, scenario files or traces are wrong
constexpr int kExitInternal = 3;  // mirrorsim itself failed (or could not write its results)
// `run` only: no property was violated, but the run hit its time or event
// limit while the job was still making progress, so liveness is undecided
// (raise [limits] to let it finish). A campaign counts such cases apart and
// does not fail on them.
constexpr int kExitInconclusive = 4;
// SIGINT or SIGTERM stopped a campaign; what it had is in summary.json
// ("interrupted": true). 128 + SIGINT, as shells report it.
constexpr int kExitInterrupted = 130;

}  // namespace mirrorsim::cli
