#include "sim/fiber_stack.h"

#ifdef MIRRORSIM_HAS_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace mirrorsim::sim {

#ifdef MIRRORSIM_HAS_ASAN
void fiber_switch_start(void** save, const StackBounds& to) {
  __sanitizer_start_switch_fiber(save, to.bottom, to.size);
}
void fiber_switch_finish(void* saved, StackBounds* from) {
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(saved, &bottom, &size);
  if (from != nullptr) *from = StackBounds{bottom, size};
}
#endif

}  // namespace mirrorsim::sim
