#include "properties/crash_safety.h"

#include <fmt/core.h>

#include "properties/content_provenance.h"

namespace mirrorsim::properties {

GuestDurability::GuestDurability(sim::GuestView initial) {
  acked_.changed = RangeMask(initial.length());
  acked_.content = std::move(initial);
}

void GuestDurability::write_started(std::uint64_t number, std::uint64_t offset,
                                    std::uint64_t length) {
  writes_[number] = Range{offset, length};
}

void GuestDurability::write_ended(std::uint64_t number) {
  const auto it = writes_.find(number);
  if (it == writes_.end()) return;
  const Range r = it->second;
  writes_.erase(it);
  acked_.changed.add(r.offset, r.length);
  for (auto& [n, flush] : flushes_) flush.changed.add(r.offset, r.length);
}

void GuestDurability::flush_started(std::uint64_t number, engine::TimeNs time, sim::GuestView now) {
  Point p;
  p.time = time;
  p.changed = RangeMask(now.length());
  // Writes in flight now may land after the snapshot or not at all.
  for (const auto& [n, r] : writes_) p.changed.add(r.offset, r.length);
  p.content = std::move(now);
  flushes_[number] = std::move(p);
}

void GuestDurability::flush_ended(std::uint64_t number, bool ok) {
  const auto it = flushes_.find(number);
  if (it == flushes_.end()) return;
  if (ok && it->second.time > acked_.time) acked_ = std::move(it->second);
  flushes_.erase(it);
}

std::optional<sim::Difference> GuestDurability::lost(const sim::GuestView& disk) const {
  RangeMask mask = acked_.changed;
  for (const auto& [n, r] : writes_) mask.add(r.offset, r.length);
  return mask.difference(disk, acked_.content);
}

Verdict check_crash_safety(const CrashSafetyFacts& f) {
  Verdict v;
  v.property = std::string(property::kCrashSafety);
  if (f.checks.empty()) {
    v.message = "no power loss";
    return v;
  }
  for (const CrashCheck& c : f.checks) {
    if (!c.difference) continue;
    const std::string acked =
        c.acknowledged_at < 0 ? std::string("there before the run")
                              : fmt::format("acknowledged by the guest flush started at t={:.6f} s",
                                            static_cast<double>(c.acknowledged_at) / 1e9);
    v.status = VerdictStatus::kViolated;
    v.message =
        fmt::format("after the power loss at t={:.6f} s ({} the pivot) {} lost content {}: {}",
                    static_cast<double>(c.time) / 1e9, c.after_pivot ? "after" : "before",
                    c.after_pivot ? "the target" : "the source", acked,
                    describe_difference(*c.difference, c.after_pivot ? "the target" : "the source",
                                        "the acknowledged content", nullptr));
    return v;
  }
  v.status = VerdictStatus::kHolds;
  v.message = fmt::format("{} power loss(es)", f.checks.size());
  return v;
}

}  // namespace mirrorsim::properties
