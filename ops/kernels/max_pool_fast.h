// Fast MaxPool2D kernels, bit-identical to the portable reference in max_pool.h (same pad value,
// same first-maximum argmax in row-major window order, padded cells included). Per output row, one
// pass takes the element-wise max of the window's KH input rows (a contiguous, auto-vectorised loop
// over W: vpmaxsb on int8), then each window's maximum is the max of a KW-wide run of that row.
// The argmax is found afterwards by scanning the window for the first cell equal to its maximum, so
// the comparison loop stays branch-free. Planes (image × channel) are split over threads with
// tbb::parallel_for; each plane's outputs are written by one task, so any thread count gives the
// same result.
#ifndef NITRO_OPS_KERNELS_MAX_POOL_FAST_H_
#define NITRO_OPS_KERNELS_MAX_POOL_FAST_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/check.h"
#include "ops/kernels/max_pool.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

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

// Calls fn(i, j, iy, ix) for each window of one plane (d.B = d.C = 1 is not required: only H, W,
// kernel and pad are read) whose first maximum is an input cell (iy, ix). row: Wo·KW scratch.
template <typename X, typename Fn>
void ForEachPoolArgmax(const X* plane, const PoolDims& d, X* row, Fn&& fn) {
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  for (int64_t i = 0; i < Ho; ++i) {
    PoolRowMax(plane, d, i, row);
    for (int64_t j = 0; j < Wo; ++j) {
      int64_t iy, ix;
      if (FirstArgmax(plane, d, i, j, RunMax(row + j * d.KW, d.KW), &iy, &ix)) fn(i, j, iy, ix);
    }
  }
}

// Runs per_plane(p, row) for planes p in [0, B·C) over threads; row is Wo·KW scratch of the task.
template <typename X, typename Fn>
void ForEachPoolPlane(const PoolDims& d, Fn&& per_plane) {
  const int64_t planes = d.B * d.C;
  const int64_t grain = std::max<int64_t>(1, 16384 / (d.H * d.W));  // ~16 KB of input per task at least
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, planes, grain), [&](const tbb::blocked_range<int64_t>& r) {
    std::vector<X> row(d.Wo() * d.KW);
    for (int64_t p = r.begin(); p < r.end(); ++p) per_plane(p, row.data());
  });
}

template <typename X>
void MaxPoolForwardFast(const X* x, X* y, const PoolDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && y != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  ForEachPoolPlane<X>(d, [&](int64_t p, X* row) {
    const X* plane = x + p * d.H * d.W;
    X* out = y + p * Ho * Wo;
    for (int64_t i = 0; i < Ho; ++i) {
      PoolRowMax(plane, d, i, row);
      for (int64_t j = 0; j < Wo; ++j) out[i * Wo + j] = RunMax(row + j * d.KW, d.KW);
    }
  });
}

template <typename X, typename D>
void MaxPoolBackwardFast(const X* x, const D* dy, int32_t* dx, const PoolDims& d) {
  NITRO_DCHECK(d.Valid() && x != nullptr && dy != nullptr && dx != nullptr);
  const int64_t Ho = d.Ho(), Wo = d.Wo();
  ForEachPoolPlane<X>(d, [&](int64_t p, X* row) {
    int32_t* dxp = dx + p * d.H * d.W;
    const D* dyp = dy + p * Ho * Wo;
    std::fill(dxp, dxp + d.H * d.W, 0);
    ForEachPoolArgmax(x + p * d.H * d.W, d, row, [&](int64_t i, int64_t j, int64_t iy, int64_t ix) {
      dxp[iy * d.W + ix] = static_cast<int32_t>(dyp[i * Wo + j]);
    });
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_MAX_POOL_FAST_H_
