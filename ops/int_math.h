// The integer primitives every nitro kernel uses: truncating division, wrapping and saturating
// casts, and wrap-around int32 arithmetic without signed-overflow undefined behaviour.
#ifndef NITRO_OPS_INT_MATH_H_
#define NITRO_OPS_INT_MATH_H_

#include <cstdint>
#include <type_traits>

#include "base/check.h"

namespace nitro {

// trunc(n / d): rounds toward zero, exactly C/C++ signed division (spec §1.1). d != 0; every call
// site in the spec divides by a positive integer.
inline int64_t TruncDiv(int64_t n, int64_t d) {
  NITRO_DCHECK(d != 0);
  return n / d;
}

// Reduces v modulo 2^N into the signed N-bit range (two's complement), like a C cast to intN_t.
template <typename T>
inline T Wrap(int64_t v) {
  static_assert(std::is_signed_v<T>);
  return static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<uint64_t>(v)));
}
inline int8_t Wrap8(int64_t v) { return Wrap<int8_t>(v); }
inline int32_t Wrap32(int64_t v) { return Wrap<int32_t>(v); }

// Saturates v into [lo, hi].
inline int64_t Clip(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// int32 multiply-accumulate modulo 2^32, as NumPy's int32 matmul/einsum: acc + a*b with wrap.
// Done in uint32 so that overflow is defined; converting back gives the two's-complement result.
inline uint32_t MacU32(uint32_t acc, int32_t a, int32_t b) {
  return acc + static_cast<uint32_t>(a) * static_cast<uint32_t>(b);
}
inline int32_t FromU32(uint32_t v) { return static_cast<int32_t>(v); }

// acc[i] = acc[i] + a·v[i] modulo 2^32 for i in [0, n): one scaled row added to a uint32
// accumulator row, the inner loop of every scatter-form kernel (a delta times an input or weight
// row). v[i] is converted to int32 like MacU32's argument (exactly, for the int8/int16/int32 rows
// the kernels pass); the loop vectorises.
template <typename T>
inline void MacRowU32(uint32_t* acc, int32_t a, const T* v, int64_t n) {
  static_assert(std::is_integral_v<T>);
  NITRO_DCHECK(n >= 0);
  NITRO_DCHECK(n == 0 || (acc != nullptr && v != nullptr));
  for (int64_t i = 0; i < n; ++i) acc[i] = MacU32(acc[i], a, static_cast<int32_t>(v[i]));
}

// trunc(n / d) for int32 n and a fixed divisor 1 <= d < 2^31, by multiplication with a rounded-up
// reciprocal: with 2^(l-1) < d <= 2^l, s = 31 + l and m = ceil(2^s / d) (at most 2^32 + 1),
// floor(|n|·m / 2^s) = floor(|n| / d) for every |n| <= 2^31, because the error term
// |n|·(m·d - 2^s) / (d·2^s) stays below 1/d. The product fits uint64. Same result as `n / d`.
class TruncDivider {
 public:
  explicit TruncDivider(int64_t d) : d_(d) {
    NITRO_DCHECK(d >= 1 && d <= INT32_MAX);
    int l = 0;
    while ((int64_t{1} << l) < d) ++l;
    shift_ = 31 + l;
    magic_ = ((uint64_t{1} << shift_) + static_cast<uint64_t>(d) - 1) / static_cast<uint64_t>(d);
  }
  int32_t operator()(int32_t n) const {
    const uint64_t a = n < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
    const int64_t q = static_cast<int64_t>((a * magic_) >> shift_);
    return static_cast<int32_t>(n < 0 ? -q : q);
  }
  int64_t divisor() const { return d_; }

 private:
  int64_t d_;
  int shift_ = 31;
  uint64_t magic_ = 0;
};

}  // namespace nitro

#endif  // NITRO_OPS_INT_MATH_H_
