#include "properties/campaign.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "properties/world.h"
#include "scenarios/scenario_writer.h"
#include "sim/random.h"

namespace mirrorsim::properties {
namespace {

// A worker never runs one case longer than this (a hang in real code, not
// in virtual time, which the simulation's own limits catch).
constexpr unsigned kCaseAlarmSeconds = 120;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What a worker reports for one case, on one line.
struct CaseOutcome {
  std::uint64_t index = 0;
  bool passed = true;
  bool determinism_checked = false;
  std::uint64_t hash = 0;
  std::string verdicts;  // one letter per property: h, v, n
  std::string property;
  std::string message;
};

std::string one_line(std::string text) {
  for (char& ch : text) {
    if (ch == '\n' || ch == '\t') ch = ' ';
  }
  return text;
}

std::string encode(const CaseOutcome& o) {
  return fmt::format("R {} {} {} {} {}\t{}\t{}\n", o.index, o.passed ? 1 : 0,
                     o.determinism_checked ? 1 : 0, o.hash, o.verdicts.empty() ? "-" : o.verdicts,
                     one_line(o.property), one_line(o.message));
}

std::optional<CaseOutcome> decode(const std::string& line) {
  CaseOutcome o;
  std::istringstream in(line);
  std::string tag;
  int passed = 0;
  int checked = 0;
  in >> tag >> o.index >> passed >> checked >> o.hash >> o.verdicts;
  if (tag != "R" || !in) return std::nullopt;
  o.passed = passed != 0;
  o.determinism_checked = checked != 0;
  const auto first_tab = line.find('\t');
  const auto second_tab = line.find('\t', first_tab + 1);
  if (first_tab == std::string::npos || second_tab == std::string::npos) return std::nullopt;
  o.property = line.substr(first_tab + 1, second_tab - first_tab - 1);
  o.message = line.substr(second_tab + 1);
  return o;
}

CaseOutcome evaluate(const GeneratedCase& c, std::uint64_t index, const CampaignOptions& options,
                     bool check_determinism) {
  CaseOutcome o;
  o.index = index;
  const RunReport report = run_case(c, options.bugs);
  o.hash = report.sim.log_hash;
  for (const Verdict& v : report.verdicts) {
    o.verdicts += v.status == VerdictStatus::kHolds      ? 'h'
                  : v.status == VerdictStatus::kViolated ? 'v'
                                                         : 'n';
  }
  if (const Verdict* v = first_violation(report.verdicts)) {
    o.passed = false;
    o.property = v->property;
    o.message = v->message;
    return o;
  }
  if (check_determinism) {
    o.determinism_checked = true;
    const RunReport again = run_case(c, options.bugs);
    if (again.sim.log_hash != report.sim.log_hash) {
      o.passed = false;
      o.property = "determinism";
      o.message = fmt::format("the same case gave event-log hashes {:016x} and {:016x}",
                              report.sim.log_hash, again.sim.log_hash);
    }
  }
  return o;
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// A child process that runs `indices` in order and reports on `fd`.
[[noreturn]] void worker_main(int fd, const CampaignOptions& options,
                              const std::vector<std::uint64_t>& indices) {
  for (std::uint64_t index : indices) {
    write_all(fd, fmt::format("S {}\n", index));
    alarm(kCaseAlarmSeconds);
    const GeneratedCase c = generate_case(options.seed, index);
    const bool check = options.determinism_every != 0 && index % options.determinism_every == 0;
    write_all(fd, encode(evaluate(c, index, options, check)));
  }
  ::_exit(0);
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::vector<std::uint64_t> indices;
  std::size_t next = 0;  // first index not yet reported
  std::string buffer;
  std::optional<std::uint64_t> started;
};

void start_worker(Worker& w, const CampaignOptions& options) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("campaign: pipe failed");
  const std::vector<std::uint64_t> rest(w.indices.begin() + static_cast<std::ptrdiff_t>(w.next),
                                        w.indices.end());
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("campaign: fork failed");
  if (pid == 0) {
    ::close(pipe_fds[0]);
    worker_main(pipe_fds[1], options, rest);
  }
  ::close(pipe_fds[1]);
  w.pid = pid;
  w.fd = pipe_fds[0];
  w.buffer.clear();
  w.started.reset();
}

void stop_worker(Worker& w) {
  if (w.pid > 0) {
    ::kill(w.pid, SIGKILL);
    ::waitpid(w.pid, nullptr, 0);
  }
  if (w.fd >= 0) ::close(w.fd);
  w.pid = -1;
  w.fd = -1;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with code {}", WEXITSTATUS(status));
}

// A case whose run never reported back: its process died.
CaseOutcome crash_outcome(std::uint64_t index, std::string message) {
  CaseOutcome o;
  o.index = index;
  o.passed = false;
  o.property = "crash";
  o.message = std::move(message);
  return o;
}

// Runs one case in a child process; a crash becomes an outcome.
CaseOutcome evaluate_in_child(const GeneratedCase& c, const CampaignOptions& options) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("campaign: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("campaign: fork failed");
  if (pid == 0) {
    ::close(pipe_fds[0]);
    alarm(kCaseAlarmSeconds);
    write_all(pipe_fds[1], encode(evaluate(c, 0, options, false)));
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) text.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (auto o = decode(text.substr(0, text.find('\n')))) return *o;
  return crash_outcome(0, "the run " + describe_exit(status));
}

std::size_t case_size(std::uint64_t index) {
  return static_cast<std::size_t>(index % 101);
}

rc::Shrinkable<GeneratedCase> shrinkable_case(std::uint64_t seed, std::uint64_t index) {
  const rc::Random random(sim::mix64(sim::mix64(seed) ^ index));
  return gen_case()(random, static_cast<int>(case_size(index)));
}

CampaignFailure shrink_failure(const CampaignOptions& options, std::uint64_t index,
                               const CaseOutcome& first) {
  CampaignFailure f;
  f.case_index = index;
  f.property = first.property;
  f.message = first.message;
  const Clock::time_point start = Clock::now();
  rc::Shrinkable<GeneratedCase> current = shrinkable_case(options.seed, index);
  bool improved = true;
  while (improved && seconds_since(start) < options.shrink_budget_s) {
    improved = false;
    rc::Seq<rc::Shrinkable<GeneratedCase>> candidates = current.shrinks();
    while (auto candidate = candidates.next()) {
      if (seconds_since(start) >= options.shrink_budget_s) break;
      const CaseOutcome o = evaluate_in_child(candidate->value(), options);
      if (!o.passed && o.property == first.property) {
        current = *candidate;
        f.message = o.message;
        ++f.shrink_steps;
        improved = true;
        break;
      }
    }
  }
  f.shrink_seconds = seconds_since(start);
  f.shrunk = current.value();
  f.case_seed = f.shrunk.scenario.seed;
  f.guest_requests = f.shrunk.requests.size();
  f.faults = f.shrunk.scenario.faults.size();
  f.disk_bytes = f.shrunk.scenario.source.length_bytes;
  return f;
}

}  // namespace

GeneratedCase generate_case(std::uint64_t seed, std::uint64_t index) {
  return shrinkable_case(seed, index).value();
}

RunReport run_case(const GeneratedCase& c, const std::vector<std::string>& bugs) {
  RunOptions options;
  options.extra_bugs = bugs;
  if (std::holds_alternative<scenarios::TraceWorkload>(c.scenario.workload)) {
    options.requests = c.requests;
  }
  return run_scenario(c.scenario, options);
}

std::filesystem::path save_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                                const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::create_directories(dir);
  scenarios::Scenario s = c.scenario;
  s.name = name;
  for (const std::string& bug : bugs) {
    if (std::find(s.mirror.bugs.begin(), s.mirror.bugs.end(), bug) == s.mirror.bugs.end()) {
      s.mirror.bugs.push_back(bug);
    }
  }
  if (std::holds_alternative<scenarios::TraceWorkload>(s.workload)) {
    const std::filesystem::path csv = dir / (name + ".csv");
    std::ofstream out(csv);
    out << "time_us,op,offset,length\n";
    for (const sim::GuestRequest& r : c.requests) {
      out << r.time / engine::kNsPerUs << "," << sim::guest_op_name(r.op) << "," << r.offset << ","
          << r.length << "\n";
    }
    s.workload = scenarios::TraceWorkload{name + ".csv", sim::TraceFormat::kCsv};
  }
  const std::filesystem::path file = dir / (name + ".toml");
  std::ofstream out(file);
  out << scenarios::write_scenario(s);
  return file;
}

CampaignResult run_campaign(const CampaignOptions& options,
                            const std::function<void(const CampaignProgress&)>& progress) {
  CampaignResult result;
  const Clock::time_point start = Clock::now();
  const int jobs = std::max(1, options.jobs);
  const std::uint32_t shards = std::max<std::uint32_t>(1, options.shard_count);
  std::vector<Worker> workers(static_cast<std::size_t>(jobs));
  for (std::uint64_t k = 0; k < options.cases; ++k) {
    const std::uint64_t index = options.shard_index + k * shards;
    workers[k % workers.size()].indices.push_back(index);
  }
  result.first_case = options.shard_index;
  result.last_case = options.cases == 0 ? 0 : options.shard_index + (options.cases - 1) * shards;
  for (Worker& w : workers) {
    if (!w.indices.empty()) start_worker(w, options);
  }

  std::optional<std::pair<std::uint64_t, CaseOutcome>> first_failure;
  auto record = [&](const CaseOutcome& o) {
    ++result.cases_run;
    if (o.determinism_checked) ++result.determinism_checks;
    static const std::vector<std::string_view> kProperties = {
        property::kNoCrash,        property::kLiveness, property::kStateMachine,
        property::kErrorPolicy,    property::kBounds,   property::kCompletionEquality,
        property::kPointInTimeCopy};
    for (std::size_t i = 0; i < o.verdicts.size() && i < kProperties.size(); ++i) {
      auto& counts = result.verdict_counts[std::string(kProperties[i])];
      ++counts[o.verdicts[i] == 'h' ? 0 : o.verdicts[i] == 'v' ? 1 : 2];
    }
    if (!o.passed) {
      if (o.property == "determinism" || o.property == "crash") {
        ++result.verdict_counts[o.property][1];
      }
      if (!first_failure) first_failure.emplace(o.index, o);
    }
  };

  bool stop = false;
  while (!stop) {
    std::vector<pollfd> fds;
    std::vector<Worker*> polled;
    for (Worker& w : workers) {
      if (w.fd >= 0) {
        fds.push_back(pollfd{w.fd, POLLIN, 0});
        polled.push_back(&w);
      }
    }
    if (fds.empty()) break;
    ::poll(fds.data(), fds.size(), 200);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      Worker& w = *polled[i];
      char buffer[65536];
      const ssize_t n = ::read(w.fd, buffer, sizeof buffer);
      if (n > 0) {
        w.buffer.append(buffer, static_cast<std::size_t>(n));
        std::size_t eol;
        while ((eol = w.buffer.find('\n')) != std::string::npos) {
          const std::string line = w.buffer.substr(0, eol);
          w.buffer.erase(0, eol + 1);
          if (line.rfind("S ", 0) == 0) {
            w.started = std::stoull(line.substr(2));
          } else if (auto o = decode(line)) {
            record(*o);
            w.started.reset();
            ++w.next;
          }
        }
        continue;
      }
      // The worker ended: normally, or by crashing in the middle of a case.
      int status = 0;
      ::waitpid(w.pid, &status, 0);
      ::close(w.fd);
      w.fd = -1;
      w.pid = -1;
      if (w.started) {
        record(crash_outcome(*w.started, "the worker running this case " + describe_exit(status)));
        ++w.next;
        if (w.next < w.indices.size()) start_worker(w, options);
      }
    }
    const bool out_of_time = options.time_budget_s && seconds_since(start) > *options.time_budget_s;
    if ((first_failure && options.stop_at_first_failure) || out_of_time) stop = true;
    if (progress) {
      progress(CampaignProgress{result.cases_run, first_failure ? 1u : 0u, seconds_since(start)});
    }
  }
  for (Worker& w : workers) stop_worker(w);
  result.elapsed_s = seconds_since(start);
  result.cases_per_s = result.elapsed_s > 0 ? result.cases_run / result.elapsed_s : 0;

  if (first_failure) {
    CampaignFailure f = shrink_failure(options, first_failure->first, first_failure->second);
    if (!options.out_dir.empty()) {
      const std::string name = fmt::format("case-{}-{}{}", options.seed, f.case_index,
                                           options.bugs.empty() ? "" : "-" + options.bugs.front());
      f.file = save_case(f.shrunk, options.bugs, options.out_dir / "failures", name);
      f.replay_command = "mirrorsim run " + f.file.string();
    }
    result.failures.push_back(std::move(f));
  }
  return result;
}

}  // namespace mirrorsim::properties
