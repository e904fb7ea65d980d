// Re-running saved scenario files inside a campaign: the built-in library
// and the failure database (the failures a previous campaign saved in
// DIR/failures/, re-run first, as Hypothesis replays its example database).
// Each file runs in a child process, so a crash is a result, not the end.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace mirrorsim::properties {

struct ReplayResult {
  std::string name;  // the file's stem
  std::filesystem::path file;
  bool loaded = true;    // false: the file could not be read (message says why)
  bool passed = true;    // every property held
  std::string verdicts;  // one letter per property (case_protocol.h)
  std::string property;  // the first violated property
  std::string message;
  std::string replay_command;  // "mirrorsim run FILE [--bug X]..."
};

// Runs each file with `bugs` added; stops early (returning what ran) when
// the campaign is interrupted.
std::vector<ReplayResult> replay_files(const std::vector<std::filesystem::path>& files,
                                       const std::vector<std::string>& bugs,
                                       std::span<const std::string> set_aside = {},
                                       const std::function<void(const ReplayResult&)>& each = {});

// The saved failures in `dir`, sorted: <id>.toml, or <id>.unshrunk.toml
// when the shrunk file was never written (an interrupted shrink).
std::vector<std::filesystem::path> corpus_files(const std::filesystem::path& dir);

// " --bug a --bug b"
std::string bug_flag_text(const std::vector<std::string>& bugs);

}  // namespace mirrorsim::properties
