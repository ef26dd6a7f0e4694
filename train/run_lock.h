// An exclusive lock on a run directory, so that two processes never train into the same one.
#ifndef NITRO_TRAIN_RUN_LOCK_H_
#define NITRO_TRAIN_RUN_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace nitro {

// The lock file inside a run directory.
inline constexpr char kRunLockFileName[] = ".lock";

// Holds flock(LOCK_EX) on RUN_DIR/.lock (which records the holder's pid) until destroyed. The
// kernel releases it when the process ends, however it ends, so a stale file never blocks.
class RunDirLock {
 public:
  // FailedPrecondition naming the directory and the holder's pid when another process (or another
  // RunDirLock in this one) holds it; PermissionDenied/other errno codes when the file cannot be
  // opened.
  static absl::StatusOr<std::unique_ptr<RunDirLock>> Acquire(const std::string& run_dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  explicit RunDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace nitro

#endif  // NITRO_TRAIN_RUN_LOCK_H_
