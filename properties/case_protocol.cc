#include "properties/case_protocol.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>
#include <fmt/format.h>

#include "properties/interrupt.h"

namespace mirrorsim::properties {
namespace {

std::string one_line(std::string text) {
  for (char& ch : text) {
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  }
  return text;
}

char letter(VerdictStatus status) {
  switch (status) {
    case VerdictStatus::kHolds:
      return 'h';
    case VerdictStatus::kViolated:
      return 'v';
    case VerdictStatus::kNotApplicable:
      return 'n';
    case VerdictStatus::kInconclusive:
      return 'i';
  }
  return '?';
}

}  // namespace

const std::vector<std::string_view>& property_order() {
  static const std::vector<std::string_view> kOrder = {
      property::kNoCrash,         property::kLiveness,
      property::kStateMachine,    property::kErrorPolicy,
      property::kBounds,          property::kCompletionEquality,
      property::kPointInTimeCopy, property::kDurableCompletion,
      property::kFlushProtocol,   property::kCrashSafety};
  return kOrder;
}

std::string verdict_letters(const std::vector<Verdict>& verdicts) {
  std::string letters;
  for (const Verdict& v : verdicts) letters += letter(v.status);
  return letters;
}

CaseOutcome outcome_of(const RunReport& report, std::uint64_t index) {
  CaseOutcome o;
  o.index = index;
  o.hash = report.sim.log_hash;
  o.verdicts = verdict_letters(report.verdicts);
  o.swarm = report.swarm;
  o.outrun = report.outrun();
  o.trace_never_reached = report.trace_never_reached();
  if (const Verdict* v = first_violation(report.verdicts)) {
    o.passed = false;
    o.property = v->property;
    o.message = v->message;
  } else {
    for (const Verdict& v : report.verdicts) {
      if (v.status == VerdictStatus::kInconclusive) o.message = v.property + ": " + v.message;
    }
    if (o.outrun) o.message = report.outcome_line();
  }
  return o;
}

std::string encode(const CaseOutcome& o) {
  std::string swarm = "-";
  if (o.swarm) swarm = fmt::format("{}", fmt::join(scenarios::swarm_labels(*o.swarm), ","));
  std::string notes = std::string(o.outrun ? "o" : "") + (o.trace_never_reached ? "t" : "");
  if (notes.empty()) notes = "-";
  return fmt::format("R {} {} {} {} {} {} {}\t{}\t{}\n", o.index, o.passed ? 1 : 0,
                     o.determinism_checked ? 1 : 0, o.hash, o.verdicts.empty() ? "-" : o.verdicts,
                     swarm, notes, one_line(o.property), one_line(o.message));
}

std::optional<CaseOutcome> decode(std::string_view line) {
  const auto first_tab = line.find('\t');
  const auto second_tab =
      first_tab == std::string_view::npos ? std::string_view::npos : line.find('\t', first_tab + 1);
  if (second_tab == std::string_view::npos) return std::nullopt;
  CaseOutcome o;
  std::istringstream in{std::string(line.substr(0, first_tab))};
  std::string tag;
  int passed = 0;
  int checked = 0;
  std::string swarm;
  std::string notes;
  in >> tag >> o.index >> passed >> checked >> o.hash >> o.verdicts >> swarm >> notes;
  if (tag != "R" || !in) return std::nullopt;
  if (notes.find_first_not_of("-ot") != std::string::npos) return std::nullopt;
  o.outrun = notes.find('o') != std::string::npos;
  o.trace_never_reached = notes.find('t') != std::string::npos;
  if (o.verdicts == "-") o.verdicts.clear();
  if (swarm != "-") {
    std::vector<std::string> labels;
    std::istringstream parts(swarm);
    for (std::string label; std::getline(parts, label, ',');) labels.push_back(label);
    o.swarm = scenarios::swarm_from_labels(labels);
    if (!o.swarm) return std::nullopt;
  }
  o.passed = passed != 0;
  o.determinism_checked = checked != 0;
  o.property = std::string(line.substr(first_tab + 1, second_tab - first_tab - 1));
  o.message = std::string(line.substr(second_tab + 1));
  return o;
}

CaseOutcome crash_outcome(std::uint64_t index, std::string message) {
  CaseOutcome o;
  o.index = index;
  o.passed = false;
  o.property = property::kCrash;
  o.message = std::move(message);
  return o;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGALRM) {
      return fmt::format("was stopped after {} s of wall-clock time (signal {})",
                         kCaseWallLimitSeconds, sig);
    }
    return fmt::format("was killed by signal {} ({})", sig, ::strsignal(sig));
  }
  return fmt::format("exited with code {}", WEXITSTATUS(status));
}

bool write_all(int fd, std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

CaseOutcome run_isolated(std::uint64_t index, const std::function<CaseOutcome()>& run) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("campaign: pipe: {}", std::strerror(errno)));
  }
  const int parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error(fmt::format("campaign: fork: {}", std::strerror(error)));
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    ::prctl(PR_SET_NAME, "mirrorsim-alone");  // one case run alone (a re-run, a shrink step)
    prepare_worker_signals(parent);
    ::alarm(kCaseWallLimitSeconds);
    CaseOutcome o = run();
    o.index = index;
    write_all(pipe_fds[1], encode(o));
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      // An interrupt: the caller decides; the child dies with the campaign.
      if (interrupted()) ::kill(pid, SIGKILL);
      continue;
    }
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (auto o = decode(std::string_view(text).substr(0, text.find('\n')))) return *o;
  CaseOutcome crash = crash_outcome(index, "the run " + describe_exit(status));
  if (WIFSIGNALED(status)) crash.signal = WTERMSIG(status);
  return crash;
}

}  // namespace mirrorsim::properties
