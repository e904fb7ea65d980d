#include "sim/kernel/fiber_stack.h"

#ifdef MIRRORSIM_HAS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace mirrorsim::sim {

namespace {

// The whole mapping, guard page included: [sp - size, sp).
void clear_stack_shadow([[maybe_unused]] const boost::context::stack_context& context) {
#ifdef MIRRORSIM_HAS_ASAN
  __asan_unpoison_memory_region(static_cast<char*>(context.sp) - context.size, context.size);
#endif
}

}  // namespace

boost::context::stack_context FiberStackAllocator::allocate() {
  boost::context::stack_context context = inner_.allocate();
  // munmap keeps the shadow: a fresh mapping may lie where anything mapped
  // before (not only our stacks) left poison.
  clear_stack_shadow(context);
  last_->bottom = static_cast<const char*>(context.sp) - context.size;
  last_->size = context.size;
  return context;
}

void FiberStackAllocator::deallocate(boost::context::stack_context& context) noexcept {
  // Runs once the coroutine has left this stack for good, by a jump (see
  // the header): whatever poison its last frames left goes with the stack.
  clear_stack_shadow(context);
  inner_.deallocate(context);
}

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
