// Conv2D weight gradient over the non-zero deltas only, with the input in a zero-padded
// channels-last layout so that each non-zero delta adds KH contiguous runs of KW·C products (one
// per kernel row), and int8 patches go two at a time through the int16 pair products.
// In NITRO-D a conv block's delta is non-zero at one head max-pool argmax per window (1/8 to 1/64
// of the positions), so this skips most of the dense work. Sums wrap modulo 2^32 (uint32), the
// same int32 result as the portable Conv2DWeightGrad in conv2d.h.
#ifndef NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
#define NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "base/check.h"
#include "ops/int_math.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/gemm_s16.h"
#include "ops/kernels/parallel_for.h"

namespace nitro::kernels {

// x [B, C, H, W] copied into a zero-padded channels-last [B, Hp, Wp, C] (Hp = H + 2·pad, Wp =
// W + 2·pad), so that the patch of output position (i, j) is KH rows of KW·C contiguous values,
// row k starting at ((i + k)·Wp + j)·C of its image. The pad cells are zeros and add nothing.
template <typename X>
std::vector<X> ToPaddedChannelsLast(const X* x, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr);
  const int64_t Hp = d.H + 2 * d.pad, Wp = d.W + 2 * d.pad;
  std::vector<X> xt(d.B * Hp * Wp * d.C, X{0});
  // Per input row and block of 64 channels: the block's rows stay in L1 while each position's
  // channels are written contiguously.
  constexpr int64_t kChannelBlock = 64;
  ParallelFor(IndexRange(0, d.B), [&](const IndexRange& images) {  // each image's copy is one task's
    for (int64_t m = images.begin(); m < images.end(); ++m) {
      const X* image = x + m * d.C * d.H * d.W;
      X* out = xt.data() + m * Hp * Wp * d.C + (d.pad * Wp + d.pad) * d.C;
      for (int64_t y = 0; y < d.H; ++y) {
        for (int64_t c0 = 0; c0 < d.C; c0 += kChannelBlock) {
          const int64_t c1 = std::min(d.C, c0 + kChannelBlock);
          for (int64_t u = 0; u < d.W; ++u) {
            X* dst = out + (y * Wp + u) * d.C;
            const X* src = image + y * d.W + u;
            for (int64_t c = c0; c < c1; ++c) dst[c] = src[c * d.H * d.W];
          }
        }
      }
    }
  });
  return xt;
}

// The non-zero deltas of one image and filter, each with the offset of its patch in the image's
// padded channels-last copy.
struct PatchList {
  std::vector<int32_t> d;
  std::vector<int64_t> off;
  void Clear() {
    d.clear();
    off.clear();
  }
  // The delta dv at output position (i, j) of a convolution of shape dims.
  void Add(int32_t dv, int64_t i, int64_t j, const ConvDims& dims) {
    NITRO_DCHECK(i >= 0 && i < dims.Ho() && j >= 0 && j < dims.Wo());
    d.push_back(dv);
    off.push_back((i * (dims.W + 2 * dims.pad) + j) * dims.C);
  }
};

// acc[k][l][c] += Σ_p d[p] · xpad[c, i_p + k, j_p + l] (mod 2^32) over the patches of one image, xm
// its padded channels-last copy and acc one filter's [KH][KW][C] accumulator. With int8 inputs
// the patches go in pairs through the int16 pair products of gemm_s16.h (PatchSumS8) on `tier`;
// otherwise, or on tier kNone, one delta times one contiguous row of KW·C inputs at a time.
template <typename X>
void AddPatches(uint32_t* acc, const PatchList& p, const X* xm, const ConvDims& d, GemmTier tier) {
  const int64_t len = d.KW * d.C, stride = (d.W + 2 * d.pad) * d.C;
  const int64_t n = static_cast<int64_t>(p.d.size());
  if constexpr (std::is_same_v<X, int8_t>) {
    if (PatchSumS8(acc, p.d.data(), p.off.data(), n, xm, d.KH, len, stride, tier)) return;
  }
  for (int64_t q = 0; q < n; ++q) {
    for (int64_t k = 0; k < d.KH; ++k) MacRowU32(acc + k * len, p.d[q], xm + p.off[q] + k * stride, len);
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
  ParallelFor(IndexRange(0, blocks, 1), [&](const IndexRange& r) {
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
  });
}

template <typename D, typename X>
void Conv2DWeightGradSparse(const D* dz, const X* x, int32_t* g, const ConvDims& d, GemmTier tier = ActiveGemmTier()) {
  NITRO_DCHECK(d.Valid() && dz != nullptr && x != nullptr && g != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  const std::vector<X> xt = ToPaddedChannelsLast(x, d);
  const int64_t per_image = (d.H + 2 * d.pad) * (d.W + 2 * d.pad) * d.C, per_filter = d.KH * d.KW * d.C;
  ForEachFilterBlockGrad(d, g, [&](int64_t f0, int64_t f1, uint32_t* acc) {
    PatchList patches;
    for (int64_t m = 0; m < d.B; ++m) {
      for (int64_t f = f0; f < f1; ++f) {
        const D* dzf = dz + (m * d.F + f) * Ho * Wo;
        patches.Clear();
        for (int64_t i = 0; i < Ho; ++i) {
          for (int64_t j = 0; j < Wo; ++j) {
            const int32_t dv = static_cast<int32_t>(dzf[i * Wo + j]);
            if (dv != 0) patches.Add(dv, i, j, d);
          }
        }
        AddPatches(acc + (f - f0) * per_filter, patches, xt.data() + m * per_image, d, tier);
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_SPARSE_GRAD_H_
