// Integer sampling algorithms shared by every RandomSource: bounded draws, randint and shuffle.
#include "random/random_ops.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nitro {

uint32_t MaskedBounded(RandomSource& rng, uint32_t r) {
  if (r == 0) return 0;
  uint32_t mask = r;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t v;
  do {
    v = rng.NextU32() & mask;
  } while (v > r);
  return v;
}

int64_t RandIntUnchecked(RandomSource& rng, int64_t low, int64_t high) {
  const uint64_t r = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) - 1;
  return low + static_cast<int64_t>(rng.Bounded(static_cast<uint32_t>(r)));
}

void ShuffleSpan(RandomSource& rng, absl::Span<int64_t> v) {
  for (size_t i = v.size() > 0 ? v.size() - 1 : 0; i >= 1; --i) {
    const size_t j = rng.Bounded(static_cast<uint32_t>(i));
    std::swap(v[i], v[j]);
  }
}

absl::Status CheckRandIntRange(int64_t low, int64_t high) {
  if (low < high && static_cast<uint64_t>(high) - static_cast<uint64_t>(low) <= (1ull << 32)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("randint: need low < high <= low + 2^32, got low=", low, " high=", high));
}

void RecordFirstError(absl::Status& sticky, absl::Status error) {
  if (sticky.ok()) sticky = std::move(error);
}

int64_t CheckedRandInt(RandomSource& rng, int64_t low, int64_t high, absl::Status& sticky) {
  absl::Status range = CheckRandIntRange(low, high);
  if (!range.ok()) {
    RecordFirstError(sticky, std::move(range));
    return low;
  }
  return RandIntUnchecked(rng, low, high);
}

void ShuffleVector(RandomSource& rng, std::vector<int64_t>& v) { ShuffleSpan(rng, absl::MakeSpan(v)); }

}  // namespace nitro
