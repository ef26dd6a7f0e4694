// The whole backward pass of a NITRO-D conv block below its head, fused and sparse:
// MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad in one sweep over the head pool's windows.
// Each window routes its delta to its first argmax (pad value 0, a delta on padding is lost), the
// NITRO-ReLU derivative divides it by g(s) there, and a non-zero result adds one channels-last
// patch of the block's input to the filter's gradient. The full-resolution int32 deltas of the
// unfused ops are never materialised. Same int32 result (sums modulo 2^32) as the three ops.
#ifndef NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_
#define NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_

#include <cstdint>
#include <vector>

#include "ops/int_math.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/max_pool.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace nitro::kernels {

// dy: [B, F, Ho, Wo] gradient of the head pool's output; a, s: [B, F, Hc, Wc] block output and
// NITRO-ReLU input (int8), Hc × Wc the conv's output size; x: [B, C, H, W] conv input;
// g: [F, C, KH, KW].
template <typename D, typename X>
void ConvBlockGrad(const D* dy, const int8_t* a, const int8_t* s, const X* x, int32_t* g, const PoolDims& pool,
                   const ConvDims& conv, int64_t alpha_inv) {
  const int64_t C = conv.C, F = conv.F, H = conv.H, W = conv.W, taps = conv.KH * conv.KW;
  const int64_t Hc = conv.Ho(), Wc = conv.Wo();  // the block output's (and delta's) spatial size
  const int64_t Ho = pool.Ho(), Wo = pool.Wo();
  std::vector<X> xt(conv.B * H * W * C);  // channels-last copy of x
  for (int64_t m = 0; m < conv.B; ++m) {
    for (int64_t c = 0; c < C; ++c) {
      const X* plane = x + (m * C + c) * H * W;
      X* dst = xt.data() + m * H * W * C + c;
      for (int64_t p = 0; p < H * W; ++p) dst[p * C] = plane[p];
    }
  }
  const TruncDivider by_alpha(alpha_inv);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, F, 1), [&](const tbb::blocked_range<int64_t>& r) {
    std::vector<uint32_t> acc(taps * C);
    for (int64_t f = r.begin(); f < r.end(); ++f) {
      std::fill(acc.begin(), acc.end(), 0u);
      for (int64_t m = 0; m < conv.B; ++m) {
        const int8_t* af = a + (m * F + f) * Hc * Wc;
        const int8_t* sf = s + (m * F + f) * Hc * Wc;
        const D* dyf = dy + (m * F + f) * Ho * Wo;
        const PoolDims one{1, 1, Hc, Wc, pool.KH, pool.KW, pool.PH, pool.PW};
        ForEachPoolWindow(af, one, [&](int64_t, int64_t i, int64_t j, int8_t, int64_t py, int64_t px) {
          const int64_t iy = py - pool.PH, ix = px - pool.PW;
          if (iy < 0 || iy >= Hc || ix < 0 || ix >= Wc) return;  // argmax on padding: delta lost
          const int32_t d = static_cast<int32_t>(dyf[i * Wo + j]);
          if (d == 0) return;
          const int sv = sf[iy * Wc + ix];
          int32_t ds;
          if (sv >= 0 && sv < 127) {
            ds = d;
          } else if (sv < 0 && sv >= -127) {
            ds = by_alpha(d);
          } else {
            ds = static_cast<int32_t>(TruncDiv(d, 2147483647));
          }
          if (ds == 0) return;
          const uint32_t dv = static_cast<uint32_t>(ds);
          for (int64_t k = 0; k < conv.KH; ++k) {
            const int64_t y = iy + k - conv.pad;
            if (y < 0 || y >= H) continue;
            for (int64_t l = 0; l < conv.KW; ++l) {
              const int64_t xx = ix + l - conv.pad;
              if (xx < 0 || xx >= W) continue;
              const X* src = xt.data() + ((m * H + y) * W + xx) * C;
              uint32_t* dst = acc.data() + (k * conv.KW + l) * C;
              for (int64_t c = 0; c < C; ++c) dst[c] += dv * static_cast<uint32_t>(static_cast<int32_t>(src[c]));
            }
          }
        });
      }
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t t = 0; t < taps; ++t) g[(f * C + c) * taps + t] = static_cast<int32_t>(acc[t * C + c]);
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_
