#include "engine/guest_drain.h"

#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::engine {

GuestDrain::GuestDrain(Runtime& runtime, std::string gate_name)
    : runtime_(runtime),
      gate_(runtime, std::move(gate_name)),
      quiet_(runtime, "guest requests to finish (drain)") {}

void GuestDrain::enter() {
  gate_.wait_until([this] { return !drained_; });
  ++in_flight_;
}

void GuestDrain::leave() {
  MIRRORSIM_ASSERT(in_flight_ > 0, "guest request count underflow");
  if (--in_flight_ == 0) quiet_.wake_all();
}

void GuestDrain::begin(InFlight in_flight) {
  MIRRORSIM_ASSERT(!drained_, "nested drain");
  drained_ = true;
  closed_at_ = runtime_.now();
  if (in_flight == InFlight::kWait) quiet_.wait_until([this] { return in_flight_ == 0; });
}

void GuestDrain::end() {
  MIRRORSIM_ASSERT(drained_, "drain_end without drain_begin");
  drained_ = false;
  gate_.wake_all();
}

}  // namespace mirrorsim::engine
