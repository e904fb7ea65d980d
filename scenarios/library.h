// The built-in scenario library: the TOML files in scenarios/library/.
#pragma once

#include <filesystem>
#include <vector>

namespace mirrorsim::scenarios {

// The folder that holds the library (set at build time).
std::filesystem::path library_dir();
// Every *.toml file there, sorted by name.
std::vector<std::filesystem::path> library_files();
// The regression corpus: shrunk failures that were real bugs
// (scenarios/regressions/), replayed by the tests.
std::filesystem::path regressions_dir();
std::vector<std::filesystem::path> regression_files();
// The library file called `name` (with or without .toml), if it exists.
std::filesystem::path library_file(const std::string& name);

}  // namespace mirrorsim::scenarios
