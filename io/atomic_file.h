// Whole-file writes that are atomic and durable: a temp file, fsync, rename over the target, fsync of the directory.
#ifndef NITRO_IO_ATOMIC_FILE_H_
#define NITRO_IO_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nitro {

// Replaces the file at `path` with `content`. The bytes go to `path + ".tmp.<pid>"`, which is
// fsynced and renamed over `path`; then the directory is fsynced so that the rename survives a
// crash. Readers see either the old file or the new one, never a mix. On any error the temp file
// is removed, the old file at `path` (if any) is left untouched, and the Status names the file
// and the failing step.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

// The temp file name WriteFileAtomically uses for `path` in this process.
std::string AtomicTempPath(const std::string& path);

}  // namespace nitro

#endif  // NITRO_IO_ATOMIC_FILE_H_
