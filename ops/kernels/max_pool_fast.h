// Fast MaxPool2D kernels, bit-identical to the portable reference in max_pool.h (same pad value,
// same first-maximum argmax in row-major window order, padded cells included). int8 planes take
// the two-pass vector kernels of max_pool_tiled.h. For int16 and int32, per output row, one pass
// takes the element-wise max of the window's KH input rows (a contiguous, auto-vectorised loop over
// W), then each window's maximum is the max of a KW-wide run of that row. The argmax (backward,
// ConvBlockGrad) is found afterwards by scanning each window for the first cell equal to its
// maximum, so the comparison loop stays branch-free; an interior int8 window scans each row as one
// 64-bit word. Planes (image × channel) are split over threads with ParallelFor (parallel_for.h);
// each plane's outputs are written by one task, so any thread count gives the same result.
#ifndef NITRO_OPS_KERNELS_MAX_POOL_FAST_H_
#define NITRO_OPS_KERNELS_MAX_POOL_FAST_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "base/check.h"
#include "ops/kernels/max_pool.h"
#include "ops/kernels/max_pool_tiled.h"
#include "ops/kernels/parallel_for.h"

namespace nitro::kernels {

// row[xx] for padded columns xx in [0, Wo·KW): the max over the KH rows of output row i of one
// plane, pad cells (rows or columns outside the input) counting as PoolPadValue.
template <typename X>
void PoolRowMax(const X* plane, const PoolDims& d, int64_t i, X* row) {
  const X pad = PoolPadValue<X>();
  const int64_t wp = d.Wo() * d.KW;
  const int64_t x0 = d.PW, x1 = std::min(wp, d.W + d.PW);  // padded columns that hold input
  bool have = false, pad_row = false;
  for (int64_t k = 0; k < d.KH; ++k) {
    const int64_t iy = i * d.KH + k - d.PH;
    if (iy < 0 || iy >= d.H) {
      pad_row = true;
      continue;
    }
    const X* src = plane + iy * d.W - d.PW;  // indexed by padded column
    if (!have) {
      for (int64_t xx = x0; xx < x1; ++xx) row[xx] = src[xx];
      have = true;
    } else {
      for (int64_t xx = x0; xx < x1; ++xx) row[xx] = std::max(row[xx], src[xx]);
    }
  }
  if (!have) {
    for (int64_t xx = x0; xx < x1; ++xx) row[xx] = pad;
  } else if (pad_row) {
    for (int64_t xx = x0; xx < x1; ++xx) row[xx] = std::max(row[xx], pad);
  }
  for (int64_t xx = 0; xx < x0; ++xx) row[xx] = pad;
  for (int64_t xx = x1; xx < wp; ++xx) row[xx] = pad;
}

template <typename X>
X RunMax(const X* v, int64_t n) {
  X m = v[0];
  for (int64_t t = 1; t < n; ++t) m = std::max(m, v[t]);
  return m;
}

// The first cell of window (i, j) that equals its maximum m, in row-major order; returns false when
// it is a pad cell (the reference then drops the delta), else sets the input coordinates (iy, ix).
template <typename X>
bool FirstArgmax(const X* plane, const PoolDims& d, int64_t i, int64_t j, X m, int64_t* iy, int64_t* ix) {
  const X pad = PoolPadValue<X>();
  for (int64_t k = 0; k < d.KH; ++k) {
    const int64_t y = i * d.KH + k - d.PH;
    const bool row_in = y >= 0 && y < d.H;
    for (int64_t l = 0; l < d.KW; ++l) {
      const int64_t x = j * d.KW + l - d.PW;
      const bool in = row_in && x >= 0 && x < d.W;
      if ((in ? plane[y * d.W + x] : pad) != m) continue;
      if (!in) return false;
      *iy = y;
      *ix = x;
      return true;
    }
  }
  NITRO_DCHECK(false);  // m is a value of the window
  return false;
}

// FirstArgmax for an int8 window of at most 8 columns that lies inside the plane (no pad cell), with
// 8 more bytes readable after each of its rows' starts: each row is one 64-bit word, and the first
// byte equal to m is the lowest byte whose XOR with m is zero. The zero-byte test
// (v - 0x01…01) & ~v & 0x80…80 flags every zero byte and, above the lowest zero byte, possibly
// others; the lowest flag is always exact, which is the one taken.
// (y0, x0) is the window's top-left input cell.
inline bool FirstArgmaxInteriorS8(const int8_t* plane, const PoolDims& d, int64_t y0, int64_t x0, int8_t m, int64_t* iy,
                                  int64_t* ix) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const uint64_t mm = kOnes * static_cast<uint8_t>(m);
  const uint64_t keep = d.KW >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * d.KW)) - 1;  // the window's bytes
  for (int64_t k = 0; k < d.KH; ++k) {
    uint64_t w;
    std::memcpy(&w, plane + (y0 + k) * d.W + x0, 8);
    const uint64_t v = w ^ mm;  // little-endian: byte l is column x0 + l
    const uint64_t zero = (v - kOnes) & ~v & kHighs & keep;
    if (zero != 0) {
      *iy = y0 + k;
      *ix = x0 + (__builtin_ctzll(zero) >> 3);
      return true;
    }
  }
  NITRO_DCHECK(false);  // m is a value of the window
  return false;
}

// The Ho×Wo window maxima of one H×W plane (d.B and d.C are not read). row: Wo·KW scratch.
template <typename X>
void MaxPoolPlaneFast(const X* plane, const PoolDims& d, X* out, X* row) {
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  for (int64_t i = 0; i < Ho; ++i) {
    PoolRowMax(plane, d, i, row);
    for (int64_t j = 0; j < Wo; ++j) out[i * Wo + j] = RunMax(row + j * d.KW, d.KW);
  }
}

// The pool of `planes` consecutive planes of x into y: int8 planes take the two-pass kernels of
// max_pool_tiled.h (MaxPoolTiledS8 for windows that tile the plane, else MaxPoolPaddedS8) in blocks
// whose vertical maxima (about 16 KB) stay in L1; int16 and int32 go plane by plane through
// MaxPoolPlaneFast. scratch is resized as needed.
template <typename X>
void MaxPoolPlanesFast(const X* x, X* y, int64_t planes, const PoolDims& d, std::vector<X>* scratch) {
  const int64_t in_size = d.H * d.W, out_size = d.Ho() * d.Wo();
  if constexpr (std::is_same_v<X, int8_t>) {
    if (PoolTilesPlane(d)) {
      const int64_t per_plane = (d.H / d.KH) * d.W;  // vertical maxima of one plane
      const int64_t block = std::max<int64_t>(1, 16384 / per_plane);
      scratch->resize(std::min(planes, block) * per_plane);
      for (int64_t p = 0; p < planes; p += block) {
        MaxPoolTiledS8(x + p * in_size, y + p * out_size, std::min(block, planes - p), d, scratch->data());
      }
      return;
    }
    const int64_t per_plane = d.Ho() * d.Wo() * d.KW;  // padded window rows of one plane
    const int64_t block = std::max<int64_t>(1, 16384 / per_plane);
    scratch->resize(std::min(planes, block) * per_plane);
    for (int64_t p = 0; p < planes; p += block) {
      MaxPoolPaddedS8(x + p * in_size, y + p * out_size, std::min(block, planes - p), d, scratch->data());
    }
    return;
  }
  scratch->resize(d.Wo() * d.KW);
  for (int64_t p = 0; p < planes; ++p) MaxPoolPlaneFast(x + p * in_size, d, y + p * out_size, scratch->data());
}

template <typename X>
void MaxPoolForwardFast(const X* x, X* y, const PoolDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && y != nullptr);
  const int64_t grain = std::max<int64_t>(1, 16384 / (d.H * d.W));  // ~16 KB of input per task at least
  ParallelFor(IndexRange(0, d.B * d.C, grain), [&](const IndexRange& r) {
    std::vector<X> scratch;
    MaxPoolPlanesFast(x + r.begin() * d.H * d.W, y + r.begin() * d.Ho() * d.Wo(), r.size(), d, &scratch);
  });
}

// Scratch of ForEachPoolArgmax, reused from plane to plane: the window maxima and the pool
// kernel's own scratch.
template <typename X>
struct PoolArgmaxScratch {
  std::vector<X> maxima, pass;
};

// Calls fn(i, j, iy, ix) for each window of one plane (d.B and d.C are not read) whose first
// maximum is an input cell (iy, ix). The window maxima come from MaxPoolPlanesFast; then each
// window is scanned for the first cell equal to its maximum.
template <typename X, typename Fn>
void ForEachPoolArgmax(const X* plane, const PoolDims& d, PoolArgmaxScratch<X>* scratch, Fn&& fn) {
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  scratch->maxima.resize(Ho * Wo);
  MaxPoolPlanesFast(plane, scratch->maxima.data(), 1, d, &scratch->pass);
  for (int64_t i = 0; i < Ho; ++i) {
    const int64_t y0 = i * d.KH - d.PH;
    const bool rows_in = y0 >= 0 && y0 + d.KH <= d.H;
    for (int64_t j = 0; j < Wo; ++j) {
      int64_t iy, ix;
      const X m = scratch->maxima[i * Wo + j];
      bool found;
      if constexpr (std::is_same_v<X, int8_t>) {
        const int64_t x0 = j * d.KW - d.PW;
        // Interior windows whose 8-byte row words stay inside the plane take the word scan.
        const bool word_ok =
            rows_in && d.KW <= 8 && x0 >= 0 && x0 + d.KW <= d.W && (y0 + d.KH - 1) * d.W + x0 + 8 <= d.H * d.W;
        found =
            word_ok ? FirstArgmaxInteriorS8(plane, d, y0, x0, m, &iy, &ix) : FirstArgmax(plane, d, i, j, m, &iy, &ix);
      } else {
        found = FirstArgmax(plane, d, i, j, m, &iy, &ix);
      }
      if (found) fn(i, j, iy, ix);
    }
  }
}

template <typename X, typename D>
void MaxPoolBackwardFast(const X* x, const D* dy, int32_t* dx, const PoolDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && dy != nullptr && dx != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  const int64_t grain = std::max<int64_t>(1, 16384 / (d.H * d.W));  // ~16 KB of input per task at least
  ParallelFor(IndexRange(0, d.B * d.C, grain), [&](const IndexRange& r) {
    PoolArgmaxScratch<X> scratch;
    for (int64_t p = r.begin(); p < r.end(); ++p) {
      int32_t* dxp = dx + p * d.H * d.W;
      const D* dyp = dy + p * Ho * Wo;
      std::fill(dxp, dxp + d.H * d.W, 0);
      ForEachPoolArgmax(x + p * d.H * d.W, d, &scratch, [&](int64_t i, int64_t j, int64_t iy, int64_t ix) {
        dxp[iy * d.W + ix] = static_cast<int32_t>(dyp[i * Wo + j]);
      });
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_MAX_POOL_FAST_H_
