// MaxPool2D forward of int8 planes in two vector passes with no per-window bookkeeping. For windows
// that tile the plane exactly (pad 0, KH dividing H and KW dividing W), a run of consecutive planes
// is one [planes·H, W] matrix whose windows never straddle a plane, and the passes are:
//   1. vertical: v[g·W + x] = max over k < KH of a[(g·KH + k)·W + x], for every group g of KH rows;
//   2. horizontal: y[j] = max over l < KW of v[j·KW + l], over the flat v.
// Padded windows (MaxPoolPaddedS8) take the same passes row by row, with the pad value 0 joined in
// where a window reaches outside the plane. Both are exact (a max of int8 values), so the result
// equals the reference (max_pool.h) bit for bit; the argmax is not needed by the forward. The passes use GCC/Clang
// vector extensions, which the compiler lowers to the SIMD of the build's -march (AVX2 here): the vertical max runs on
// whole rows of 32, 16, 8 or 4 bytes, and a horizontal max over KW = 2, 4 or 8 reduces neighbouring bytes by
// lane-widening halvings (the max of the two int8 halves of each int16 lane, then of the two int16 halves of each int32
// lane, ...), which needs no shuffle until the final narrowing.
#ifndef NITRO_OPS_KERNELS_MAX_POOL_TILED_H_
#define NITRO_OPS_KERNELS_MAX_POOL_TILED_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ops/kernels/max_pool.h"

namespace nitro::kernels {

// Whether the windows of d tile each plane exactly (the precondition of MaxPoolTiledS8).
inline bool PoolTilesPlane(const PoolDims& d) { return d.PH == 0 && d.PW == 0 && d.H % d.KH == 0 && d.W % d.KW == 0; }

namespace tiled {

typedef int8_t S8x32 __attribute__((vector_size(32)));
typedef int8_t S8x16 __attribute__((vector_size(16)));
typedef int8_t S8x8 __attribute__((vector_size(8)));
typedef int8_t S8x4 __attribute__((vector_size(4)));
typedef int16_t S16x16 __attribute__((vector_size(32)));
typedef uint16_t U16x16 __attribute__((vector_size(32)));
typedef int32_t S32x8 __attribute__((vector_size(32)));
typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef int64_t S64x4 __attribute__((vector_size(32)));
typedef uint64_t U64x4 __attribute__((vector_size(32)));

template <typename V>
V Load(const int8_t* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <typename V>
void Store(int8_t* p, V v) {
  std::memcpy(p, &v, sizeof(V));
}
template <typename V>
V Max(V a, V b) {
  return a > b ? a : b;
}
// The same 32 bytes seen as another lane type.
template <typename To, typename From>
To BitCast(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &v, sizeof(To));
  return t;
}

// Each signed lane of x (little-endian) holds two signed halves; returns a lane with the larger
// half, sign-extended. The low half is isolated by shifting it up as unsigned (no signed overflow)
// and back down arithmetically.
template <typename S, typename U, int kHalfBits>
S MaxOfHalves(S x) {
  const S low = BitCast<S>(BitCast<U>(x) << kHalfBits) >> kHalfBits;
  return Max(low, x >> kHalfBits);
}

// out[g·w + j] = max over k < kh of a[(g·kh + k)·w + j], j < w, with w a multiple of sizeof(V).
template <typename V>
void VerticalMax(const int8_t* a, int8_t* out, int64_t groups, int64_t kh, int64_t w) {
  for (int64_t g = 0; g < groups; ++g) {
    const int8_t* rows = a + g * kh * w;
    for (int64_t j = 0; j < w; j += static_cast<int64_t>(sizeof(V))) {
      V m = Load<V>(rows + j);
      for (int64_t k = 1; k < kh; ++k) m = Max(m, Load<V>(rows + k * w + j));
      Store(out + g * w + j, m);
    }
  }
}

inline void VerticalMaxAnyWidth(const int8_t* a, int8_t* out, int64_t groups, int64_t kh, int64_t w) {
  if (w % 32 == 0) return VerticalMax<S8x32>(a, out, groups, kh, w);
  if (w % 16 == 0) return VerticalMax<S8x16>(a, out, groups, kh, w);
  if (w % 8 == 0) return VerticalMax<S8x8>(a, out, groups, kh, w);
  if (w % 4 == 0) return VerticalMax<S8x4>(a, out, groups, kh, w);
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t j = 0; j < w; ++j) {
      int8_t m = a[g * kh * w + j];
      for (int64_t k = 1; k < kh; ++k) m = std::max(m, a[(g * kh + k) * w + j]);
      out[g * w + j] = m;
    }
  }
}

// dst[j] = max over k < n_rows of src[k·stride + j] (and of the pad value 0 when with_pad), for
// j in [from, to): whole vectors of V while they fit; returns where it stopped.
template <typename V>
int64_t RowsMaxChunks(const int8_t* src, int64_t stride, int64_t n_rows, bool with_pad, int8_t* dst, int64_t from,
                      int64_t to) {
  int64_t j = from;
  for (; j + static_cast<int64_t>(sizeof(V)) <= to; j += static_cast<int64_t>(sizeof(V))) {
    V m = Load<V>(src + j);
    for (int64_t k = 1; k < n_rows; ++k) m = Max(m, Load<V>(src + k * stride + j));
    if (with_pad) m = Max(m, V{});
    Store(dst + j, m);
  }
  return j;
}

// RowsMaxChunks over [0, w) for any w: vectors of 32, 16 and 8 bytes, then single bytes.
inline void RowsMax(const int8_t* src, int64_t stride, int64_t n_rows, bool with_pad, int8_t* dst, int64_t w) {
  int64_t j = RowsMaxChunks<S8x32>(src, stride, n_rows, with_pad, dst, 0, w);
  j = RowsMaxChunks<S8x16>(src, stride, n_rows, with_pad, dst, j, w);
  j = RowsMaxChunks<S8x8>(src, stride, n_rows, with_pad, dst, j, w);
  for (; j < w; ++j) {
    int8_t m = with_pad ? std::max<int8_t>(src[j], 0) : src[j];
    for (int64_t k = 1; k < n_rows; ++k) m = std::max(m, src[k * stride + j]);
    dst[j] = m;
  }
}

// h[j] = max(v[j·kw], ..., v[j·kw + kw - 1]) for j < n: 32 input bytes per step for kw = 2, 4, 8.
inline void HorizontalMax(const int8_t* v, int8_t* h, int64_t n, int64_t kw) {
  int64_t j = 0;
  if (kw == 2) {
    for (; j + 16 <= n; j += 16) {
      const S16x16 m = MaxOfHalves<S16x16, U16x16, 8>(Load<S16x16>(v + 2 * j));
      Store(h + j, __builtin_convertvector(m, S8x16));
    }
  } else if (kw == 4) {
    for (; j + 8 <= n; j += 8) {
      const S16x16 m = MaxOfHalves<S16x16, U16x16, 8>(Load<S16x16>(v + 4 * j));
      const S32x8 m2 = MaxOfHalves<S32x8, U32x8, 16>(BitCast<S32x8>(m));
      Store(h + j, __builtin_convertvector(m2, S8x8));
    }
  } else if (kw == 8) {
    for (; j + 4 <= n; j += 4) {
      const S16x16 m = MaxOfHalves<S16x16, U16x16, 8>(Load<S16x16>(v + 8 * j));
      const S32x8 m2 = MaxOfHalves<S32x8, U32x8, 16>(BitCast<S32x8>(m));
      const S64x4 m3 = MaxOfHalves<S64x4, U64x4, 32>(BitCast<S64x4>(m2));
      Store(h + j, __builtin_convertvector(m3, S8x4));
    }
  }
  for (; j < n; ++j) {  // other widths, and the tails
    int8_t m = v[j * kw];
    for (int64_t l = 1; l < kw; ++l) m = std::max(m, v[j * kw + l]);
    h[j] = m;
  }
}

}  // namespace tiled

// The pool of `planes` consecutive H×W int8 planes of x into y (Ho·Wo each), PoolTilesPlane(d)
// required (d.B and d.C are not read). scratch: planes·(H/KH)·W bytes, the vertical maxima.
inline void MaxPoolTiledS8(const int8_t* x, int8_t* y, int64_t planes, const PoolDims& d, int8_t* scratch) {
  const int64_t groups = planes * (d.H / d.KH);
  tiled::VerticalMaxAnyWidth(x, scratch, groups, d.KH, d.W);
  tiled::HorizontalMax(scratch, y, groups * (d.W / d.KW), d.KW);
}

// The pool of `planes` consecutive H×W int8 planes of x into y for any valid window and padding
// (d.B and d.C are not read), in the same two passes: the vertical pass writes each output row's
// window maxima over its rows of input (and the pad value 0 when the window reaches a pad row) into
// a row of Wo·KW columns whose pad columns hold 0 and whose columns are those of the windows (input
// columns right of the last window are left out); the horizontal pass then reduces each KW run.
// scratch: planes·Ho·Wo·KW bytes.
inline void MaxPoolPaddedS8(const int8_t* x, int8_t* y, int64_t planes, const PoolDims& d, int8_t* scratch) {
  const int64_t Ho = d.Ho(), Wo = d.Wo(), wp = Wo * d.KW;
  const int64_t w_in = std::min(d.W, wp - d.PW);  // input columns inside some window
  for (int64_t p = 0; p < planes; ++p) {
    const int8_t* plane = x + p * d.H * d.W;
    for (int64_t i = 0; i < Ho; ++i) {
      const int64_t r0 = std::max<int64_t>(0, i * d.KH - d.PH), r1 = std::min(d.H, i * d.KH - d.PH + d.KH);
      int8_t* row = scratch + (p * Ho + i) * wp;
      std::fill(row, row + d.PW, int8_t{0});
      std::fill(row + d.PW + w_in, row + wp, int8_t{0});
      tiled::RowsMax(plane + r0 * d.W, d.W, r1 - r0, r1 - r0 < d.KH, row + d.PW, w_in);
    }
  }
  tiled::HorizontalMax(scratch, y, planes * Ho * Wo, d.KW);
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_MAX_POOL_TILED_H_
