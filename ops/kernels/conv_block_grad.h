// The whole backward pass of a NITRO-D conv block below its head, fused and sparse:
// MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad in one sweep over the head pool's windows.
// Each window routes its delta to its first argmax (pad value 0, a delta on padding is lost), the
// NITRO-ReLU derivative divides it by g(s) there, and a non-zero result adds one channels-last
// patch of the block's input to the filter's gradient. The full-resolution int32 deltas of the
// unfused ops are never materialised. Same int32 result (sums modulo 2^32) as the three ops.
#ifndef NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_
#define NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_

#include <cstdint>
#include <vector>

#include "base/check.h"
#include "ops/int_math.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_sparse_grad.h"
#include "ops/kernels/elementwise.h"
#include "ops/kernels/max_pool.h"
#include "ops/kernels/max_pool_fast.h"

namespace nitro::kernels {

// dy: [B, F, Ho, Wo] gradient of the head pool's output; a, s: [B, F, Hc, Wc] block output and
// NITRO-ReLU input (int8), Hc × Wc the conv's output size; x: [B, C, H, W] conv input;
// g: [F, C, KH, KW]. tier: the pair-product kernels of the patch sums (conv2d_sparse_grad.h).
template <typename D, typename X>
void ConvBlockGrad(const D* dy, const int8_t* a, const int8_t* s, const X* x, int32_t* g, const PoolDims& pool,
                   const ConvDims& conv, int64_t alpha_inv, GemmTier tier = ActiveGemmTier()) {
  // The pool runs over the conv's output planes; NITRO-ReLU's slope divides.
  NITRO_DCHECK(conv.Valid() && pool.Valid());
  NITRO_DCHECK(pool.B == conv.B && pool.C == conv.F && pool.H == conv.Ho() && pool.W == conv.Wo());
  NITRO_DCHECK(alpha_inv > 0 && dy != nullptr && a != nullptr && s != nullptr && x != nullptr && g != nullptr);
  const int64_t F = conv.F, Hc = conv.Ho(), Wc = conv.Wo();  // Hc × Wc: the block output's size
  const int64_t Ho = pool.Ho(), Wo = pool.Wo();
  const std::vector<X> xt = ToPaddedChannelsLast(x, conv);
  const int64_t per_image = (conv.H + 2 * conv.pad) * (conv.W + 2 * conv.pad) * conv.C;
  const TruncDivider by_alpha(alpha_inv);
  const PoolDims plane{1, 1, Hc, Wc, pool.KH, pool.KW, pool.PH, pool.PW};
  const int64_t per_filter = conv.KH * conv.KW * conv.C;
  ForEachFilterBlockGrad(conv, g, [&](int64_t f0, int64_t f1, uint32_t* acc) {
    PoolArgmaxScratch<int8_t> pool_scratch;
    PatchList patches;
    for (int64_t m = 0; m < conv.B; ++m) {  // images outer: one image's input stays in cache for the block
      for (int64_t f = f0; f < f1; ++f) {
        const int8_t* af = a + (m * F + f) * Hc * Wc;
        const int8_t* sf = s + (m * F + f) * Hc * Wc;
        const D* dyf = dy + (m * F + f) * Ho * Wo;
        patches.Clear();
        ForEachPoolArgmax(af, plane, &pool_scratch, [&](int64_t i, int64_t j, int64_t iy, int64_t ix) {
          const int32_t d = static_cast<int32_t>(dyf[i * Wo + j]);
          if (d == 0) return;
          const int32_t ds = NitroReluGradValue(d, sf[iy * Wc + ix], by_alpha);  // the derivative at the argmax
          if (ds != 0) patches.Add(ds, iy, ix, conv);
        });
        AddPatches(acc + (f - f0) * per_filter, patches, xt.data() + m * per_image, conv, tier);
      }
    }
  });
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_CONV_BLOCK_GRAD_H_
