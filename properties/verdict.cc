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

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kLiveness:
      return "liveness";
    case FailureKind::kCorrectness:
      return "correctness";
    case FailureKind::kCrash:
      return "crash";
    case FailureKind::kDeterminism:
      return "determinism";
  }
  return "?";
}

FailureKind failure_kind(std::string_view property) {
  if (property == property::kLiveness) return FailureKind::kLiveness;
  if (property == property::kNoCrash || property == property::kCrash) return FailureKind::kCrash;
  if (property == property::kDeterminism) return FailureKind::kDeterminism;
  return FailureKind::kCorrectness;
}

FailureKind most_severe(FailureKind a, FailureKind b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

std::optional<FailureKind> failure_kind(const std::vector<Verdict>& verdicts) {
  std::optional<FailureKind> kind;
  for (const Verdict& v : verdicts) {
    if (!v.violated()) continue;
    const FailureKind k = failure_kind(v.property);
    kind = kind ? most_severe(*kind, k) : k;
  }
  return kind;
}

}  // namespace mirrorsim::properties
