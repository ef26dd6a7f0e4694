// Whole-file writes that are atomic and durable: a temp file, fsync, rename over the target, fsync of the directory.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nitro {
namespace {

absl::Status ErrnoError(int err, const std::string& path, absl::string_view step) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
    // A full disk, a quota or a file-size limit: the caller's old file is untouched.
    return absl::ResourceExhaustedError(absl::StrCat("atomic_file: ", path, ": ", step, ": ", std::strerror(err),
                                                     " (the disk is full or a file-size limit was reached; free "
                                                     "space and retry — the previous file is left as it was)"));
  }
  return absl::ErrnoToStatus(err, absl::StrCat("atomic_file: ", path, ": ", step));
}

// The directory holding `path`, for the fsync that makes the rename durable.
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes all of `content` to `fd`, retrying short writes and EINTR.
absl::Status WriteAll(int fd, absl::string_view content, const std::string& tmp) {
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, tmp, "write failed");
    }
    if (n == 0) return absl::UnavailableError(absl::StrCat("atomic_file: ", tmp, ": write made no progress"));
    p += n;
    left -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Everything up to (and including) the rename. `created` tells the caller whether `tmp` exists
// because of us (and must be removed on failure).
absl::Status WriteAndRename(const std::string& path, const std::string& tmp, absl::string_view content, bool& created) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(errno, tmp, "cannot create temp file");
  created = true;
  absl::Status status = WriteAll(fd, content, tmp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError(errno, tmp, "fsync failed");
  // close() can report a deferred write error (e.g. on network file systems).
  if (::close(fd) != 0 && status.ok()) status = ErrnoError(errno, tmp, "close failed");
  if (!status.ok()) return status;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError(errno, path, "cannot rename temp file over it");
  created = false;
  return absl::OkStatus();
}

}  // namespace

std::string AtomicTempPath(const std::string& path) {
  return absl::StrCat(path, ".tmp.", static_cast<long long>(::getpid()));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) {
  if (path.empty()) return absl::InvalidArgumentError("atomic_file: empty path");
  const std::string tmp = AtomicTempPath(path);
  bool created = false;
  absl::Status status = WriteAndRename(path, tmp, content, created);
  if (!status.ok()) {
    if (created) ::unlink(tmp.c_str());
    return status;
  }
  const std::string dir = DirectoryOf(path);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoError(errno, dir, "cannot open directory to fsync the rename");
  absl::Status sync = absl::OkStatus();
  // EINVAL: the file system does not support syncing directories; nothing more can be done.
  if (::fsync(dfd) != 0 && errno != EINVAL) sync = ErrnoError(errno, dir, "directory fsync failed");
  ::close(dfd);
  return sync;
}

}  // namespace nitro
