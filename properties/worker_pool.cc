#include "properties/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

#include "properties/interrupt.h"

namespace mirrorsim::properties {
namespace {

[[noreturn]] void os_failure(std::string_view what) {
  throw std::runtime_error(fmt::format("campaign: {}: {}", what, std::strerror(errno)));
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

WorkerPool::WorkerPool(int workers, std::function<CaseOutcome(std::uint64_t)> run)
    : run_(std::move(run)), workers_(static_cast<std::size_t>(std::max(1, workers))) {
  // Writing a case number to a worker that just died must be an error
  // (EPIPE, then the death is read), not a SIGPIPE that ends the campaign.
  ::signal(SIGPIPE, SIG_IGN);
}

WorkerPool::~WorkerPool() {
  stop_all();
}

bool WorkerPool::has_room() const {
  return std::any_of(workers_.begin(), workers_.end(),
                     [](const Worker& w) { return w.assigned.size() < kAssignedPerWorker; });
}

std::size_t WorkerPool::in_flight() const {
  std::size_t n = 0;
  for (const Worker& w : workers_) n += w.assigned.size();
  return n;
}

void WorkerPool::assign(std::uint64_t index) {
  auto w = std::min_element(workers_.begin(), workers_.end(), [](const Worker& a, const Worker& b) {
    return a.assigned.size() < b.assigned.size();
  });
  if (w->pid < 0) start(*w);
  w->assigned.push_back(index);
  if (!write_all(w->to_worker, fmt::format("{}\n", index))) {
    // The worker is gone; wait() will find its death and hand the case back.
  }
}

void WorkerPool::start(Worker& w) {
  int to[2];
  int from[2];
  if (::pipe2(to, O_CLOEXEC) != 0) os_failure("pipe");
  if (::pipe2(from, O_CLOEXEC) != 0) {
    ::close(to[0]);
    ::close(to[1]);
    os_failure("pipe");
  }
  const int parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) os_failure("fork");
  if (pid == 0) {
    // Other workers' pipes must not stay open in this one.
    for (Worker& other : workers_) close_fds(other);
    ::close(to[1]);
    ::close(from[0]);
    // Named by role, so `ps` (and a test that kills workers) can tell.
    ::prctl(PR_SET_NAME, "mirrorsim-work");
    prepare_worker_signals(parent);
    worker_main(to[0], from[1]);
  }
  ::close(to[0]);
  ::close(from[1]);
  w.pid = pid;
  w.to_worker = to[1];
  w.from_worker = from[0];
  w.buffer.clear();
  w.running.reset();
  w.last_case.reset();
}

void WorkerPool::worker_main(int in_fd, int out_fd) {
  std::string pending;
  char buffer[4096];
  for (;;) {
    std::size_t eol;
    while ((eol = pending.find('\n')) == std::string::npos) {
      const ssize_t n = ::read(in_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(0);  // the parent closed the pipe: no more work
      pending.append(buffer, static_cast<std::size_t>(n));
    }
    const std::uint64_t index = std::stoull(pending.substr(0, eol));
    pending.erase(0, eol + 1);
    if (!write_all(out_fd, fmt::format("S {}\n", index))) ::_exit(1);
    ::alarm(kCaseWallLimitSeconds);
    CaseOutcome o = run_(index);
    ::alarm(0);
    o.index = index;
    if (!write_all(out_fd, encode(o))) ::_exit(1);
  }
}

void WorkerPool::close_fds(Worker& w) {
  if (w.to_worker >= 0) ::close(w.to_worker);
  if (w.from_worker >= 0) ::close(w.from_worker);
  w.to_worker = -1;
  w.from_worker = -1;
}

void WorkerPool::read_from(Worker& w, News& news) {
  char buffer[65536];
  const ssize_t n = ::read(w.from_worker, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    w.buffer.append(buffer, static_cast<std::size_t>(n));
    std::size_t eol;
    while ((eol = w.buffer.find('\n')) != std::string::npos) {
      const std::string line = w.buffer.substr(0, eol);
      w.buffer.erase(0, eol + 1);
      if (line.rfind("S ", 0) == 0) {
        w.running = std::stoull(line.substr(2));
      } else if (auto o = decode(line)) {
        const auto it = std::find(w.assigned.begin(), w.assigned.end(), o->index);
        if (it != w.assigned.end()) w.assigned.erase(it);
        w.running.reset();
        w.last_case = o->index;
        news.outcomes.push_back(std::move(*o));
      }
    }
    return;
  }
  // End of file: the worker is gone. Every case it held goes back.
  WorkerDeath death;
  death.pid = w.pid;
  death.how = describe_exit(reap(w.pid));
  death.running = w.running;
  death.last_case = w.last_case;
  for (std::uint64_t index : w.assigned) {
    if (!w.running || index != *w.running) death.unstarted.push_back(index);
  }
  close_fds(w);
  w.pid = -1;
  w.assigned.clear();
  w.running.reset();
  news.deaths.push_back(std::move(death));
}

WorkerPool::News WorkerPool::wait(int timeout_ms) {
  News news;
  std::vector<pollfd> fds;
  std::vector<Worker*> polled;
  for (Worker& w : workers_) {
    if (w.from_worker < 0) continue;
    fds.push_back(pollfd{w.from_worker, POLLIN, 0});
    polled.push_back(&w);
  }
  if (fds.empty()) return news;
  const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
  if (ready <= 0) return news;  // timeout, or EINTR: the caller looks at the flag
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_from(*polled[i], news);
  }
  return news;
}

std::vector<std::uint64_t> WorkerPool::stop_all() {
  std::vector<std::uint64_t> held;
  for (Worker& w : workers_) {
    if (w.pid > 0) {
      ::kill(w.pid, SIGKILL);
      reap(w.pid);
    }
    close_fds(w);
    held.insert(held.end(), w.assigned.begin(), w.assigned.end());
    w.pid = -1;
    w.assigned.clear();
    w.running.reset();
  }
  return held;
}

}  // namespace mirrorsim::properties
