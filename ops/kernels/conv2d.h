// Portable reference kernels of the 3×3-style integer Conv2D (stride 1, symmetric zero padding,
// cross-correlation, no kernel flip) and its gradients (spec §2.2). int32 wrap-around sums.
#ifndef NITRO_OPS_KERNELS_CONV2D_H_
#define NITRO_OPS_KERNELS_CONV2D_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/check.h"
#include "ops/int_math.h"

namespace nitro::kernels {

struct ConvDims {
  int64_t B, C, H, W;  // input
  int64_t F, KH, KW;   // filters
  int64_t pad;         // zero padding on every side
  int64_t Ho() const { return H + 2 * pad - KH + 1; }
  int64_t Wo() const { return W + 2 * pad - KW + 1; }
  // The precondition of every conv kernel: positive sizes (a batch may be empty), a non-negative
  // pad, and a kernel no larger than the padded input (the op's shape function ensures all three).
  bool Valid() const {
    return B >= 0 && C > 0 && H > 0 && W > 0 && F > 0 && KH > 0 && KW > 0 && pad >= 0 && Ho() > 0 && Wo() > 0;
  }
};

// Stores a uint32 accumulator (sums modulo 2^32) as the int32 values they stand for.
inline void StoreU32(const uint32_t* acc, int32_t* out, int64_t n) {
  for (int64_t t = 0; t < n; ++t) out[t] = FromU32(acc[t]);
}

// z[m,f,i,j] = Σ_{c,k,l} w[f,c,k,l] · xpad[m,c,i+k,j+l]
template <typename X>
void Conv2DForward(const X* x, const int32_t* w, int32_t* z, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && w != nullptr && z != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  std::vector<uint32_t> acc(Ho * Wo);
  for (int64_t m = 0; m < d.B; ++m) {
    for (int64_t f = 0; f < d.F; ++f) {
      std::fill(acc.begin(), acc.end(), 0u);
      for (int64_t c = 0; c < d.C; ++c) {
        const X* xc = x + (m * d.C + c) * d.H * d.W;
        for (int64_t k = 0; k < d.KH; ++k) {
          for (int64_t l = 0; l < d.KW; ++l) {
            const int32_t wv = w[((f * d.C + c) * d.KH + k) * d.KW + l];
            if (wv == 0) continue;
            for (int64_t i = 0; i < Ho; ++i) {
              const int64_t y = i + k - d.pad;
              if (y < 0 || y >= d.H) continue;
              // Output columns j whose input column j + l - pad lies inside the image.
              const int64_t j0 = d.pad - l > 0 ? d.pad - l : 0;
              const int64_t j1 = d.W + d.pad - l < Wo ? d.W + d.pad - l : Wo;
              if (j1 > j0) MacRowU32(acc.data() + i * Wo + j0, wv, xc + y * d.W + (j0 + l - d.pad), j1 - j0);
            }
          }
        }
      }
      StoreU32(acc.data(), z + (m * d.F + f) * Ho * Wo, Ho * Wo);
    }
  }
}

// g[f,c,k,l] = Σ_{m,i,j} dz[m,f,i,j] · xpad[m,c,i+k,j+l]. Iterates over the non-zero deltas only:
// in NITRO-D a conv block's delta is non-zero at one head max-pool argmax per window, so this
// scatter form is exact and skips most of the work.
template <typename D, typename X>
void Conv2DWeightGrad(const D* dz, const X* x, int32_t* g, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && dz != nullptr && x != nullptr && g != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  const int64_t n = d.F * d.C * d.KH * d.KW;
  std::vector<uint32_t> acc(n, 0u);
  for (int64_t m = 0; m < d.B; ++m) {
    for (int64_t f = 0; f < d.F; ++f) {
      const D* dzf = dz + (m * d.F + f) * Ho * Wo;
      for (int64_t i = 0; i < Ho; ++i) {
        for (int64_t j = 0; j < Wo; ++j) {
          const int32_t dv = dzf[i * Wo + j];
          if (dv == 0) continue;
          for (int64_t c = 0; c < d.C; ++c) {
            const X* xc = x + (m * d.C + c) * d.H * d.W;
            uint32_t* gfc = acc.data() + (f * d.C + c) * d.KH * d.KW;
            for (int64_t k = 0; k < d.KH; ++k) {
              const int64_t y = i + k - d.pad;
              if (y < 0 || y >= d.H) continue;
              for (int64_t l = 0; l < d.KW; ++l) {
                const int64_t xx = j + l - d.pad;
                if (xx < 0 || xx >= d.W) continue;
                gfc[k * d.KW + l] = MacU32(gfc[k * d.KW + l], dv, xc[y * d.W + xx]);
              }
            }
          }
        }
      }
    }
  }
  StoreU32(acc.data(), g, n);
}

// dx[m,c,y,x] = Σ_{f,k,l} w[f,c,k,l] · dz[m,f,y-k+pad,x-l+pad] (the transposed correlation).
// NITRO-D never needs it (no gradient crosses a block), but it makes Conv2D usable in a block
// with two convolutions.
template <typename D>
void Conv2DInputGrad(const D* dz, const int32_t* w, int32_t* dx, const ConvDims& d) {
  NITRO_DCHECK(d.Valid() && dz != nullptr && w != nullptr && dx != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  std::vector<uint32_t> acc(d.B * d.C * d.H * d.W, 0u);
  for (int64_t m = 0; m < d.B; ++m) {
    for (int64_t f = 0; f < d.F; ++f) {
      const D* dzf = dz + (m * d.F + f) * Ho * Wo;
      for (int64_t i = 0; i < Ho; ++i) {
        for (int64_t j = 0; j < Wo; ++j) {
          const int32_t dv = dzf[i * Wo + j];
          if (dv == 0) continue;
          for (int64_t c = 0; c < d.C; ++c) {
            uint32_t* xc = acc.data() + (m * d.C + c) * d.H * d.W;
            for (int64_t k = 0; k < d.KH; ++k) {
              const int64_t y = i + k - d.pad;
              if (y < 0 || y >= d.H) continue;
              for (int64_t l = 0; l < d.KW; ++l) {
                const int64_t xx = j + l - d.pad;
                if (xx < 0 || xx >= d.W) continue;
                xc[y * d.W + xx] = MacU32(xc[y * d.W + xx], dv, w[((f * d.C + c) * d.KH + k) * d.KW + l]);
              }
            }
          }
        }
      }
    }
  }
  StoreU32(acc.data(), dx, static_cast<int64_t>(acc.size()));
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV2D_H_
