#include "scenarios/library.h"

#include <algorithm>

namespace mirrorsim::scenarios {

std::filesystem::path library_dir() {
  return MIRRORSIM_SCENARIO_LIBRARY_DIR;
}

namespace {

std::vector<std::filesystem::path> toml_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<std::filesystem::path> library_files() {
  return toml_files(library_dir());
}

std::filesystem::path regressions_dir() {
  return library_dir().parent_path() / "regressions";
}

std::vector<std::filesystem::path> regression_files() {
  return toml_files(regressions_dir());
}

std::filesystem::path library_file(const std::string& name) {
  std::filesystem::path file = library_dir() / name;
  if (file.extension() != ".toml") file += ".toml";
  return file;
}

}  // namespace mirrorsim::scenarios
