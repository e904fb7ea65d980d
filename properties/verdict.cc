#include "properties/verdict.h"

namespace mirrorsim::properties {

std::string_view verdict_status_name(VerdictStatus status) {
  switch (status) {
    case VerdictStatus::kHolds:
      return "holds";
    case VerdictStatus::kViolated:
      return "VIOLATED";
    case VerdictStatus::kNotApplicable:
      return "n/a";
    case VerdictStatus::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

const Verdict* first_violation(const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts) {
    if (v.violated()) return &v;
  }
  return nullptr;
}

}  // namespace mirrorsim::properties
