#include "engine/profile.h"

namespace mirrorsim::engine {

std::string_view profile_name(Profile profile) {
  return profile == Profile::kQemu72 ? "qemu-7.2" : "default";
}

std::optional<Profile> parse_profile(std::string_view name) {
  for (Profile p : {Profile::kDefault, Profile::kQemu72}) {
    if (profile_name(p) == name) return p;
  }
  return std::nullopt;
}

BugSet profile_literals(Profile profile) {
  BugSet set;
  if (profile == Profile::kQemu72) {
    // v7.2.0 block/mirror.c mirror_co_read():355 calls mirror_cow_align()
    // (:273), which widens the op with no mirror_wait_on_conflicts().
    set.add(Bug::kCowWidenAfterInflightCheck);
    // Not active-starves-background: its fix d69a879b is in v7.2.0
    // (mirror_run():1024 waits only on in_flight, not on active writes).
  }
  return set;
}

}  // namespace mirrorsim::engine
