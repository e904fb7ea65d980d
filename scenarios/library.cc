#include "scenarios/library.h"

#include <algorithm>

namespace mirrorsim::scenarios {

std::filesystem::path library_dir() {
  return MIRRORSIM_SCENARIO_LIBRARY_DIR;
}

std::vector<std::filesystem::path> library_files() {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(library_dir(), error)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path library_file(const std::string& name) {
  std::filesystem::path file = library_dir() / name;
  if (file.extension() != ".toml") file += ".toml";
  return file;
}

}  // namespace mirrorsim::scenarios
