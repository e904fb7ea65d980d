// A generated case as files a person can replay: DIR/<name>.toml, plus
// DIR/<name>.csv with the guest's requests when the case replays a trace.
// Both are written atomically (properties/atomic_file.h), the CSV first, so
// a scenario file on disk always finds its trace.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "properties/generators.h"

namespace mirrorsim::properties {

struct SavedCase {
  std::filesystem::path file;  // the scenario file
  // A hex digest of the case's content, the same for equal cases whatever
  // their names and swarm options: failures with the same property and
  // digest are one failure.
  std::string digest;
};

// The files' text for a case named `name`, with `bugs` added to its
// mirror.bugs. `csv` is empty when the case has no trace.
struct CaseText {
  std::string toml;
  std::string csv;
};
CaseText case_text(const GeneratedCase& c, const std::vector<std::string>& bugs,
                   const std::string& name);

std::string case_digest(const GeneratedCase& c, const std::vector<std::string>& bugs);

// Writes the case; throws FileWriteError when the disk refuses.
SavedCase save_case_files(const GeneratedCase& c, const std::vector<std::string>& bugs,
                          const std::filesystem::path& dir, const std::string& name);

}  // namespace mirrorsim::properties
