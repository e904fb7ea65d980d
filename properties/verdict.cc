#include "properties/verdict.h"

#include <algorithm>
#include <array>

namespace mirrorsim::properties {

std::span<const PropertyInfo> property_list() {
  static constexpr std::array<PropertyInfo, 10> kList = {{
      {property::kNoCrash, "the run did not throw (an engine invariant) or die"},
      {property::kLiveness, "READY and the end within bounds; a stall is a failure, never a hang"},
      {property::kStateMachine, "only legal job transitions; events consistent with states"},
      {property::kErrorPolicy, "report fails the job without pivot; ignore and stop converge"},
      {property::kBounds,
       "buffer <= buf-size, <= 16 background ops, no overlapping target writes, rate limit"},
      {property::kCompletionEquality, "after the pivot the target reads as the source"},
      {property::kPointInTimeCopy,
       "after a soft cancel past READY the target equals the source at some instant"},
      {property::kDurableCompletion,
       "target write cache: at READY and the pivot the target's durable content equals the "
       "source, but for writes in flight through the job"},
      {property::kFlushProtocol,
       "target write cache: a successful target flush started after the last target write "
       "the job relied on, before READY and before the pivot"},
      {property::kCrashSafety,
       "after a power loss the guest's disk (source before the pivot, target after) holds "
       "every write a guest flush acknowledged"},
  }};
  return kList;
}

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

void set_aside(std::vector<Verdict>& verdicts, std::span<const std::string> names) {
  for (Verdict& v : verdicts) {
    if (v.violated() && std::find(names.begin(), names.end(), v.property) != names.end()) {
      v.status = VerdictStatus::kNotApplicable;
      v.message = "set aside (--skip-property): " + v.message;
    }
  }
}

}  // namespace mirrorsim::properties
