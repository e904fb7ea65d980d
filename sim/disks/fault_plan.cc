#include "sim/disks/fault_plan.h"

#include <stdexcept>
#include <utility>

namespace mirrorsim::sim {

void FaultRule::validate() const {
  auto fail = [this](const std::string& why) {
    throw std::invalid_argument("fault rule '" + describe() + "': " + why);
  };
  if (error != EIO && error != ENOSPC && error != EINVAL) {
    fail("error must be EIO, ENOSPC or EINVAL; got " + std::to_string(error));
  }
  if (!(probability >= 0.0 && probability <= 1.0)) fail("probability must be in [0, 1]");
  if (length_bytes == 0) fail("length_bytes must be positive (kWholeDisk for any range)");
  if (from_ns < 0 || from_ns > to_ns) fail("the time window must satisfy 0 <= from_ns <= to_ns");
  if (torn && op && !changes_content(*op)) {
    fail("torn needs op write, write_zeroes, discard or any; got " +
         std::string(disk_op_name(*op)));
  }
}

std::string FaultRule::describe() const {
  std::string out = op ? std::string(disk_op_name(*op)) : "any";
  if (length_bytes != kWholeDisk) {
    out += " [" + std::to_string(offset_bytes) + ", +" + std::to_string(length_bytes) + ")";
  } else if (offset_bytes != 0) {
    out += " [" + std::to_string(offset_bytes) + ", end)";
  }
  if (from_ns != 0 || to_ns != kForever) {
    out += " t[" + std::to_string(from_ns) + ", " +
           (to_ns == kForever ? std::string("inf") : std::to_string(to_ns)) + ")";
  }
  if (after != 0) out += " after " + std::to_string(after);
  if (probability != 1.0) out += " p=" + std::to_string(probability);
  if (once) out += " once";
  if (torn) out += " torn";
  return out + " " + errno_name(error);
}

FaultPlan::FaultPlan(std::vector<FaultRule> rules) {
  for (FaultRule& rule : rules) add(std::move(rule));
}

void FaultPlan::add(FaultRule rule) {
  rule.validate();
  rules_.push_back(std::move(rule));
  state_.emplace_back();
}

void FaultPlan::end_faults_at(engine::TimeNs time) {
  if (time < 0) throw std::invalid_argument("a fault plan cannot end before time 0");
  faults_end_ns_ = time;
}

bool FaultPlan::matches(const FaultRule& rule, const FaultQuery& request) {
  if (rule.op && *rule.op != request.op) return false;
  if (request.time < rule.from_ns || request.time >= rule.to_ns) return false;
  if (rule.length_bytes == kWholeDisk && rule.offset_bytes == 0) return true;
  if (request.op == DiskOp::kFlush) return false;
  const std::uint64_t rule_end =
      rule.length_bytes == kWholeDisk || rule.offset_bytes + rule.length_bytes < rule.offset_bytes
          ? UINT64_MAX
          : rule.offset_bytes + rule.length_bytes;
  return request.offset < rule_end && rule.offset_bytes < request.offset + request.length;
}

int FaultPlan::decide(const FaultQuery& request, RandomStream& stream, bool* torn) {
  if (request.time >= faults_end_ns_) return 0;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    RuleState& state = state_[i];
    if (!matches(rule, request)) continue;
    ++state.matches;
    if (state.matches <= rule.after) continue;
    if (rule.once && state.fired > 0) continue;
    const bool fire =
        rule.probability >= 1.0 || (rule.probability > 0.0 && stream.chance(rule.probability));
    if (!fire) return 0;
    ++state.fired;
    ++injected_;
    if (torn != nullptr) *torn = rule.torn;
    return rule.error;
  }
  return 0;
}

}  // namespace mirrorsim::sim
