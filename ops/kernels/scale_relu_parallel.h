// The element-wise tail of a fused conv block (ConvScaleRelu): NITRO Scaling then NITRO-ReLU,
// split over the calling task arena's threads. Each element is computed by exactly one slice with
// the portable kernels of elementwise.h, so the result does not depend on the split.
#ifndef NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_
#define NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_

#include <algorithm>
#include <cstdint>

#include "ops/kernels/elementwise.h"
#include "ops/kernels/parallel_for.h"

namespace nitro::kernels {

// s = Scale(z, divisor), a = NitroRelu(s, alpha_inv) for n elements. Slices of 64 Ki elements
// amortise the divider and table set-up and keep each slice's s in cache between the two steps.
inline void ScaleNitroReluParallel(const int32_t* z, int8_t* s, int8_t* a, int64_t n, int64_t divisor,
                                   int64_t alpha_inv) {
  constexpr int64_t kSlice = int64_t{1} << 16;
  ParallelFor(IndexRange(0, (n + kSlice - 1) / kSlice), [&](const IndexRange& r) {
    for (int64_t q = r.begin(); q < r.end(); ++q) {
      const int64_t b = q * kSlice, e = std::min(n, b + kSlice);
      Scale(z + b, s + b, e - b, divisor);
      NitroRelu(s + b, a + b, e - b, alpha_inv);
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_SCALE_RELU_PARALLEL_H_
