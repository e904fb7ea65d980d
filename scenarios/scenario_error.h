// The one error a bad scenario file produces.
//
// what() is a single line, in the form editors and CI logs understand:
//   "<file>:<line>: <key path>: <what is wrong>; allowed: <what is allowed>"
// for example
//   "cow.toml:12: mirror.granularity: 3000 is not a power of two; allowed: 0 (default) or a power
//    of two from 512 bytes to 64MiB"
// Line breaks inside the parts are replaced by spaces. The CLI maps this
// error to exit code 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mirrorsim::scenarios {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, std::uint64_t line, std::string key, std::string problem,
                std::string allowed);

  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }  // 1-based
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }
  const std::string& allowed() const { return allowed_; }

 private:
  std::string file_;
  std::uint64_t line_;
  std::string key_;
  std::string problem_;
  std::string allowed_;
};

}  // namespace mirrorsim::scenarios
