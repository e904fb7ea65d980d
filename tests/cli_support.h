// Helpers for the tests that run the built `mirrorsim` binary.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mirrorsim::testing_support {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Without the three lines ASan prints when boost unwinds a finished fiber
// ("WARNING: ASan is ignoring requested __asan_handle_no_return", "False
// positive error reports may follow", "For details see ..."): sanitizer
// builds print them on every run, and they are not the command's output.
inline std::string without_sanitizer_notes(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  int skip = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("ASan is ignoring requested __asan_handle_no_return") != std::string::npos) {
      skip = 2;
      continue;
    }
    if (skip > 0) {
      --skip;
      continue;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace mirrorsim::testing_support
