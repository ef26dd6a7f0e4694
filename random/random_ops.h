// Integer sampling algorithms shared by every RandomSource: bounded draws, randint and shuffle.
//
// These are NumPy's legacy RandomState algorithms written against the RandomSource interface, so
// that a NumPy-legacy stream reproduces numpy bit for bit and any other stream gets the same
// exact, unbiased integer semantics.
#ifndef NITRO_RANDOM_RANDOM_OPS_H_
#define NITRO_RANDOM_RANDOM_OPS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "graph/random_source.h"

namespace nitro {

// A uniform 53-bit integer k = (a << 26) + b from two words, a = first >> 5 (27 bits) and
// b = second >> 6 (26 bits): numpy's next_double() is exactly k / 2^53. A template, so that a
// final RandomSource (NumpyRandom, DefaultRandom) draws its two words without virtual calls.
template <typename Rng>
uint64_t Next53(Rng& rng) {
  const uint64_t a = rng.NextU32() >> 5;  // the first word drawn: the high 27 bits
  const uint64_t b = rng.NextU32() >> 6;
  return (a << 26) + b;
}

// A uniform integer in [0, r] by masked rejection: mask = r with every bit below its highest set
// bit set; draw v = NextU32() & mask until v <= r. No draw is made when r == 0. Each try succeeds
// with probability (r + 1) / (mask + 1) > 1/2, and the result is exactly uniform.
uint32_t MaskedBounded(RandomSource& rng, uint32_t r);

// A uniform integer in [low, high) as numpy's randint(low, high): low + rng.Bounded(high - 1 - low).
// Requires low < high <= low + 2^32 (callers validate; CheckedRandInt below is the checked form).
int64_t RandIntUnchecked(RandomSource& rng, int64_t low, int64_t high);

// numpy's RandomState.shuffle of a 1-D array: for i = n-1 down to 1, j = rng.Bounded(i), swap
// v[i] and v[j]. Takes n - 1 bounded draws. Requires v.size() <= 2^32.
void ShuffleSpan(RandomSource& rng, absl::Span<int64_t> v);

// OK when low < high <= low + 2^32 (the ranges RandIntUnchecked draws from), else InvalidArgument.
absl::Status CheckRandIntRange(int64_t low, int64_t high);

// The generators' sticky misuse status: keeps the first error; OK replaces nothing.
void RecordFirstError(absl::Status& sticky, absl::Status error);

// The checked randint of NumpyRandom and DefaultRandom: RandIntUnchecked for a valid range;
// otherwise low, without drawing, and the range error recorded in `sticky`.
int64_t CheckedRandInt(RandomSource& rng, int64_t low, int64_t high, absl::Status& sticky);

// Shuffles a whole vector with ShuffleSpan.
void ShuffleVector(RandomSource& rng, std::vector<int64_t>& v);

}  // namespace nitro

#endif  // NITRO_RANDOM_RANDOM_OPS_H_
