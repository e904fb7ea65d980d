// The verdict of one property on one run.
#pragma once

#include <optional>
#include <span>
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
inline constexpr std::string_view kDurableCompletion = "durable-completion";
inline constexpr std::string_view kFlushProtocol = "flush-protocol";
inline constexpr std::string_view kCrashSafety = "crash-safety";
// Not verdicts of one run but failures a campaign finds about a case: its
// process died ("crash"), or two runs gave different event-log hashes.
inline constexpr std::string_view kCrash = "crash";
inline constexpr std::string_view kDeterminism = "determinism";
}  // namespace property

// Every property of a run, in report order, with what it checks in one line
// (`mirrorsim list properties`).
struct PropertyInfo {
  std::string_view name;
  std::string_view meaning;
};
std::span<const PropertyInfo> property_list();

const Verdict* first_violation(const std::vector<Verdict>& verdicts);

// `check --skip-property`: each violation of a property in `names` becomes
// not applicable, its message kept after "set aside (--skip-property): ".
void set_aside(std::vector<Verdict>& verdicts, std::span<const std::string> names);

// What kind of failure a failed property is. Each kind has its own exit
// code (cli/exit_codes.h). In order of severity, least severe first: when
// several properties failed, the most severe kind names the run or the
// campaign. A wrong copy is worse than a stuck one; a crash left the run's
// properties unjudged; a determinism mismatch makes every replay suspect.
enum class FailureKind { kLiveness, kCorrectness, kCrash, kDeterminism };
std::string_view failure_kind_name(FailureKind kind);  // "liveness", "correctness", ...
// By property name: "liveness"; "no-crash" and "crash"; "determinism"; every
// other property (state machine, error policy, bounds, equalities) is a
// correctness property.
FailureKind failure_kind(std::string_view property);
// The more severe of the two.
FailureKind most_severe(FailureKind a, FailureKind b);
// The most severe kind among the violated verdicts; none when none is.
std::optional<FailureKind> failure_kind(const std::vector<Verdict>& verdicts);

}  // namespace mirrorsim::properties
