// Files a campaign writes (summaries, saved cases, JUnit reports) are
// written whole or not at all: the text goes to a temporary file in the same
// folder, the stream is checked, the file is fsynced and then renamed over
// the destination, and the folder is fsynced. A reader never sees an empty
// or half-written file, and a full disk is an error the caller hears about.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace mirrorsim::properties {

// A write that did not happen; what() names the path and the OS error.
class FileWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Replaces `path` with `text`. Throws FileWriteError and leaves no
// temporary file behind when any step fails (ENOSPC, EFBIG, EACCES, ...).
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// Creates `dir` (and parents) and proves a file can be written there.
// Throws FileWriteError naming the folder and the OS error.
void probe_writable_directory(const std::filesystem::path& dir);

}  // namespace mirrorsim::properties
