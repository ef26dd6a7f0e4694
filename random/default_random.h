// DefaultRandom: nitro's own random stream, PCG32 (PCG-XSH-RR 64/32, O'Neill 2014), integers only.
//
// Used when bit-exact agreement with numpy is not needed: it is small (16 bytes of state), fast,
// and statistically strong. The state advances as s <- s * 6364136223846793005 + inc (mod 2^64),
// with inc odd; each output is the xorshifted high bits of the old state, rotated by its top 5 bits.
// Bounded, RandInt and Shuffle use the same exact algorithms as NumpyRandom (random/random_ops.h);
// Bernoulli is exact: 1 iff Bounded(999999) < p_per_million, so P(1) = p_per_million / 10^6.
#ifndef NITRO_RANDOM_DEFAULT_RANDOM_H_
#define NITRO_RANDOM_DEFAULT_RANDOM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/random_source.h"

namespace nitro {

class DefaultRandom final : public RandomSource {
 public:
  // pcg32_srandom(seed, stream): different streams give independent sequences for one seed.
  explicit DefaultRandom(uint64_t seed, uint64_t stream = 0);
  void Seed(uint64_t seed, uint64_t stream = 0);

  uint32_t NextU32() override;
  // A uniform 53-bit integer (a << 26) + b from two words, like NumpyRandom::NextDouble53.
  uint64_t NextDouble53();
  // A uniform integer in [0, r] by masked rejection; no draw when r == 0.
  uint32_t Bounded(uint32_t r) override;
  // A uniform integer in [low, high). Requires low < high <= low + 2^32; otherwise returns low
  // without drawing and records an InvalidArgument error in status().
  int64_t RandInt(int64_t low, int64_t high);
  // Fisher-Yates: for i = n-1..1, j = Bounded(i), swap v[i], v[j].
  void Shuffle(std::vector<int64_t>& v);
  // 1 with probability exactly p_per_million / 10^6: one Bounded(999999) draw compared with p.
  // p = 0 and p = 10^6 make no draw. A p outside [0, 10^6] is clamped and recorded in status().
  int Bernoulli(int64_t p_per_million) override;
  // Every p in [0, 10^6] is exact.
  static bool SupportsBernoulli(int64_t p_per_million);

  // OK, or the first misuse seen. Sticky until Seed() is called again.
  absl::Status status() const override { return status_; }

  absl::StatusOr<std::string> SaveState() const override;
  absl::Status LoadState(absl::string_view state) override;

 private:
  uint64_t state_ = 0;
  uint64_t inc_ = 1;
  absl::Status status_;
};

}  // namespace nitro

#endif  // NITRO_RANDOM_DEFAULT_RANDOM_H_
