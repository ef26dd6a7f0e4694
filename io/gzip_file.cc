// Reading whole files that may be gzip-compressed (detected by the 1f 8b magic), via zlib.
#include "io/gzip_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"

namespace nitro {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// zlib takes at most 2^32 - 1 bytes per call; feed it in chunks of this size.
constexpr size_t kChunk = size_t{1} << 30;

// Hands zlib the next chunk of at most kChunk input bytes once it has consumed the last one
// (avail_in is a 32-bit count, so a large input goes in pieces).
void RefillInput(z_stream& zs, const Bytef*& next, size_t& left) {
  if (zs.avail_in != 0 || left == 0) return;
  const size_t take = std::min(left, kChunk);
  zs.next_in = const_cast<Bytef*>(next);
  zs.avail_in = static_cast<uInt>(take);
  next += take;
  left -= take;
}

}  // namespace

bool IsGzip(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f && static_cast<uint8_t>(bytes[1]) == 0x8b;
}

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::DataLossError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  std::string bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0) bytes.append(buf, n);
  if (std::ferror(file.get())) {
    return absl::DataLossError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
  }
  return bytes;
}

absl::StatusOr<std::string> Gunzip(absl::string_view compressed, absl::string_view name) {
  std::string out;
  // The gzip trailer's last 4 bytes hold the uncompressed size modulo 2^32: a reserve hint.
  if (compressed.size() >= 4) {
    const auto* t = reinterpret_cast<const uint8_t*>(compressed.data() + compressed.size() - 4);
    const uint32_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (uint32_t{t[3]} << 24);
    // Deflate expands at most 1032:1, so a hint beyond that is a corrupt (or hostile) trailer: a
    // 20-byte input must not reserve a gigabyte (found by fuzz/tensor_text_fuzzer).
    const size_t most = std::min<size_t>(compressed.size() * size_t{1032}, size_t{1} << 30);
    out.reserve(std::min<size_t>(isize, most));
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError(absl::StrCat(name, ": inflateInit2 failed"));
  }
  const auto* next = reinterpret_cast<const Bytef*>(compressed.data());
  size_t left = compressed.size();
  char buf[1 << 16];
  absl::Status status;
  for (;;) {
    RefillInput(zs, next, left);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_STREAM_END) {
      const size_t remaining = zs.avail_in + left;
      if (remaining == 0) break;
      // Another gzip member may follow (as `cat a.gz b.gz` produces).
      const absl::string_view rest(reinterpret_cast<const char*>(zs.next_in), zs.avail_in);
      if (!IsGzip(rest)) {
        status = absl::DataLossError(
            absl::StrCat(name, ": ", remaining, " unexpected bytes after the end of the gzip stream"));
        break;
      }
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && left == 0) {
      status = absl::DataLossError(absl::StrCat(name, ": truncated gzip stream (ended after ", out.size(), " bytes)"));
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = absl::DataLossError(
          absl::StrCat(name, ": corrupt gzip data (", zs.msg != nullptr ? zs.msg : "zlib error", ")"));
      break;
    }
  }
  inflateEnd(&zs);
  RETURN_IF_ERROR(status);
  return out;
}

absl::StatusOr<std::string> Gzip(absl::string_view data) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  std::string out;
  const auto* next = reinterpret_cast<const Bytef*>(data.data());
  size_t left = data.size();
  char buf[1 << 16];
  int rc;
  do {
    RefillInput(zs, next, left);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc == Z_OK || rc == Z_BUF_ERROR);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError("gzip: deflate failed");
  return out;
}

absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok() || !IsGzip(*bytes)) return bytes;
  return Gunzip(*bytes, path);
}

}  // namespace nitro
