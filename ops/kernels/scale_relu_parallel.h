// The element-wise tail of a fused conv block (ConvScaleRelu): NITRO Scaling then NITRO-ReLU,
// then optionally max pools of the activation, split over the calling task arena's threads. The
// work is cut into slices of whole planes (one image's channel); each slice computes its s and a
// with the AVX2 kernel of scale_relu_avx2.h where it applies, else with the portable kernels of
// elementwise.h (the same bits either way), and pools its planes of a while they are still in
// cache, with MaxPoolPlanesFast (max_pool_fast.h, bit-identical to the reference). Every element
// and every pooled cell is written by exactly one slice, so the result does not depend on the split.
#ifndef NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_
#define NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/check.h"
#include "ops/kernels/elementwise.h"
#include "ops/kernels/max_pool.h"
#include "ops/kernels/max_pool_fast.h"
#include "ops/kernels/parallel_for.h"
#include "ops/kernels/scale_relu_avx2.h"

namespace nitro::kernels {

// One max pool of the activation planes: its window and padding over an H×W plane (dims.B and
// dims.C are not read) and where the pooled planes go (dims.Ho()·dims.Wo() int8 per plane).
struct PlanePool {
  PoolDims dims;
  int8_t* y;
};

// For `planes` planes of `plane_size` elements: s = Scale(z, divisor), a = NitroRelu(s, alpha_inv),
// and for each pool, its window maxima of every plane of a (plane p to pool.y + p·Ho·Wo). Slices
// of about 64 Ki elements amortise the divider and table set-up and keep each slice's s and a in
// cache for the next step.
inline void ScaleNitroReluParallel(const int32_t* z, int8_t* s, int8_t* a, int64_t planes, int64_t plane_size,
                                   int64_t divisor, int64_t alpha_inv, const std::vector<PlanePool>& pools = {}) {
  constexpr int64_t kSlice = int64_t{1} << 16;
  for (const PlanePool& pool : pools) NITRO_DCHECK(pool.dims.Valid() && pool.dims.H * pool.dims.W == plane_size);
  const int64_t per_slice = std::max<int64_t>(1, kSlice / std::max<int64_t>(1, plane_size));
  ParallelFor(IndexRange(0, (planes + per_slice - 1) / per_slice), [&](const IndexRange& r) {
    std::vector<int8_t> scratch;
    for (int64_t q = r.begin(); q < r.end(); ++q) {
      const int64_t p0 = q * per_slice, p1 = std::min(planes, p0 + per_slice);
      const int64_t b = p0 * plane_size, n = (p1 - p0) * plane_size;
      if (!ScaleNitroReluAvx2(z + b, s + b, a + b, n, divisor, alpha_inv)) {
        Scale(z + b, s + b, n, divisor);
        NitroRelu(s + b, a + b, n, alpha_inv);
      }
      for (const PlanePool& pool : pools) {
        MaxPoolPlanesFast(a + b, pool.y + p0 * pool.dims.Ho() * pool.dims.Wo(), p1 - p0, pool.dims, &scratch);
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_
