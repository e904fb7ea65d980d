// The command's exit codes, one meaning each.
#pragma once

namespace mirrorsim::cli {

constexpr int kExitPassed = 0;    // every property held
constexpr int kExitViolated = 1;  // a property was violated (or a bug escaped)
constexpr int kExitBadInput = 2;  // flags, scenario files or traces are wrong
constexpr int kExitInternal = 3;  // mirrorsim itself failed

}  // namespace mirrorsim::cli
