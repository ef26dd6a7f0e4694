// Conv2D weight gradient over the non-zero deltas only, with the input in channels-last layout
// so that each non-zero delta adds one contiguous, vectorisable run of C products per kernel tap.
// In NITRO-D a conv block's delta is non-zero at one head max-pool argmax per window (1/8 to 1/64
// of the positions), so this skips most of the dense work. Sums wrap modulo 2^32 (uint32), the
// same int32 result as the portable Conv2DWeightGrad in conv2d.h.
#ifndef NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
#define NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/check.h"
#include "base/tsan.h"
#include "ops/int_math.h"
#include "ops/kernels/conv2d.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace nitro::kernels {

// x [B, C, H, W] copied into [B, H, W, C] order, so one input position's channels are contiguous.
template <typename X>
std::vector<X> ToChannelsLast(const X* x, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr);
  std::vector<X> xt(d.B * d.H * d.W * d.C);
  for (int64_t m = 0; m < d.B; ++m) {
    for (int64_t c = 0; c < d.C; ++c) {
      const X* plane = x + (m * d.C + c) * d.H * d.W;
      X* dst = xt.data() + m * d.H * d.W * d.C + c;
      for (int64_t p = 0; p < d.H * d.W; ++p) dst[p * d.C] = plane[p];
    }
  }
  return xt;
}

// acc[k][l][c] += dv · xpad[c, i+k, j+l] for one output position (i, j) of one image, whose
// channels-last input starts at xm: the contribution of one non-zero delta (modulo 2^32).
template <typename X>
inline void AddPatch(uint32_t* acc, int32_t dv, const X* xm, int64_t i, int64_t j, const ConvDims& d) {
  NITRO_DCHECK(i >= 0 && i < d.Ho() && j >= 0 && j < d.Wo());
  for (int64_t k = 0; k < d.KH; ++k) {
    const int64_t y = i + k - d.pad;
    if (y < 0 || y >= d.H) continue;
    for (int64_t l = 0; l < d.KW; ++l) {
      const int64_t xx = j + l - d.pad;
      if (xx < 0 || xx >= d.W) continue;
      MacRowU32(acc + (k * d.KW + l) * d.C, dv, xm + (y * d.W + xx) * d.C, d.C);
    }
  }
}

// Runs add_filter(f, acc) for every filter f, in parallel over filters (each task owns its filters'
// gradients, so the split does not change the result), with acc a zeroed [KH][KW][C] uint32
// accumulator; then stores acc into g[f] in [C][KH][KW] order as int32.
template <typename Fn>
void ForEachFilterGrad(const ConvDims& d, int32_t* g, Fn&& add_filter) {
  NITRO_DCHECK(d.Valid() && g != nullptr);
  const int64_t taps = d.KH * d.KW;
  TsanHappensBefore(&tsan_fork_token);  // base/tsan.h
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, d.F, 1), [&](const tbb::blocked_range<int64_t>& r) {
    TsanHappensAfter(&tsan_fork_token);
    std::vector<uint32_t> acc(taps * d.C);
    for (int64_t f = r.begin(); f < r.end(); ++f) {
      std::fill(acc.begin(), acc.end(), 0u);
      add_filter(f, acc.data());
      for (int64_t c = 0; c < d.C; ++c) {
        for (int64_t t = 0; t < taps; ++t) g[(f * d.C + c) * taps + t] = static_cast<int32_t>(acc[t * d.C + c]);
      }
    }
    TsanHappensBefore(&tsan_join_token);
  });
  TsanHappensAfter(&tsan_join_token);
}

template <typename D, typename X>
void Conv2DWeightGradSparse(const D* dz, const X* x, int32_t* g, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && dz != nullptr && x != nullptr && g != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  const std::vector<X> xt = ToChannelsLast(x, d);
  ForEachFilterGrad(d, g, [&](int64_t f, uint32_t* acc) {
    for (int64_t m = 0; m < d.B; ++m) {
      const D* dzf = dz + (m * d.F + f) * Ho * Wo;
      const X* xm = xt.data() + m * d.H * d.W * d.C;
      for (int64_t i = 0; i < Ho; ++i) {
        for (int64_t j = 0; j < Wo; ++j) {
          const int32_t dv = static_cast<int32_t>(dzf[i * Wo + j]);
          if (dv != 0) AddPatch(acc, dv, xm, i, j, d);
        }
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
