// A scenario file as the parameter of a parameterised test: the test is
// named after the file ("cow-founding.toml" -> "cow_founding"), and gtest
// prints that name, not the absolute path, into ctest's test names, so they
// are the same in every checkout.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace mirrorsim::testing_support {

struct ScenarioFileParam {
  std::string name;  // the file's stem, with '_' for what gtest does not allow
  std::filesystem::path file;
};

inline void PrintTo(const ScenarioFileParam& p, std::ostream* os) {
  *os << p.name;
}

inline std::vector<ScenarioFileParam> scenario_file_params(
    const std::vector<std::filesystem::path>& files) {
  std::vector<ScenarioFileParam> params;
  for (const std::filesystem::path& file : files) {
    std::string name = file.stem().string();
    std::replace_if(
        name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) == 0; }, '_');
    params.push_back({name, file});
  }
  return params;
}

inline std::string scenario_file_param_name(const testing::TestParamInfo<ScenarioFileParam>& info) {
  return info.param.name;
}

}  // namespace mirrorsim::testing_support
