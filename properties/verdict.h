// The verdict of one property on one run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mirrorsim::properties {

// kInconclusive: the run reached its limit while still making progress; it
// neither held nor was violated (a slow case, not a bug).
enum class VerdictStatus { kHolds, kViolated, kNotApplicable, kInconclusive };
std::string_view verdict_status_name(VerdictStatus status);

struct Verdict {
  std::string property;  // e.g. "completion-equality"
  VerdictStatus status = VerdictStatus::kNotApplicable;
  std::string message;  // what differed and where, or why it does not apply

  bool violated() const { return status == VerdictStatus::kViolated; }
};

// The properties, in the order they are reported.
namespace property {
inline constexpr std::string_view kNoCrash = "no-crash";
inline constexpr std::string_view kLiveness = "liveness";
inline constexpr std::string_view kStateMachine = "state-machine";
inline constexpr std::string_view kErrorPolicy = "error-policy";
inline constexpr std::string_view kBounds = "bounds";
inline constexpr std::string_view kCompletionEquality = "completion-equality";
inline constexpr std::string_view kPointInTimeCopy = "point-in-time-copy";
}  // namespace property

const Verdict* first_violation(const std::vector<Verdict>& verdicts);

}  // namespace mirrorsim::properties
