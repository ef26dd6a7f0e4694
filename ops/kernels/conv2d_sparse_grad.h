// Conv2D weight gradient over the non-zero deltas only, with the input in channels-last layout
// so that each non-zero delta adds one contiguous, vectorisable run of C products per kernel tap.
// In NITRO-D a conv block's delta is non-zero at one head max-pool argmax per window (1/8 to 1/64
// of the positions), so this skips most of the dense work. Sums wrap modulo 2^32 (uint32), the
// same int32 result as the portable Conv2DWeightGrad in conv2d.h.
#ifndef NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
#define NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_

#include <cstdint>
#include <vector>

#include "ops/kernels/conv2d.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace nitro::kernels {

template <typename D, typename X>
void Conv2DWeightGradSparse(const D* dz, const X* x, int32_t* g, const ConvDims& d) {
  const int64_t Ho = d.Ho(), Wo = d.Wo(), C = d.C, taps = d.KH * d.KW;
  // x in [B, H, W, C] order.
  std::vector<X> xt(d.B * d.H * d.W * C);
  for (int64_t m = 0; m < d.B; ++m) {
    for (int64_t c = 0; c < C; ++c) {
      const X* plane = x + (m * C + c) * d.H * d.W;
      X* dst = xt.data() + m * d.H * d.W * C + c;
      for (int64_t p = 0; p < d.H * d.W; ++p) dst[p * C] = plane[p];
    }
  }
  // Filters are independent: each task owns the gradients of its filters.
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, d.F, 1), [&](const tbb::blocked_range<int64_t>& r) {
    std::vector<uint32_t> acc(taps * C);  // [k][l][c] of one filter
    for (int64_t f = r.begin(); f < r.end(); ++f) {
      std::fill(acc.begin(), acc.end(), 0u);
      for (int64_t m = 0; m < d.B; ++m) {
        const D* dzf = dz + (m * d.F + f) * Ho * Wo;
        const X* xm = xt.data() + m * d.H * d.W * C;
        for (int64_t i = 0; i < Ho; ++i) {
          for (int64_t j = 0; j < Wo; ++j) {
            const uint32_t dv = static_cast<uint32_t>(static_cast<int32_t>(dzf[i * Wo + j]));
            if (dv == 0) continue;
            for (int64_t k = 0; k < d.KH; ++k) {
              const int64_t y = i + k - d.pad;
              if (y < 0 || y >= d.H) continue;
              for (int64_t l = 0; l < d.KW; ++l) {
                const int64_t xx = j + l - d.pad;
                if (xx < 0 || xx >= d.W) continue;
                const X* src = xm + (y * d.W + xx) * C;
                uint32_t* dst = acc.data() + (k * d.KW + l) * C;
                for (int64_t c = 0; c < C; ++c) dst[c] += dv * static_cast<uint32_t>(static_cast<int32_t>(src[c]));
              }
            }
          }
        }
      }
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t t = 0; t < taps; ++t) g[(f * C + c) * taps + t] = static_cast<int32_t>(acc[t * C + c]);
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
