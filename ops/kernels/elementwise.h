// Portable reference kernels of the element-wise NITRO-D layers: NITRO Scaling (§2.3),
// NITRO-ReLU and its derivative (§2.4), Dropout (§2.8) and the RSS loss error (§3.3).
#ifndef NITRO_OPS_KERNELS_ELEMENTWISE_H_
#define NITRO_OPS_KERNELS_ELEMENTWISE_H_

#include <cstdint>

#include "base/check.h"
#include "ops/int_math.h"

namespace nitro::kernels {

// s = clip(trunc(z / divisor), -127, 127): symmetric saturation, -128 is never produced. The
// wrapped int32 accumulator is divided as is (never saturated first).
inline void Scale(const int32_t* z, int8_t* s, int64_t n, int64_t divisor) {
  NITRO_DCHECK(divisor > 0 && n >= 0 && z != nullptr && s != nullptr);
  if (divisor > 2147483647) {
    for (int64_t i = 0; i < n; ++i) s[i] = static_cast<int8_t>(Clip(TruncDiv(z[i], divisor), -127, 127));
    return;
  }
  const TruncDivider div(divisor);
  for (int64_t i = 0; i < n; ++i) s[i] = static_cast<int8_t>(Clip(div(z[i]), -127, 127));
}

// The mean correction c(alpha_inv) of NITRO-ReLU; 0 for an unsupported slope.
inline int NitroReluMeanCorrection(int64_t alpha_inv) {
  switch (alpha_inv) {
    case 3:
      return 31;
    case 4:
      return 36;
    case 5:
      return 38;
    case 7:
      return 40;
    case 8:
      return 42;
    case 10:
      return 43;
    case 15:
      return 44;
    case 16:
      return 44;
    case 20:
      return 45;
    default:
      return 0;
  }
}

// a = min(max(s,0),127) + trunc(min(max(s,-127),0) / alpha_inv) - c(alpha_inv), stored as int8.
inline int8_t NitroReluValue(int64_t v, int64_t alpha_inv, int c) {
  NITRO_DCHECK(alpha_inv > 0);
  return Wrap8(Clip(v, 0, 127) + TruncDiv(Clip(v, -127, 0), alpha_inv) - c);
}

// An int8 input has 256 values: the kernel looks each one up in a table built from the formula.
inline void NitroRelu(const int8_t* s, int8_t* a, int64_t n, int64_t alpha_inv) {
  const int c = NitroReluMeanCorrection(alpha_inv);
  NITRO_DCHECK(c != 0 && n >= 0 && s != nullptr && a != nullptr);  // a supported slope
  int8_t table[256];
  for (int v = -128; v < 128; ++v) table[v + 128] = NitroReluValue(v, alpha_inv, c);
  for (int64_t i = 0; i < n; ++i) a[i] = table[s[i] + 128];
}

// ds = trunc(da / g(s)) with g = 1 on [0, 126], alpha_inv on [-127, -1], 2^31-1 at 127 and at
// -128 (the reference's piecewise table, later conditions winning). So the gradient is 0 at the
// upper saturation point except for |da| = 2^31-1 or da = -2^31, exactly as the reference.
inline int32_t NitroReluGradValue(int32_t d, int s, const TruncDivider& by_alpha) {
  constexpr int64_t kIntMax = 2147483647;
  if (d == 0 || (s >= 0 && s < 127)) return d;        // g = 1 (or nothing to divide)
  if (s < 0 && s >= -127) return by_alpha(d);         // g = alpha_inv
  return static_cast<int32_t>(TruncDiv(d, kIntMax));  // g = 2^31 - 1
}

template <typename D>
void NitroReluGrad(const D* da, const int8_t* s, int32_t* ds, int64_t n, int64_t alpha_inv) {
  NITRO_DCHECK(alpha_inv > 0 && n >= 0 && da != nullptr && s != nullptr && ds != nullptr);
  const TruncDivider by_alpha(alpha_inv);
  for (int64_t i = 0; i < n; ++i) ds[i] = NitroReluGradValue(static_cast<int32_t>(da[i]), s[i], by_alpha);
}

// e = wrap8(pred - target): the RSS gradient, in int8 arithmetic (a true-class score below -96
// wraps to a positive error, spec §10.1).
inline void RssError(const int8_t* pred, const int8_t* target, int8_t* e, int64_t n) {
  NITRO_DCHECK(n >= 0 && pred != nullptr && target != nullptr && e != nullptr);
  for (int64_t i = 0; i < n; ++i) e[i] = Wrap8(static_cast<int64_t>(pred[i]) - target[i]);
}

// Dropout rescale factor F = floor(10^6 / (1000 - rate_permille)) = floor(1000 / (1 - p)).
inline int64_t DropoutFactor(int64_t rate_permille) {
  NITRO_DCHECK(rate_permille >= 0 && rate_permille < 1000);
  return 1000000 / (1000 - rate_permille);
}

// out = trunc(x · mask · F / 1000) as int16, the product in int32 (mask in {0, 1}).
template <typename X>
inline int16_t DropoutValue(X x, int mask, int64_t factor) {
  NITRO_DCHECK((mask == 0 || mask == 1) && factor >= 1000);
  const int32_t prod = Wrap32(static_cast<int64_t>(x) * mask * factor);
  return static_cast<int16_t>(TruncDiv(prod, 1000));
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_ELEMENTWISE_H_
