#include "scenarios/scenario_error.h"

#include <algorithm>

#include <fmt/format.h>

namespace mirrorsim::scenarios {
namespace {

std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

}  // namespace

ScenarioError::ScenarioError(std::string file, std::uint64_t line, std::string key,
                             std::string problem, std::string allowed)
    : std::runtime_error(
          one_line(fmt::format("{}:{}: {}: {}; allowed: {}", file, line, key, problem, allowed))),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      problem_(std::move(problem)),
      allowed_(std::move(allowed)) {}

}  // namespace mirrorsim::scenarios
