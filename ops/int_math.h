// The integer primitives every nitro kernel uses: truncating division, wrapping and saturating
// casts, and wrap-around int32 arithmetic without signed-overflow undefined behaviour.
#ifndef NITRO_OPS_INT_MATH_H_
#define NITRO_OPS_INT_MATH_H_

#include <cstdint>
#include <type_traits>

namespace nitro {

// trunc(n / d): rounds toward zero, exactly C/C++ signed division (spec §1.1). d != 0; every call
// site in the spec divides by a positive integer.
inline int64_t TruncDiv(int64_t n, int64_t d) { return n / d; }

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

}  // namespace nitro

#endif  // NITRO_OPS_INT_MATH_H_
