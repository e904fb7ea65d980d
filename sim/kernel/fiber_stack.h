// Coroutine stacks and the sanitizer's view of stack switches.
//
// AddressSanitizer keeps a notion of "the current stack". Boost.Context's
// fcontext switches stacks behind its back, so an exception thrown on a
// coroutine stack (a task failing, or a task being unwound at teardown)
// leaves stale poison that later shows up as false reports. The runtime
// therefore announces every switch (start before, finish after), as the
// sanitizer's fiber interface asks. In builds without ASan these are no-ops.
//
// A coroutine's stack also ends without a return: destroying a Boost
// coroutine (even a finished one) resumes it to throw forced_unwind there,
// and its outermost frames, Boost's fiber entry, leave by a context jump and
// never return. The runtime announces that last round trip too
// (Simulation::destroy_coroutine), but the shadow of those frames (redzones,
// scope markers) stays poisoned, and munmap does not clear it: the next
// mapping at that address (a later worker's stack, or any allocation) trips
// over it (a false report within about a thousand cases run in one process).
// FiberStackAllocator therefore clears the shadow of every stack it frees,
// and of every stack it hands out.
//
// FiberStackAllocator hands out guard-paged stacks (an overflow faults
// instead of corrupting a neighbour) and records where each one lies, so
// that the switch announcements can name it.
#pragma once

#include <cstddef>
#include <memory>

#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/context/stack_context.hpp>

namespace mirrorsim::sim {

struct StackBounds {
  const void* bottom = nullptr;  // lowest address
  std::size_t size = 0;
};

class FiberStackAllocator {
 public:
  // Each allocation's bounds are written to *last (shared by copies, since
  // Boost copies the allocator into the coroutine).
  FiberStackAllocator(std::size_t stack_bytes, std::shared_ptr<StackBounds> last)
      : inner_(stack_bytes), stack_bytes_(stack_bytes), last_(std::move(last)) {}

  // Both clear the stack's sanitizer shadow (no-ops without ASan). Freed
  // stacks are kept for reuse on the same thread (a few dozen at most).
  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& context) noexcept;

 private:
  boost::context::protected_fixedsize_stack inner_;
  std::size_t stack_bytes_;
  std::shared_ptr<StackBounds> last_;
};

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIRRORSIM_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MIRRORSIM_HAS_ASAN 1
#endif

#ifdef MIRRORSIM_HAS_ASAN
// Announces a switch to the stack `to`; `save` keeps the leaving stack's
// fake-stack handle (nullptr when the leaving coroutine is finished).
void fiber_switch_start(void** save, const StackBounds& to);
// Completes a switch; `from` (optional) receives the bounds of the stack left.
void fiber_switch_finish(void* saved, StackBounds* from);
#else
// Without ASan there is nothing to announce; inline, as every switch calls them.
inline void fiber_switch_start(void**, const StackBounds&) {}
inline void fiber_switch_finish(void*, StackBounds*) {}
#endif

}  // namespace mirrorsim::sim
