#include "engine/invariant.h"

#include <cstring>

namespace mirrorsim {

void throw_invariant_violation(const char* file, int line, const char* condition,
                               const std::string& message) {
  // Keep the path short: the last two components are enough to find the line.
  const char* short_file = file;
  int slashes = 0;
  for (const char* p = file + std::strlen(file); p > file; --p) {
    if (p[-1] == '/' && ++slashes == 2) {
      short_file = p;
      break;
    }
  }
  throw InvariantViolation(std::string("invariant violated at ") + short_file + ":" +
                           std::to_string(line) + ": " + condition + ": " + message);
}

void throw_invariant_violation(const char* file, int line, const char* condition,
                               const char* message) {
  throw_invariant_violation(file, line, condition, std::string(message));
}

}  // namespace mirrorsim
