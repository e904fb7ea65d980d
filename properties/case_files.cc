#include "properties/case_files.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include <fmt/core.h>

#include "properties/atomic_file.h"
#include "scenarios/scenario_writer.h"

namespace mirrorsim::properties {
namespace {

// FNV-1a: stable across builds and machines, which std::hash is not.
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

CaseText case_text(const GeneratedCase& c, const std::vector<std::string>& bugs,
                   const std::string& name) {
  CaseText text;
  scenarios::Scenario s = c.scenario;
  s.name = name;
  for (const std::string& bug : bugs) {
    if (std::find(s.mirror.bugs.begin(), s.mirror.bugs.end(), bug) == s.mirror.bugs.end()) {
      s.mirror.bugs.push_back(bug);
    }
  }
  if (std::holds_alternative<scenarios::TraceWorkload>(s.workload)) {
    std::ostringstream csv;
    csv << "time_us,op,offset,length\n";
    for (const sim::GuestRequest& r : c.requests) {
      csv << r.time / engine::kNsPerUs << "," << sim::guest_op_name(r.op) << "," << r.offset << ","
          << r.length << "\n";
    }
    text.csv = csv.str();
    s.workload = scenarios::TraceWorkload{name + ".csv", sim::TraceFormat::kCsv};
  }
  text.toml = scenarios::write_scenario(s);
  return text;
}

std::string case_digest(const GeneratedCase& c, const std::vector<std::string>& bugs) {
  // The swarm options only say how the case was drawn: equal cases drawn
  // with other options (a switch on that drew nothing) are one failure.
  GeneratedCase content = c;
  content.scenario.swarm.reset();
  const CaseText text = case_text(content, bugs, "case");
  return fmt::format("{:016x}", fnv1a(text.csv, fnv1a(text.toml)));
}

SavedCase save_case_files(const GeneratedCase& c, const std::vector<std::string>& bugs,
                          const std::filesystem::path& dir, const std::string& name) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw FileWriteError(fmt::format("cannot create folder {}: {}", dir.string(), error.message()));
  }
  const CaseText text = case_text(c, bugs, name);
  if (!text.csv.empty()) write_file_atomically(dir / (name + ".csv"), text.csv);
  SavedCase saved;
  saved.file = dir / (name + ".toml");
  write_file_atomically(saved.file, text.toml);
  saved.digest = case_digest(c, bugs);
  return saved;
}

}  // namespace mirrorsim::properties
