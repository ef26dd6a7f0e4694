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
  tbb::parallel_for(int64_t{0}, d.B, [&](int64_t m) {  // each image's copy is one task's
    for (int64_t c = 0; c < d.C; ++c) {
      const X* plane = x + (m * d.C + c) * d.H * d.W;
      X* dst = xt.data() + m * d.H * d.W * d.C + c;
      for (int64_t p = 0; p < d.H * d.W; ++p) dst[p * d.C] = plane[p];
    }
  });
  return xt;
}

// acc[k][l][c] += dv · xpad[c, i+k, j+l] for one output position (i, j) of one image, whose
// channels-last input starts at xm: the contribution of one non-zero delta (modulo 2^32).
template <typename X>
inline void AddPatch(uint32_t* acc, int32_t dv, const X* xm, int64_t i, int64_t j, const ConvDims& d) {
  NITRO_DCHECK(i >= 0 && i < d.Ho() && j >= 0 && j < d.Wo());
  // The taps l of one kernel row that fall inside the input: their inputs (channels-last) and their
  // accumulators ([KH][KW][C]) are both one contiguous run of (l1 - l0)·C values.
  const int64_t l0 = std::max<int64_t>(0, d.pad - j), l1 = std::min<int64_t>(d.KW, d.W + d.pad - j);
  if (l1 <= l0) return;
  for (int64_t k = 0; k < d.KH; ++k) {
    const int64_t y = i + k - d.pad;
    if (y < 0 || y >= d.H) continue;
    MacRowU32(acc + (k * d.KW + l0) * d.C, dv, xm + (y * d.W + j + l0 - d.pad) * d.C, (l1 - l0) * d.C);
  }
}

// Runs add_filters(f0, f1, acc) for blocks [f0, f1) of filters, in parallel over blocks (each task
// owns its filters' gradients, so the split does not change the result), with acc a zeroed
// [f1 - f0][KH][KW][C] uint32 accumulator; then stores acc into g[f] in [C][KH][KW] order as int32.
// A block's accumulators stay in L2 while add_filters walks the images once for all its filters,
// so each image's channels-last input is read from memory once per block, not once per filter.
template <typename Fn>
void ForEachFilterBlockGrad(const ConvDims& d, int32_t* g, Fn&& add_filters) {
  NITRO_DCHECK(d.Valid() && g != nullptr);
  const int64_t taps = d.KH * d.KW, per_filter = taps * d.C;
  const int64_t by_cache = std::max<int64_t>(1, (int64_t{128} << 10) / (4 * per_filter));  // ~128 KB of acc
  const int64_t fb = std::max<int64_t>(1, std::min(by_cache, (d.F + 7) / 8));              // >= 8 blocks
  const int64_t blocks = (d.F + fb - 1) / fb;
  TsanHappensBefore(&tsan_fork_token);  // base/tsan.h
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, blocks, 1), [&](const tbb::blocked_range<int64_t>& r) {
    TsanHappensAfter(&tsan_fork_token);
    std::vector<uint32_t> acc(fb * per_filter);
    for (int64_t b = r.begin(); b < r.end(); ++b) {
      const int64_t f0 = b * fb, f1 = std::min(d.F, f0 + fb);
      std::fill(acc.begin(), acc.end(), 0u);
      add_filters(f0, f1, acc.data());
      for (int64_t f = f0; f < f1; ++f) {
        const uint32_t* af = acc.data() + (f - f0) * per_filter;
        for (int64_t c = 0; c < d.C; ++c) {
          for (int64_t t = 0; t < taps; ++t) g[(f * d.C + c) * taps + t] = static_cast<int32_t>(af[t * d.C + c]);
        }
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
  const int64_t per_filter = d.KH * d.KW * d.C;
  ForEachFilterBlockGrad(d, g, [&](int64_t f0, int64_t f1, uint32_t* acc) {
    for (int64_t m = 0; m < d.B; ++m) {
      const X* xm = xt.data() + m * d.H * d.W * d.C;
      for (int64_t f = f0; f < f1; ++f) {
        const D* dzf = dz + (m * d.F + f) * Ho * Wo;
        uint32_t* af = acc + (f - f0) * per_filter;
        for (int64_t i = 0; i < Ho; ++i) {
          for (int64_t j = 0; j < Wo; ++j) {
            const int32_t dv = static_cast<int32_t>(dzf[i * Wo + j]);
            if (dv != 0) AddPatch(af, dv, xm, i, j, d);
          }
        }
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
