// AVX2 kernel of a fused conv block's element-wise tail: NITRO Scaling then NITRO-ReLU
// (elementwise.h's Scale and NitroRelu), bit for bit, 32 elements per step.
//
// Scale: s = clip(trunc(z / d), -127, 127) = sign(z) · min(floor(|z| / d), 127). Since
// floor(u / d) >= 128 exactly when u >= 128·d, the kernel takes u = min(|z|, 128·d - 1) (|z| as
// uint32, so |INT32_MIN| = 2^31) and q = floor(u / d) = (u · m) >> k, with k the least integer such
// that 2^k >= 128·d^2 and m = ceil(2^k / d). That is exact for every u < 128·d: with
// e = m·d - 2^k in [0, d), u·m / 2^k = u/d + u·e / (d·2^k) and u·e < 128·d^2 <= 2^k, so the
// fraction added cannot reach the next integer. For d <= 2^24, m < 2^32 and u·m < 2^63, so the
// product is one vpmuludq (32 × 32 -> 64 bits) per lane pair.
// NITRO-ReLU of s in [-127, 127]: s - c for s >= 0; for s < 0, trunc(s / alpha_inv) - c =
// -floor(x / alpha_inv) - c with x = -s in [1, 127], and floor(x / alpha_inv) = (x · ma) >> 16 with
// ma = ceil(2^16 / alpha_inv) (exact since x · (ma·alpha_inv - 2^16) < 128 · 20 < 2^16): one
// vpmulhuw on the 16-bit lanes. No value leaves int8, so the reference's 8-bit wrap never applies.
#ifndef NITRO_OPS_KERNELS_SCALE_RELU_AVX2_H_
#define NITRO_OPS_KERNELS_SCALE_RELU_AVX2_H_

#include <cstdint>

namespace nitro::kernels {

// s = Scale(z, divisor), a = NitroRelu(s, alpha_inv) for n elements. Returns false and does
// nothing when the kernel does not apply (no AVX2 kernels in this process, a divisor above 2^24,
// or an unsupported slope); the caller then runs the portable kernels.
bool ScaleNitroReluAvx2(const int32_t* z, int8_t* s, int8_t* a, int64_t n, int64_t divisor, int64_t alpha_inv);

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_SCALE_RELU_AVX2_H_
