#include "properties/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/core.h>

namespace mirrorsim::properties {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, std::string_view step, int error) {
  throw FileWriteError(
      fmt::format("cannot write {}: {}: {}", path.string(), step, std::strerror(error)));
}

// Closes the descriptor and removes the temporary file unless released.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  // Closes and reports the error close() saw (NFS and full disks report late).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool kept_ = false;
};

void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems refuse to open folders
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  TemporaryFile tmp(path.string() + fmt::format(".tmp{}", ::getpid()));
  if (tmp.fd() < 0) fail(path, "create", errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(tmp.fd(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, "write", n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) fail(path, "fsync", errno);
  if (const int error = tmp.close(); error != 0) fail(path, "close", error);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) fail(path, "rename", errno);
  tmp.keep();
  sync_directory(path.parent_path());
}

void probe_writable_directory(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw FileWriteError(fmt::format("cannot create folder {}: {}", dir.string(), error.message()));
  }
  const std::filesystem::path probe = dir / ".mirrorsim-probe";
  write_file_atomically(probe, "mirrorsim checks that this folder is writable\n");
  std::filesystem::remove(probe, error);
}

}  // namespace mirrorsim::properties
