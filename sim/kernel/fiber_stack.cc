#include "sim/kernel/fiber_stack.h"

#include <vector>

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

// Stacks freed on this thread, kept for its next simulations: a campaign
// builds a Simulation per case, and a fresh guard-paged stack (mmap,
// mprotect, a page fault per page touched, munmap) cost a small case more
// system time than its own work. Capped, so memory stays flat.
class StackPool {
 public:
  static constexpr std::size_t kMaxStacks = 32;
  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool() {
    for (Kept& kept : kept_)
      boost::context::protected_fixedsize_stack(kept.asked).deallocate(kept.context);
  }
  // A kept stack made for `asked` bytes, if any.
  bool take(std::size_t asked, boost::context::stack_context& out) {
    for (std::size_t i = kept_.size(); i-- > 0;) {
      if (kept_[i].asked != asked) continue;
      out = kept_[i].context;
      kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
    return false;
  }
  // Keeps `context` unless the pool is full.
  bool give(std::size_t asked, const boost::context::stack_context& context) {
    if (kept_.size() >= kMaxStacks) return false;
    kept_.push_back({asked, context});
    return true;
  }

 private:
  struct Kept {
    std::size_t asked = 0;
    boost::context::stack_context context;
  };
  std::vector<Kept> kept_;
};

thread_local StackPool stack_pool;

}  // namespace

boost::context::stack_context FiberStackAllocator::allocate() {
  boost::context::stack_context context;
  if (!stack_pool.take(stack_bytes_, context)) context = inner_.allocate();
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
  if (!stack_pool.give(stack_bytes_, context)) inner_.deallocate(context);
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
