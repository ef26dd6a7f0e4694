// NumpyRandom: numpy's legacy RandomState (MT19937) reproduced bit for bit with integers only.
//
// np.random.seed(s) followed by shuffle / randint / binomial(1, p) calls in numpy yields the same
// values as NumpyRandom(s) followed by Shuffle / RandInt / Bernoulli here (spec Appendix A). This
// makes a C++ run checkable against the reference's CPU path, where every draw comes from numpy.
#ifndef NITRO_RANDOM_NUMPY_RANDOM_H_
#define NITRO_RANDOM_NUMPY_RANDOM_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/random_source.h"

namespace nitro {

class NumpyRandom final : public RandomSource {
 public:
  // Same as np.random.seed(seed) for 0 <= seed < 2^32 (MT19937 init_genrand).
  explicit NumpyRandom(uint32_t seed);
  void Seed(uint32_t seed);

  // The next tempered MT19937 output (numpy's next_uint32).
  uint32_t NextU32() override;
  // numpy's next_double() as the integer k = (a << 26) + b, a = u32 >> 5, b = u32 >> 6, so that
  // numpy's double is exactly k / 2^53. Consumes two words.
  uint64_t NextDouble53();
  // A uniform integer in [0, r] by numpy's masked rejection; no draw when r == 0.
  uint32_t Bounded(uint32_t r) override;
  // numpy's randint(low, high) (exclusive high, int32 or int64 dtype): low + Bounded(high-1-low).
  // Requires low < high <= low + 2^32; otherwise returns low without drawing and records an
  // InvalidArgument error in status().
  int64_t RandInt(int64_t low, int64_t high);
  // numpy's shuffle of a 1-D array: for i = n-1..1, j = Bounded(i), swap v[i], v[j].
  void Shuffle(std::vector<int64_t>& v);

  // numpy's binomial(1, p) with p = p_per_million / 10^6, decided exactly: the 53-bit draw k is
  // compared with the integer thresholds of random/binomial_thresholds.inc (generated from the
  // double values numpy computes), so no floating point is involved.
  //
  // Callers must check SupportsBernoulli(p) first. For an unsupported p this does NOT silently
  // pretend to be numpy: it returns 1 iff k * 10^6 < p * 2^53 (an exact Bernoulli(p), which can
  // differ from numpy in the last ulp) and records a sticky error in status(). A p outside
  // [0, 10^6] is clamped and recorded as InvalidArgument.
  int Bernoulli(int64_t p_per_million) override;
  // True if p has an exact numpy threshold entry: 0, 1/2, and 1 - r for every dropout rate
  // r = 0.00, 0.05, ..., 1.00 (that is, multiples of 50000 per million).
  static bool SupportsBernoulli(int64_t p_per_million);

  // OK, or the first misuse seen (unsupported Bernoulli p, invalid RandInt range). Sticky: stays
  // set until Seed() is called again.
  absl::Status status() const override { return status_; }

  absl::StatusOr<std::string> SaveState() const override;
  absl::Status LoadState(absl::string_view state) override;

 private:
  void Twist();

  static constexpr int kStateWords = 624;
  std::array<uint32_t, kStateWords> mt_;
  int pos_ = kStateWords;
  absl::Status status_;
  // The threshold entry of the last Bernoulli p (a dropout layer asks for the same p per element).
  const void* last_threshold_ = nullptr;
  int64_t last_p_per_million_ = -1;
};

}  // namespace nitro

#endif  // NITRO_RANDOM_NUMPY_RANDOM_H_
