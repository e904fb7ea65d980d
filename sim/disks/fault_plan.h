// Which requests of one disk fail, and with what error.
//
// A plan is an ordered list of rules. For each request, rules are examined in
// order; a rule *matches* when the operation kind, the byte range and the
// time window all fit; each rule counts the requests it matches (rules after
// the one that decides are not examined, so they do not count). A matching rule
// whose first `after` matches have not yet passed, or a `once` rule that has
// fired already, steps aside and the next rule is examined. The first rule
// that does not step aside decides: it fires with its probability (always
// for 1, never for 0; otherwise one draw from the caller's fault stream) and
// the request fails with its errno, or it does not fire and the request
// succeeds, whatever later rules say. No rule deciding means no fault.
//
// A plan may have an end: from `faults_end_ns` on, no request fails (no
// rule is examined, nothing is drawn), so a run can end with a fault-free
// phase in which the job must converge (TigerBeetle's VOPR: a faulty phase,
// then faults off and liveness required).
//
// Deterministic: the same rules, requests and stream give the same
// decisions. Faults are kept apart from content: a plan decides, the disk
// applies (a failed write changes nothing) and logs each injected fault.
// Running out of a thin disk's capacity is the disk's state, not a rule.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/block_device.h"
#include "engine/runtime.h"
#include "sim/disks/disk_op.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {

inline constexpr std::uint64_t kWholeDisk = UINT64_MAX;
inline constexpr engine::TimeNs kForever = INT64_MAX;

struct FaultRule {
  std::optional<DiskOp> op = std::nullopt;  // nullopt: any kind
  // The request must overlap [offset_bytes, offset_bytes + length_bytes). kWholeDisk: to the
  // end of the disk, and with offset_bytes 0 any request. A flush has no range, so
  // a rule with a range (not the whole disk) never matches one.
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = kWholeDisk;
  // The request must start in [from_ns, to_ns).
  engine::TimeNs from_ns = 0;
  engine::TimeNs to_ns = kForever;
  // The first `after` matching requests pass: with after = N the rule can
  // fire from the (N+1)th match on.
  std::uint64_t after = 0;
  // Chance that the rule fires when it decides, in [0, 1].
  double probability = 1.0;
  // Fire at most once; afterwards the rule steps aside.
  bool once = false;
  // EIO, ENOSPC or EINVAL.
  int error = EIO;
  // A torn failure: the failing write, zero write or discard first lands on
  // a seeded subset of its pieces (see sim_disk.h), allocating clusters.
  // REQUIRES op is nullopt or one of those three (any op: reads and flushes
  // then fail untorn).
  bool torn = false;

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
  // "write [0, +4096) t[0, 1000) after 2 p=0.5 once EIO": for logs and messages.
  std::string describe() const;

  bool operator==(const FaultRule&) const = default;
};

// What the plan needs to know of a request.
struct FaultQuery {
  DiskOp op = DiskOp::kRead;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // 0 for a flush
  engine::TimeNs time = 0;   // when the request starts
};

class FaultPlan {
 public:
  FaultPlan() = default;
  // Throws std::invalid_argument when a rule is invalid.
  explicit FaultPlan(std::vector<FaultRule> rules);

  void add(FaultRule rule);
  // No request starting at or after `time` fails. REQUIRES: time >= 0.
  void end_faults_at(engine::TimeNs time);
  engine::TimeNs faults_end_ns() const { return faults_end_ns_; }

  // The errno to inject into this request, or 0 (see the header comment).
  // When it injects one and `torn` is given, *torn says whether the rule
  // that fired asks for a torn failure.
  int decide(const FaultQuery& request, RandomStream& stream, bool* torn = nullptr);

  std::span<const FaultRule> rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }
  // Requests that rule `index` matched, and how often it fired.
  std::uint64_t matches(std::size_t index) const { return state_.at(index).matches; }
  std::uint64_t fired(std::size_t index) const { return state_.at(index).fired; }
  std::uint64_t injected() const { return injected_; }

 private:
  struct RuleState {
    std::uint64_t matches = 0;
    std::uint64_t fired = 0;
  };
  static bool matches(const FaultRule& rule, const FaultQuery& request);

  std::vector<FaultRule> rules_;
  std::vector<RuleState> state_;
  engine::TimeNs faults_end_ns_ = kForever;
  std::uint64_t injected_ = 0;
};

using engine::errno_name;

}  // namespace mirrorsim::sim
