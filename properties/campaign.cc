// The campaign loop. One parent process hands case numbers to a pool of
// workers (worker_pool.h), a few at a time, in increasing order; it records
// outcomes as they arrive, in whatever order they finish, in an interval set
// of finished case numbers. The loop stops when every case ran, the time is
// up (cases in flight get a short grace to finish), a failure is seen, an
// interrupt arrives, or workers keep dying. Then the first failure is
// shrunk. Library scenarios and the failure database run before the cases.
#include "properties/campaign.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <deque>

#include <fmt/core.h>
#include <rapidcheck/shrinkable/Transform.h>
#include <boost/icl/interval_set.hpp>

#include "properties/atomic_file.h"
#include "properties/case_files.h"
#include "properties/interrupt.h"
#include "properties/shrinker.h"
#include "properties/verdict.h"
#include "properties/world.h"
#include "scenarios/library.h"
#include "sim/kernel/random.h"

namespace mirrorsim::properties {
namespace {

// Every shrink candidate of a generated case keeps the campaign's profile.
rc::Shrinkable<GeneratedCase> with_profile(rc::Shrinkable<GeneratedCase> start,
                                           engine::Profile profile) {
  return rc::shrinkable::map(std::move(start), [profile](GeneratedCase c) {
    c.scenario.mirror.profile = profile;
    return c;
  });
}

using Clock = std::chrono::steady_clock;

// After the time budget, cases already running may finish for this long.
constexpr double kTimeUpGraceSeconds = 2.0;
// Inconclusive and not-converged cases listed one by one in the result (all
// are counted).
constexpr std::size_t kInconclusiveListed = 20;
// A case whose worker was killed by SIGKILL is a crash only when running it
// alone is killed this many times in a row.
constexpr int kSigkillRepeats = 3;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::size_t case_size(std::uint64_t index) {
  return static_cast<std::size_t>(index % 101);
}

// Case numbers for one shard: shard_index + k * shard_count for k = 0, 1,
// ..., below the case count when there is one. Cases handed back by a dead
// worker come out again first.
class CaseNumbers {
 public:
  explicit CaseNumbers(const CampaignOptions& o)
      : first_(o.shard_index),
        step_(std::max<std::uint32_t>(1, o.shard_count)),
        limit_(o.cases),
        total_(shard_case_count(o)) {}

  std::optional<std::uint64_t> next() {
    if (!again_.empty()) {
      const std::uint64_t index = again_.front();
      again_.pop_front();
      return index;
    }
    const std::uint64_t index = first_ + next_k_ * step_;
    if (limit_ && index >= *limit_) return std::nullopt;
    ++next_k_;
    return index;
  }
  bool exhausted() const { return again_.empty() && limit_ && first_ + next_k_ * step_ >= *limit_; }
  void give_back(std::uint64_t index) { again_.push_back(index); }
  std::uint64_t k_of(std::uint64_t index) const { return (index - first_) / step_; }
  std::uint64_t index_of(std::uint64_t k) const { return first_ + k * step_; }
  // Cases this shard still has to run (none when there is no count).
  std::optional<std::uint64_t> left() const {
    if (!total_) return std::nullopt;
    return *total_ - std::min(*total_, next_k_) + again_.size();
  }

 private:
  std::uint64_t first_;
  std::uint64_t step_;
  std::optional<std::uint64_t> limit_;
  std::optional<std::uint64_t> total_;
  std::uint64_t next_k_ = 0;
  std::deque<std::uint64_t> again_;
};

std::string failure_id(const CampaignOptions& o, std::uint64_t index) {
  return fmt::format("case-{}-{}{}", o.seed, index, o.bugs.empty() ? "" : "-" + o.bugs.front());
}

// The command that replays a saved failure: a determinism failure shows
// only when the run is made twice.
std::string replay_command(const CampaignFailure& f) {
  return "mirrorsim run " + f.file.string() +
         (f.property == property::kDeterminism ? " --check-determinism" : "");
}

void count_swarm(CampaignResult& result, const scenarios::SwarmOptions& swarm, bool failed) {
  ++result.swarm_cases;
  for (const std::string& label : scenarios::swarm_labels(swarm)) {
    SwarmCount& count = result.swarm_counts[label];
    ++count.cases;
    if (failed) ++count.failures;
  }
}

void fill_size(CampaignFailure& f, const GeneratedCase& c) {
  f.guest_requests = c.requests.size();
  f.faults = c.scenario.faults.size();
  f.disk_bytes = c.scenario.source.length_bytes;
}

// Everything the loop keeps while cases run.
class CampaignRun {
 public:
  CampaignRun(const CampaignOptions& options, const CampaignHooks& hooks)
      : options_(options),
        hooks_(hooks),
        numbers_(options),
        swarm_off_(swarm_off(options.without)),
        limits_(oracle_limits(options.without)) {}

  CampaignResult run();

 private:
  // A line for the user and the summary's notes.
  void note(const std::string& line) {
    result_.notes.push_back(line);
    tell(line);
  }
  // A line for the user only (the summary has it in another form).
  void tell(const std::string& line) {
    if (hooks_.note) hooks_.note(line);
  }
  void run_replays();
  void run_generated();
  void record(const CaseOutcome& o);
  void handle_death(WorkerDeath death);
  std::optional<CaseOutcome> rerun_alone(std::uint64_t index);
  void save_unshrunk(CampaignFailure& f);
  void shrink(CampaignFailure& f);
  void report_progress(bool force);
  GeneratedCase case_at(std::uint64_t index) const {
    GeneratedCase c = generate_case(options_.seed, index, swarm_off_, options_.algorithm);
    c.scenario.mirror.profile = options_.profile;
    return c;
  }
  CaseOutcome evaluate(std::uint64_t index) const {
    const bool check = options_.determinism_every != 0 && index % options_.determinism_every == 0;
    return evaluate_case(case_at(index), index, options_.bugs, check, limits_, options_.set_aside);
  }
  bool out_of_time() const {
    return options_.time_budget_s && seconds_since(start_) > *options_.time_budget_s;
  }

  const CampaignOptions& options_;
  const CampaignHooks& hooks_;
  CaseNumbers numbers_;
  const std::vector<std::string> swarm_off_;  // from options_.without
  const OracleLimits limits_;
  CampaignResult result_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_progress_ = Clock::now();
  boost::icl::interval_set<std::uint64_t> finished_k_;
  std::uint64_t generated_failures_ = 0;
};

void CampaignRun::record(const CaseOutcome& o) {
  finished_k_.add(numbers_.k_of(o.index));
  ++result_.cases_run;
  if (o.determinism_checked) ++result_.determinism_checks;
  const auto& order = property_order();
  for (std::size_t i = 0; i < o.verdicts.size() && i < order.size(); ++i) {
    const char v = o.verdicts[i];
    ++result_.verdict_counts[std::string(order[i])][v == 'h' ? 0 : v == 'v' ? 1 : v == 'i' ? 3 : 2];
  }
  // A worker that died before it reported did not say: the case number does.
  std::optional<scenarios::SwarmOptions> swarm = o.swarm;
  if (!swarm) swarm = case_at(o.index).scenario.swarm;
  if (swarm) count_swarm(result_, *swarm, !o.passed);
  if (o.inconclusive()) {
    ++result_.inconclusive_cases;
    if (result_.inconclusive.size() < kInconclusiveListed) {
      result_.inconclusive.push_back({o.index, o.message});
    }
  }
  if (o.passed && o.outrun) {
    ++result_.not_converged_cases;
    if (result_.not_converged.size() < kInconclusiveListed) {
      result_.not_converged.push_back({o.index, o.message});
    }
  }
  if (o.trace_never_reached) ++result_.trace_never_reached_cases;
  if (o.passed) return;
  if (!result_.first_failure_s) result_.first_failure_s = seconds_since(start_);
  if (o.property == property::kDeterminism || o.property == property::kCrash) {
    ++result_.verdict_counts[o.property][1];
  }
  CampaignFailure f;
  f.id = failure_id(options_, o.index);
  f.source = "generated";
  f.case_index = o.index;
  f.property = o.property;
  f.message = o.message;
  save_unshrunk(f);
  tell(fmt::format("case {} FAILED: {}: {}{}", o.index, f.property, f.message,
                   f.unshrunk_file.empty() ? "" : "\n  saved as " + f.unshrunk_file.string()));
  ++generated_failures_;
  result_.failures.push_back(std::move(f));
}

void CampaignRun::save_unshrunk(CampaignFailure& f) {
  const GeneratedCase c = case_at(*f.case_index);
  fill_size(f, c);
  f.swarm = c.scenario.swarm;
  f.digest = case_digest(c, options_.bugs);
  if (options_.out_dir.empty()) return;
  try {
    f.unshrunk_file =
        save_case(c, options_.bugs, options_.out_dir / "failures", f.id + ".unshrunk");
    f.file = f.unshrunk_file;
    f.replay_command = replay_command(f);
  } catch (const FileWriteError& e) {
    f.save_errors.push_back(e.what());
    note(
        fmt::format("case {} failed, but its scenario was not saved: {}", *f.case_index, e.what()));
  }
}

std::optional<CaseOutcome> CampaignRun::rerun_alone(std::uint64_t index) {
  // A crash that repeats belongs to the case; one that does not (a kill, the
  // OOM killer) belonged to the environment. SIGKILL says little (the OOM
  // killer, or a person), so it must repeat kSigkillRepeats times to count.
  std::optional<CaseOutcome> again;
  for (int attempt = 0; attempt < kSigkillRepeats; ++attempt) {
    again = run_isolated(index, [&] { return evaluate(index); });
    if (interrupted()) return std::nullopt;
    if (again->property != property::kCrash || again->signal != SIGKILL) break;
  }
  return again;
}

void CampaignRun::handle_death(WorkerDeath death) {
  for (std::uint64_t index : death.unstarted) numbers_.give_back(index);
  std::string line =
      fmt::format("worker {} {} {}", death.pid, death.how,
                  death.running     ? fmt::format("while running case {}", *death.running)
                  : death.last_case ? fmt::format("after case {}, between cases", *death.last_case)
                                    : std::string("before its first case"));
  if (!death.unstarted.empty()) {
    line += fmt::format("; {} case(s) it held go to another worker", death.unstarted.size());
  }
  if (death.running && !interrupted()) {
    const std::uint64_t index = *death.running;
    const std::optional<CaseOutcome> again = rerun_alone(index);
    if (!again) {
      numbers_.give_back(index);
    } else {
      if (again->property == property::kCrash) {
        line += "; run again alone, it crashed again: a failure";
        CaseOutcome crash = *again;
        crash.message = fmt::format("the worker running this case {}; run again alone: {}",
                                    death.how, again->message);
        record(crash);
      } else {
        line += fmt::format("; run again alone, it {}", again->passed ? "passed" : "failed");
        record(*again);
      }
    }
  }
  note(line);
  result_.worker_deaths.push_back(std::move(death));
}

void CampaignRun::report_progress(bool force) {
  if (!hooks_.progress) return;
  const Clock::time_point now = Clock::now();
  if (!force && now - last_progress_ < std::chrono::milliseconds(250)) return;
  last_progress_ = now;
  CampaignProgress p;
  p.cases_done = result_.cases_run;
  p.failures = result_.failures.size();
  p.elapsed_s = seconds_since(start_);
  if (options_.time_budget_s) p.seconds_left = std::max(0.0, *options_.time_budget_s - p.elapsed_s);
  if (const auto left = numbers_.left(); left && p.cases_done > 0 && p.elapsed_s > 0) {
    const double by_rate = static_cast<double>(*left) * p.elapsed_s / p.cases_done;
    p.seconds_left = p.seconds_left ? std::min(*p.seconds_left, by_rate) : by_rate;
  }
  hooks_.progress(p);
}

void CampaignRun::run_replays() {
  auto report = [&](const std::vector<ReplayResult>& results, std::string_view what,
                    std::string_view bad_word) {
    std::size_t bad = 0;
    for (const ReplayResult& r : results) {
      if (r.passed) continue;
      ++bad;
      tell(fmt::format("{} {}: {} {}: {}\n  replay: {}", what, r.name, bad_word, r.property,
                       r.message, r.replay_command));
    }
    tell(fmt::format("{}: {} file(s) run, {} {}", what, results.size(), bad,
                     bad == 1 ? "fails" : "fail"));
  };
  if (!options_.corpus.empty()) {
    result_.corpus = replay_files(options_.corpus, options_.bugs, options_.set_aside);
    report(result_.corpus, "failure database", "STILL FAILS");
  }
  if (options_.run_library && !interrupted()) {
    result_.library = replay_files(scenarios::library_files(), options_.bugs, options_.set_aside);
    report(result_.library, "library", "VIOLATED");
    for (const ReplayResult& r : result_.library) {
      if (r.passed) continue;
      CampaignFailure f;
      f.id = "library-" + r.name;
      f.source = "library";
      f.property = r.property;
      f.message = r.message;
      f.file = r.file;
      f.replay_command = r.replay_command;
      f.shrunk = true;  // a library scenario is already small and on disk
      result_.failures.push_back(std::move(f));
    }
  }
}

void CampaignRun::run_generated() {
  WorkerPool pool(options_.jobs, [this](std::uint64_t index) { return evaluate(index); });
  std::optional<Clock::time_point> grace_start;
  for (;;) {
    if (interrupted()) {
      result_.stop = CampaignStop::kInterrupted;
      break;
    }
    if (options_.stop_at_first_failure && generated_failures_ > 0) {
      result_.stop = CampaignStop::kFailure;
      break;
    }
    if (result_.worker_deaths.size() >= options_.max_worker_deaths) {
      result_.stop = CampaignStop::kTooManyWorkerDeaths;
      note(fmt::format("{} workers died: the campaign gives up", result_.worker_deaths.size()));
      break;
    }
    if (out_of_time() && !grace_start) grace_start = Clock::now();
    if (grace_start) {
      if (pool.in_flight() == 0 || seconds_since(*grace_start) > kTimeUpGraceSeconds) {
        result_.stop = CampaignStop::kTimeUp;
        break;
      }
    } else {
      while (pool.has_room()) {
        const auto index = numbers_.next();
        if (!index) break;
        pool.assign(*index);
      }
      if (pool.in_flight() == 0 && numbers_.exhausted()) {
        result_.stop = CampaignStop::kAllCasesRun;
        break;
      }
    }
    WorkerPool::News news = pool.wait(200);
    for (const CaseOutcome& o : news.outcomes) record(o);
    for (WorkerDeath& d : news.deaths) handle_death(std::move(d));
    report_progress(false);
  }
  pool.stop_all();
  report_progress(true);
}

void CampaignRun::shrink(CampaignFailure& f) {
  ShrinkOptions so;
  so.property = f.property;
  so.message = f.message;
  so.bugs = options_.bugs;
  so.oracle_limits = limits_;
  so.set_aside = options_.set_aside;
  so.budget_s = options_.shrink_budget_s;
  so.check_determinism = f.property == property::kDeterminism;
  auto save = [&](const GeneratedCase& smallest) {
    if (options_.out_dir.empty()) return;
    try {
      f.file = save_case(smallest, options_.bugs, options_.out_dir / "failures", f.id);
      f.replay_command = replay_command(f);
    } catch (const FileWriteError& e) {
      f.save_errors.push_back(e.what());
    }
  };
  tell(fmt::format("shrinking case {} (up to {:.0f} s)", *f.case_index, so.budget_s));
  f.shrink_began = true;
  const ShrinkResult r = shrink_case(
      with_profile(shrinkable_case(options_.seed, *f.case_index, swarm_off_, options_.algorithm),
                   options_.profile),
      so, [&](const ShrinkResult& step) { save(step.smallest); });
  f.message = r.message;
  f.shrink_steps = r.steps;
  f.shrink_s = r.seconds;
  f.shrunk = r.complete;
  fill_size(f, r.smallest);
  f.shrunk_swarm = r.smallest.scenario.swarm;
  f.digest = case_digest(r.smallest, options_.bugs);
  if (r.steps == 0) save(r.smallest);  // nothing smaller: the case itself is the result
  if (!f.save_errors.empty()) note(fmt::format("{}: {}", f.id, f.save_errors.back()));
}

CampaignResult CampaignRun::run() {
  run_replays();
  if (interrupted()) {
    result_.stop = CampaignStop::kInterrupted;
  } else if (options_.cases.value_or(1) > 0) {
    run_generated();
  }
  result_.elapsed_s = seconds_since(start_);
  result_.cases_per_s = result_.elapsed_s > 0 ? result_.cases_run / result_.elapsed_s : 0;
  for (const auto& k : finished_k_) {
    result_.covered.push_back(
        {numbers_.index_of(boost::icl::first(k)), numbers_.index_of(boost::icl::last(k))});
  }
  for (CampaignFailure& f : result_.failures) {
    if (f.source != "generated") continue;
    if (interrupted()) break;
    shrink(f);
    if (interrupted()) result_.stop = CampaignStop::kInterrupted;
    break;  // the first failure is shrunk; the others stay as they were seen
  }
  result_.interrupt_signal = interrupt_signal();
  return result_;
}

}  // namespace

std::string_view campaign_stop_name(CampaignStop stop) {
  switch (stop) {
    case CampaignStop::kAllCasesRun:
      return "all-cases-run";
    case CampaignStop::kTimeUp:
      return "time-up";
    case CampaignStop::kFailure:
      return "failure";
    case CampaignStop::kInterrupted:
      return "interrupted";
    case CampaignStop::kTooManyWorkerDeaths:
      return "too-many-worker-deaths";
  }
  return "?";
}

std::optional<std::uint64_t> shard_case_count(const CampaignOptions& o) {
  if (!o.cases) return std::nullopt;
  const std::uint64_t step = std::max<std::uint32_t>(1, o.shard_count);
  return *o.cases > o.shard_index ? (*o.cases - o.shard_index + step - 1) / step : 0;
}

bool CampaignResult::ok() const {
  if (!failures.empty()) return false;
  if (stop == CampaignStop::kInterrupted || stop == CampaignStop::kTooManyWorkerDeaths) {
    return false;
  }
  for (const ReplayResult& r : corpus) {
    if (!r.passed) return false;
  }
  return true;
}

void check_without(std::span<const std::string> without) {
  for (const std::string& name : without) {
    if (name == kWithoutSpec || scenarios::find_swarm_switch(name) != nullptr) continue;
    std::string allowed(kWithoutSpec);
    for (const scenarios::SwarmSwitch& s : scenarios::swarm_switches()) {
      allowed += ", " + std::string(s.name);
    }
    throw std::invalid_argument(fmt::format("unknown capability '{}'; known: {}", name, allowed));
  }
}

std::vector<std::string> swarm_off(std::span<const std::string> without) {
  std::vector<std::string> off;
  for (const std::string& name : without) {
    if (name != kWithoutSpec) off.push_back(name);
  }
  return off;
}

OracleLimits oracle_limits(std::span<const std::string> without) {
  const bool no_spec = std::find(without.begin(), without.end(), kWithoutSpec) != without.end();
  return no_spec ? OracleLimits::kEngine : OracleLimits::kSpecification;
}

rc::Shrinkable<GeneratedCase> shrinkable_case(std::uint64_t seed, std::uint64_t index,
                                              const std::vector<std::string>& swarm_off,
                                              std::optional<engine::Algorithm> algorithm) {
  const rc::Random random(sim::mix64(sim::mix64(seed) ^ index));
  return gen_case(swarm_off, algorithm)(random, static_cast<int>(case_size(index)));
}

GeneratedCase generate_case(std::uint64_t seed, std::uint64_t index,
                            const std::vector<std::string>& swarm_off,
                            std::optional<engine::Algorithm> algorithm) {
  return shrinkable_case(seed, index, swarm_off, algorithm).value();
}

RunReport run_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                   OracleLimits limits) {
  RunOptions options;
  options.extra_bugs = bugs;
  options.oracle_limits = limits;
  if (std::holds_alternative<scenarios::TraceWorkload>(c.scenario.workload)) {
    options.requests = c.requests;
  }
  return run_scenario(c.scenario, options);
}

void check_set_aside(std::span<const std::string> names) {
  for (const std::string& name : names) {
    const auto props = property_list();
    const bool known = std::any_of(props.begin(), props.end(),
                                   [&](const PropertyInfo& p) { return p.name == name; });
    if (!known || name == property::kNoCrash) {
      throw std::invalid_argument(fmt::format(
          "'{}' is not a property that can be set aside (see `mirrorsim list properties`; "
          "no-crash cannot be)",
          name));
    }
  }
}

CaseOutcome evaluate_case(const GeneratedCase& c, std::uint64_t index,
                          const std::vector<std::string>& bugs, bool check_determinism,
                          OracleLimits limits, std::span<const std::string> set_aside) {
  RunReport report = run_case(c, bugs, limits);
  properties::set_aside(report.verdicts, set_aside);
  CaseOutcome o = outcome_of(report, index);
  if (!o.passed || !check_determinism) return o;
  o.determinism_checked = true;
  const Verdict determinism = determinism_verdict(report, run_case(c, bugs, limits));
  if (determinism.violated()) {
    o.passed = false;
    o.property = determinism.property;
    o.message = determinism.message;
  }
  return o;
}

std::filesystem::path save_case(const GeneratedCase& c, const std::vector<std::string>& bugs,
                                const std::filesystem::path& dir, const std::string& name) {
  return save_case_files(c, bugs, dir, name).file;
}

CampaignResult run_campaign(const CampaignOptions& options, const CampaignHooks& hooks) {
  return CampaignRun(options, hooks).run();
}

}  // namespace mirrorsim::properties
