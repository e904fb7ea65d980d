// RapidCheck helpers for state-machine tests of a mirror algorithm: value
// pickers that ignore the size (swarm-style choices), a run of a property
// with at least N cases, and a quiet run against a mutant engine that
// reports whether, when and how small the property caught it. Deterministic:
// a mutant run uses a fixed seed.
#pragma once

#include <gtest/gtest.h>

#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace mirrorsim::rc_support {

// One of `choices`, uniformly whatever the size, shrinking towards the first.
template <typename T>
rc::Gen<T> pick(std::vector<T> choices) {
  return rc::gen::resize(100, rc::gen::sizedElementOf(std::move(choices)));
}

// In [low, high), uniformly whatever the size, shrinking towards low.
template <typename T>
rc::Gen<T> uniform(T low, T high) {
  return rc::gen::resize(100, rc::gen::inRange<T>(low, high));
}

// Checks `property` for at least `min_cases` cases (more if RC_PARAMS asks),
// honouring RC_PARAMS' seed and reproduce; a failure fails the gtest.
inline void check_at_least(const std::string& id, int min_cases,
                           const std::function<void()>& property) {
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = id;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(params.maxSuccess, min_cases);
  const rc::detail::TestResult result =
      rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params);
  if (!result.is<rc::detail::SuccessResult>()) {
    std::ostringstream os;
    rc::detail::printResultMessage(result, os);
    FAIL() << os.str();
  }
}

struct Catch {
  bool caught = false;
  int passing_cases = 0;  // before the first failing one
  double seconds = 0;     // to the shrunk counterexample
  std::string report;     // the shrunk counterexample and the failure
};

// Runs `property` (against a mutant engine) for up to `max_cases` cases from
// a fixed seed, keeping its expected failure out of RapidCheck's end-of-run
// summary.
inline Catch run_mutant(const std::string& id, int max_cases,
                        const std::function<void()>& property) {
  class QuietListener final : public rc::detail::TestListener {
   public:
    void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
    void onShrinkTried(const rc::detail::CaseDescription&, bool) override { ++shrinks; }
    void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
    int shrinks = 0;
  };
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = id;
  rc::detail::TestParams params;
  params.seed = 6;
  params.maxSuccess = max_cases;
  params.maxSize = 100;
  QuietListener listener;
  const auto begin = std::chrono::steady_clock::now();
  const rc::detail::TestResult result =
      rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params, listener);
  Catch c;
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!result.is<rc::detail::FailureResult>()) return c;
  const auto& failure = result.get<rc::detail::FailureResult>();
  c.caught = true;
  c.passing_cases = failure.numSuccess;
  std::ostringstream os;
  for (const auto& [type, value] : failure.counterExample) os << value << "\n";
  os << failure.description << "\n(" << listener.shrinks << " shrinks tried)";
  c.report = os.str();
  return c;
}

}  // namespace mirrorsim::rc_support
