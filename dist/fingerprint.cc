#include "dist/fingerprint.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace nitro {

absl::Status CheckSameOnEveryRank(Communicator& comm, const Fingerprint& mine) {
  std::string bytes;
  for (const auto& [name, digest] : mine) bytes += digest;
  std::vector<uint8_t> all;
  const absl::Status gathered =
      comm.AllGather(absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), &all);
  if (!gathered.ok()) return gathered;
  const size_t n = bytes.size();
  for (int r = 1; r < comm.size(); ++r) {
    size_t at = 0;
    for (const auto& [name, digest] : mine) {
      const auto first = all.begin() + at;
      if (!std::equal(first, first + digest.size(), all.begin() + r * n + at)) {
        return absl::FailedPreconditionError(absl::StrCat("rank ", r, "'s fingerprint of the ", name,
                                                          " differs from rank 0's (their SHA-256 differ); every rank ",
                                                          "must run the same model file, data and flags"));
      }
      at += digest.size();
    }
  }
  return absl::OkStatus();
}

}  // namespace nitro
