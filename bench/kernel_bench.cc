// Simulation kernel speed: event dispatch, coroutine switches, task spawn.
// Run: build/release/bench/kernel_bench
#include <benchmark/benchmark.h>

// Boost.Coroutine2's control block trips GCC 12's maybe-uninitialized
// analysis when its switch is inlined into a benchmark loop.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "engine/wait_queue.h"
#include "sim/kernel/fiber_stack.h"
#include "sim/kernel/scheduler.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::sim {
namespace {

// Schedule + dispatch of one event, with a standing queue of 1,024 events so
// the heap has realistic depth.
void BM_ScheduleAndDispatch(benchmark::State& state) {
  Scheduler scheduler;
  std::uint64_t fired = 0;
  for (int i = 0; i < 1024; ++i) scheduler.at(i, [&fired] { ++fired; });
  engine::TimeNs t = 1024;
  for (auto _ : state) {
    scheduler.at(t++, [&fired] { ++fired; });
    scheduler.step();
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScheduleAndDispatch);

// One resume + suspend of a coroutine: a task that yields with sleep_for(0).
// Each iteration is one full round trip (event loop -> task -> event loop).
void BM_CoroutineResumeSuspend(benchmark::State& state) {
  Simulation sim;
  bool done = false;
  std::uint64_t switches = 0;
  sim.spawn("yielder", [&] {
    while (!done) {
      ++switches;
      sim.sleep_for(0);
    }
  });
  for (auto _ : state) sim.scheduler().step();
  done = true;
  sim.run();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CoroutineResumeSuspend);

// The coroutine switch alone, as the runtime makes it: resume a pooled
// worker (Boost.Coroutine2 on a guard-paged stack) and let it suspend,
// without the event loop around it.
void BM_CoroutineSwitchOnly(benchmark::State& state) {
  using Coroutine = boost::coroutines2::coroutine<void>;
  auto bounds = std::make_shared<StackBounds>();
  FiberStackAllocator stacks(256 * 1024, bounds);
  bool done = false;
  Coroutine::push_type worker(stacks, [&](Coroutine::pull_type& yield) {
    while (!done) yield();
  });
  for (auto _ : state) worker();
  done = true;
  worker();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CoroutineSwitchOnly);

// Spawn + finish of a short task (it runs once and returns).
void BM_SpawnAndFinish(benchmark::State& state) {
  Simulation sim;
  std::uint64_t ran = 0;
  for (auto _ : state) {
    sim.spawn("short", [&ran] { ++ran; });
    sim.scheduler().step();
  }
  benchmark::DoNotOptimize(ran);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpawnAndFinish);

// Wake-one handoff between two tasks through a wait queue.
void BM_WaitQueuePingPong(benchmark::State& state) {
  Simulation sim;
  engine::WaitQueue ping(sim, "ping");
  bool done = false;
  sim.spawn("ponger", [&] {
    while (!done) ping.wait();
  });
  sim.spawn("pinger", [&] {
    while (!done) {
      ping.wake_one();
      sim.sleep_for(0);
    }
  });
  for (auto _ : state) sim.scheduler().step();
  done = true;
  ping.wake_all();
  sim.stop();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WaitQueuePingPong);

}  // namespace
}  // namespace mirrorsim::sim
