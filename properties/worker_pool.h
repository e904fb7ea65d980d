// Worker processes that run campaign cases handed out a few at a time.
//
// The parent owns the case numbers: it assigns each worker at most
// kAssignedPerWorker cases ahead (so a worker never waits for the parent and
// memory stays flat whatever the case count), and hears "S <case>" when a
// case starts and an encoded outcome when it ends (case_protocol.h).
//
// Guarantees:
//  1. Every assigned case is accounted for: it is reported as an outcome, or
//     it comes back in a Death, as the case that was running when the worker
//     died (`running`) or as one it never started (`unstarted`).
//  2. A worker that ends for any reason the pool did not cause (a signal, the
//     OOM killer, an exit) is a Death, even when it held no case.
//  3. Workers die with the parent (PR_SET_PDEATHSIG) and ignore SIGINT.
// Creating a pool ignores SIGPIPE in this process: a worker's death is
// learnt by reading its pipe, never by a signal.
// Single-threaded: call from the campaign loop only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "properties/case_protocol.h"

namespace mirrorsim::properties {

struct WorkerDeath {
  int pid = 0;
  std::string how;                         // "was killed by signal 9 (Killed)"
  std::optional<std::uint64_t> running;    // the case it had started, if any
  std::optional<std::uint64_t> last_case;  // the last case it reported, if any
  std::vector<std::uint64_t> unstarted;    // assigned, never started: run them again
};

class WorkerPool {
 public:
  static constexpr std::size_t kAssignedPerWorker = 2;

  // `run` is called in the worker process for each case number.
  WorkerPool(int workers, std::function<CaseOutcome(std::uint64_t)> run);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // True when some worker can take another case.
  bool has_room() const;
  // Gives `index` to the least-loaded worker, starting one when needed.
  void assign(std::uint64_t index);
  // Cases assigned and not yet reported.
  std::size_t in_flight() const;

  // Waits up to `timeout_ms` for news; returns what arrived. An interrupt
  // (EINTR) returns early with whatever was read.
  struct News {
    std::vector<CaseOutcome> outcomes;
    std::vector<WorkerDeath> deaths;
  };
  News wait(int timeout_ms);

  // Kills every worker; returns the cases they held (not reported).
  std::vector<std::uint64_t> stop_all();

 private:
  struct Worker {
    pid_t pid = -1;
    int to_worker = -1;
    int from_worker = -1;
    std::deque<std::uint64_t> assigned;
    std::optional<std::uint64_t> running;
    std::optional<std::uint64_t> last_case;
    std::string buffer;
  };
  void start(Worker& w);
  void read_from(Worker& w, News& news);
  void close_fds(Worker& w);
  [[noreturn]] void worker_main(int in_fd, int out_fd);

  std::function<CaseOutcome(std::uint64_t)> run_;
  std::vector<Worker> workers_;
};

}  // namespace mirrorsim::properties
