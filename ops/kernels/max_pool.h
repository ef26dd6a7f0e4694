// Portable reference kernels of MaxPool2D with stride = kernel and its backward (spec §2.5).
// Padding value: 0 for int8/int16 inputs (the reference's int32-min pad constant wraps to 0 in a
// small type), -2^31 for int32 inputs. Argmax: the first maximum in row-major window order,
// padded cells included; a delta routed to a padded cell is dropped.
#ifndef NITRO_OPS_KERNELS_MAX_POOL_H_
#define NITRO_OPS_KERNELS_MAX_POOL_H_

#include <cstdint>
#include <limits>
#include <type_traits>

#include "base/check.h"

namespace nitro::kernels {

struct PoolDims {
  int64_t B, C, H, W;
  int64_t KH, KW, PH, PW;
  int64_t Ho() const { return (H + 2 * PH - KH) / KH + 1; }
  int64_t Wo() const { return (W + 2 * PW - KW) / KW + 1; }
  // The precondition of every pool kernel (the op's shape function ensures it): positive sizes (a
  // batch may be empty), padding in [0, kernel/2] per axis, and a window that fits the padded input.
  bool Valid() const {
    return B >= 0 && C > 0 && H > 0 && W > 0 && KH > 0 && KW > 0 && PH >= 0 && PW >= 0 && PH <= KH / 2 &&
           PW <= KW / 2 && H + 2 * PH >= KH && W + 2 * PW >= KW;
  }
};

template <typename X>
constexpr X PoolPadValue() {
  return std::is_same_v<X, int32_t> ? std::numeric_limits<int32_t>::min() : X{0};
}

// Visits each output cell with (plane index, i, j, argmax y, argmax x) where (y, x) are padded
// coordinates of the window's first maximum.
template <typename X, typename Fn>
void ForEachPoolWindow(const X* x, const PoolDims& d, Fn&& fn) {
  NITRO_DCHECK(d.Valid() && x != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  const X pad = PoolPadValue<X>();
  for (int64_t p = 0; p < d.B * d.C; ++p) {
    const X* plane = x + p * d.H * d.W;
    for (int64_t i = 0; i < Ho; ++i) {
      for (int64_t j = 0; j < Wo; ++j) {
        X best = 0;
        int64_t by = -1, bx = -1;
        for (int64_t k = 0; k < d.KH; ++k) {
          for (int64_t l = 0; l < d.KW; ++l) {
            const int64_t y = i * d.KH + k, xx = j * d.KW + l;  // padded coordinates
            const int64_t iy = y - d.PH, ix = xx - d.PW;
            const X v = (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) ? pad : plane[iy * d.W + ix];
            if (by < 0 || v > best) {
              best = v;
              by = y;
              bx = xx;
            }
          }
        }
        fn(p, i, j, best, by, bx);
      }
    }
  }
}

template <typename X>
void MaxPoolForward(const X* x, X* y, const PoolDims& d) {
  NITRO_DCHECK(y != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  ForEachPoolWindow(
      x, d, [&](int64_t p, int64_t i, int64_t j, X best, int64_t, int64_t) { y[(p * Ho + i) * Wo + j] = best; });
}

// dx (int32, shape of x) gets dy at each window's argmax; everything else is 0.
template <typename X, typename D>
void MaxPoolBackward(const X* x, const D* dy, int32_t* dx, const PoolDims& d) {
  NITRO_DCHECK(dy != nullptr && dx != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  for (int64_t t = 0; t < d.B * d.C * d.H * d.W; ++t) dx[t] = 0;
  ForEachPoolWindow(x, d, [&](int64_t p, int64_t i, int64_t j, X, int64_t y, int64_t xx) {
    const int64_t iy = y - d.PH, ix = xx - d.PW;
    if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) return;  // argmax in the padding: lost
    dx[p * d.H * d.W + iy * d.W + ix] = static_cast<int32_t>(dy[(p * Ho + i) * Wo + j]);
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_MAX_POOL_H_
