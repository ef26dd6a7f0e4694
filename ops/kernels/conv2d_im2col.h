// Conv2D forward as a GEMM: image patches (im2col) times the filters, through the exact AVX2
// Linear kernel. Same int32 result modulo 2^32 as the portable Conv2DForward in conv2d.h.
#ifndef NITRO_OPS_KERNELS_CONV2D_IM2COL_H_
#define NITRO_OPS_KERNELS_CONV2D_IM2COL_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/check.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/linear_avx2.h"

namespace nitro::kernels {

// Returns false (having written nothing) when the fast path does not apply.
template <typename X>
bool Conv2DForwardIm2col(const X* x, const int32_t* w, int32_t* z, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && w != nullptr && z != nullptr);
  if (!HasAvx2Kernels()) return false;
  const int64_t Ho = d.Ho(), Wo = d.Wo(), HW = Ho * Wo;
  const int64_t K = d.C * d.KH * d.KW;
  // About 1024 patch rows per GEMM: bounded scratch, and the filters' conversion amortised.
  const int64_t per_chunk = std::max<int64_t>(1, 1024 / HW);
  std::vector<X> col(per_chunk * HW * K);
  std::vector<int32_t> out(per_chunk * HW * d.F);
  for (int64_t m0 = 0; m0 < d.B; m0 += per_chunk) {
    const int64_t n = std::min(per_chunk, d.B - m0);
    for (int64_t mi = 0; mi < n; ++mi) {
      const X* img = x + (m0 + mi) * d.C * d.H * d.W;
      for (int64_t i = 0; i < Ho; ++i) {
        for (int64_t j = 0; j < Wo; ++j) {
          X* row = col.data() + ((mi * HW) + i * Wo + j) * K;
          for (int64_t c = 0; c < d.C; ++c) {
            for (int64_t k = 0; k < d.KH; ++k) {
              const int64_t y = i + k - d.pad;
              for (int64_t l = 0; l < d.KW; ++l) {
                const int64_t xx = j + l - d.pad;
                *row++ = (y < 0 || y >= d.H || xx < 0 || xx >= d.W) ? X{0} : img[(c * d.H + y) * d.W + xx];
              }
            }
          }
        }
      }
    }
    if (!LinearForwardAvx2(col.data(), w, out.data(), n * HW, K, d.F)) return false;
    for (int64_t mi = 0; mi < n; ++mi) {
      int32_t* zm = z + (m0 + mi) * d.F * HW;
      const int32_t* om = out.data() + mi * HW * d.F;
      for (int64_t p = 0; p < HW; ++p) {
        for (int64_t f = 0; f < d.F; ++f) zm[f * HW + p] = om[p * d.F + f];
      }
    }
  }
  return true;
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_IM2COL_H_
