// The command's exit codes, one meaning each.
//
// A found failure has a code per kind (properties/verdict.h FailureKind),
// as TigerBeetle's VOPR has one per kind of failure; the codes are small so
// that they never read as a shell's 126/127 or a signal's 128 + N:
//   0    passed: every property held
//   1    correctness: a safety property was violated (state machine, error
//        policy, bounds, completion equality, point-in-time copy)
//   2    bad input: flags, scenario files, traces, saved failures that do
//        not load
//   3    internal: mirrorsim itself failed, could not write its results, or
//        lost cases or workers
//   4    inconclusive (`run` only): the run hit its limit still progressing
//        (a job outrun by its guest is not inconclusive: it passed, 0)
//   5    liveness: the job stalled, spun without progress, or never ended
//   6    crash: the run threw (an engine invariant), or its process died
//   7    determinism: one seed gave two different event-log hashes
//   130  interrupted by SIGINT or SIGTERM (`check`, `mutants`)
// When several failures of different kinds were found (a campaign, or one
// run that violated several properties) the most severe kind gives the
// code: determinism > crash > correctness > liveness.
#pragma once

#include "properties/verdict.h"

namespace mirrorsim::cli {

constexpr int kExitPassed = 0;       // every property held
constexpr int kExitCorrectness = 1;  // a safety property was violated
constexpr int kExitBadInput = 2;     // flags, scenario files or traces are wrong
constexpr int kExitInternal = 3;     // mirrorsim itself failed (or could not write its results)
// `run` only: no property was violated, but the run hit its time or event
// limit while the job was still making progress, so liveness is undecided
// (raise [limits] to let it finish). A campaign counts such cases apart and
// does not fail on them.
constexpr int kExitInconclusive = 4;
constexpr int kExitLiveness = 5;     // stalled, no progress, or never ended
constexpr int kExitCrash = 6;        // the run threw or its process died
constexpr int kExitDeterminism = 7;  // one seed, two event-log hashes
// SIGINT or SIGTERM stopped a campaign; what it had is in summary.json
// ("interrupted": true). 128 + SIGINT, as shells report it.
constexpr int kExitInterrupted = 130;
// `mutants` only: a catalogued bug escaped the campaign.
constexpr int kExitBugEscaped = 1;

constexpr int exit_code_of(properties::FailureKind kind) {
  switch (kind) {
    case properties::FailureKind::kLiveness:
      return kExitLiveness;
    case properties::FailureKind::kCorrectness:
      return kExitCorrectness;
    case properties::FailureKind::kCrash:
      return kExitCrash;
    case properties::FailureKind::kDeterminism:
      return kExitDeterminism;
  }
  return kExitInternal;
}

// The table above, for `mirrorsim --help`.
inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 passed, 1 correctness property violated, 2 bad input, 3 internal error,\n"
    "4 inconclusive (run), 5 liveness failure, 6 crash, 7 determinism mismatch,\n"
    "130 interrupted. Several failures: the most severe kind, in the order\n"
    "determinism > crash > correctness > liveness. mutants: 1 when a bug escaped.";

}  // namespace mirrorsim::cli
