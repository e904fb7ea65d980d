#include "properties/scenario_replays.h"

#include <algorithm>
#include <set>

#include "properties/case_protocol.h"
#include "properties/interrupt.h"
#include "properties/scenario_build.h"
#include "properties/world.h"
#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim::properties {
namespace {

constexpr std::string_view kUnshrunkSuffix = ".unshrunk.toml";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

ReplayResult replay_one(const std::filesystem::path& file, const std::vector<std::string>& bugs,
                        std::span<const std::string> set_aside) {
  ReplayResult r;
  r.file = file;
  r.name = file.filename().string();
  r.name = r.name.substr(0, r.name.size() - (ends_with(r.name, ".toml") ? 5 : 0));
  r.replay_command = "mirrorsim run " + file.string() + bug_flag_text(bugs);
  scenarios::Scenario s;
  try {
    scenarios::LoadOptions load;
    load.known_bugs = known_bug_names();
    s = scenarios::load_scenario(file, load);
  } catch (const std::exception& e) {
    r.loaded = false;
    r.passed = false;
    r.property = "load";
    r.message = e.what();
    return r;
  }
  const CaseOutcome o = run_isolated(0, [&] {
    RunOptions options;
    options.extra_bugs = bugs;
    RunReport report = run_scenario(s, options);
    properties::set_aside(report.verdicts, set_aside);
    return outcome_of(report, 0);
  });
  r.passed = o.passed;
  r.verdicts = o.verdicts;
  r.property = o.property;
  r.message = o.message;
  return r;
}

}  // namespace

std::string bug_flag_text(const std::vector<std::string>& bugs) {
  std::string text;
  for (const std::string& bug : bugs) text += " --bug " + bug;
  return text;
}

std::vector<ReplayResult> replay_files(const std::vector<std::filesystem::path>& files,
                                       const std::vector<std::string>& bugs,
                                       std::span<const std::string> set_aside,
                                       const std::function<void(const ReplayResult&)>& each) {
  std::vector<ReplayResult> results;
  for (const std::filesystem::path& file : files) {
    if (interrupted()) break;
    results.push_back(replay_one(file, bugs, set_aside));
    if (interrupted()) {
      results.pop_back();  // cut short by the interrupt: not a result
      break;
    }
    if (each) each(results.back());
  }
  return results;
}

std::vector<std::filesystem::path> corpus_files(const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) return {};
  std::set<std::string> shrunk;
  std::vector<std::filesystem::path> unshrunk;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !ends_with(name, ".toml")) continue;
    if (ends_with(name, kUnshrunkSuffix)) {
      unshrunk.push_back(entry.path());
    } else {
      shrunk.insert(name.substr(0, name.size() - 5));
      files.push_back(entry.path());
    }
  }
  for (const std::filesystem::path& p : unshrunk) {
    const std::string name = p.filename().string();
    if (!shrunk.count(name.substr(0, name.size() - kUnshrunkSuffix.size()))) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace mirrorsim::properties
