// Reading whole files that may be gzip-compressed (detected by the 1f 8b magic), via zlib.
#ifndef NITRO_IO_GZIP_FILE_H_
#define NITRO_IO_GZIP_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nitro {

// True if `bytes` starts with the gzip magic bytes 0x1f 0x8b.
bool IsGzip(absl::string_view bytes);

// The whole content of `path`. NotFound if it does not exist, DataLoss on a read error.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// Decompresses a gzip stream (one or more concatenated members). DataLoss, naming `name`, if the
// data is corrupt, truncated, or followed by bytes that are not another gzip member.
absl::StatusOr<std::string> Gunzip(absl::string_view compressed, absl::string_view name);

// Gzip-compresses `data` (level 6). Used by tests and tools to make gzipped fixtures.
absl::StatusOr<std::string> Gzip(absl::string_view data);

// ReadFileBytes, then Gunzip if the content starts with the gzip magic; otherwise the raw bytes.
absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path);

}  // namespace nitro

#endif  // NITRO_IO_GZIP_FILE_H_
