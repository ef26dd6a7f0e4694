// SHA-256 (FIPS 180-4), used to verify dataset files and to fingerprint tensors.
#ifndef NITRO_IO_SHA256_H_
#define NITRO_IO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace nitro {

// Incremental hasher: Update() any number of times, then Digest() once.
class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(absl::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The 32-byte digest. The hasher must not be updated afterwards.
  std::array<uint8_t, 32> Digest();
  // Digest() as 64 lowercase hex characters.
  std::string HexDigest();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);
std::string Sha256Hex(const void* data, size_t size);

}  // namespace nitro

#endif  // NITRO_IO_SHA256_H_
