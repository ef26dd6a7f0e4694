// Integer sampling algorithms shared by every RandomSource: bounded draws, randint and shuffle.
#include "random/random_ops.h"

#include <utility>

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

}  // namespace nitro
