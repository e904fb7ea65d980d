// Invariant checks that throw instead of aborting.
//
// A campaign runs thousands of cases in one process; an abort would lose the
// counterexample. Every "must never happen" in mirrorsim goes through
// MIRRORSIM_ASSERT, which throws InvariantViolation with the file, line and a
// message; the simulation turns it into a run failure that can be shrunk.
#pragma once

#include <stdexcept>
#include <string>

namespace mirrorsim {

class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn, gnu::cold]] void throw_invariant_violation(const char* file, int line,
                                                       const char* condition,
                                                       const std::string& message);
// A literal message is passed as it is: no string is built at the call
// site, so a check on a hot path stays a compare and a jump when inlined.
[[noreturn, gnu::cold]] void throw_invariant_violation(const char* file, int line,
                                                       const char* condition, const char* message);

}  // namespace mirrorsim

#define MIRRORSIM_ASSERT(condition, message)                                             \
  do {                                                                                   \
    if (!(condition)) [[unlikely]] {                                                     \
      ::mirrorsim::throw_invariant_violation(__FILE__, __LINE__, #condition, (message)); \
    }                                                                                    \
  } while (false)
