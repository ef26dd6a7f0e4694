// Op declaration of ConvScaleRelu: a conv block's forward layers fused — Conv2D, NITRO Scaling and
// NITRO-ReLU — computed a few images at a time, so the full int32 accumulator z is never stored;
// optionally also the max pools that read the activation a (the block's head pool, the pool to the
// next block), taken from each plane of a while it is still in cache. passes/fuse_conv_block
// (FuseConvBlockForwards, FuseConvBlockPools) emits it; the results equal the separate ops bit for
// bit.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_im2col.h"
#include "ops/kernels/elementwise.h"
#include "ops/kernels/gemm_s16.h"
#include "ops/kernels/scale_relu_parallel.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

// The fused pools' windows and paddings: pool k has kernel (pool_kernels[2k], pool_kernels[2k+1])
// and pad (pool_pads[2k], pool_pads[2k+1]) over a [B, F, Ho, Wo].
kernels::PoolDims FusedPoolDims(const Shape& a, const AttrView& attrs, int k) {
  const std::vector<int64_t> kernel = attrs.GetInts("pool_kernels"), pad = attrs.GetInts("pool_pads");
  return {a[0], a[1], a[2], a[3], kernel[2 * k], kernel[2 * k + 1], pad[2 * k], pad[2 * k + 1]};
}

// x [B,C,H,W], w [F,C,KH,KW] -> s (int8, the Scale output) and a (int8, the NITRO-ReLU output),
// both [B,F,Ho,Wo], then one int8 output per fused pool of a.
absl::Status ConvScaleReluShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "input x"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 4, "weight w"));
  ASSIGN_OR_RETURN(const kernels::ConvDims d, CheckedConvDims(ctx, ctx.input(0).shape, ctx.input(1).shape));
  RETURN_IF_ERROR(CheckPositive(ctx, "divisor", "256·fan_in"));
  RETURN_IF_ERROR(CheckAlphaInv(ctx));
  const Shape a = {d.B, d.F, d.Ho(), d.Wo()};
  ctx.set_output(0, kInt8, a);
  ctx.set_output(1, kInt8, a);
  const int pools = static_cast<int>(ctx.outputs().size()) - 2;
  const std::vector<int64_t> kernels = ctx.attrs().GetInts("pool_kernels"), pads = ctx.attrs().GetInts("pool_pads");
  if (kernels.size() != 2 * static_cast<size_t>(pools) || pads.size() != kernels.size()) {
    return ctx.Error(absl::StrCat("names ", pools, " pooled output(s), so pool_kernels and pool_pads must hold ",
                                  2 * pools, " integers each (height, width per pool); they hold ", kernels.size(),
                                  " and ", pads.size()));
  }
  for (int k = 0; k < pools; ++k) {
    ASSIGN_OR_RETURN(const kernels::PoolDims p,
                     CheckedPoolDims(ctx, a, {kernels[2 * k], kernels[2 * k + 1]}, {pads[2 * k], pads[2 * k + 1]},
                                     absl::StrCat("pool ", k, ": ")));
    ctx.set_output(2 + k, kInt8, {d.B, d.F, p.Ho(), p.Wo()});
  }
  return absl::OkStatus();
}

absl::Status ConvScaleReluKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const kernels::ConvDims d = ConvDimsOf(x.shape(), w.shape(), ctx.attrs().GetInt("pad"));
  const int64_t per_image_in = d.C * d.H * d.W;
  const int64_t per_image_out = d.F * d.Ho() * d.Wo();
  // A few images at a time: about 4096 output pixels per chunk.
  const int64_t chunk = std::max<int64_t>(1, 4096 / (d.Ho() * d.Wo()));
  std::vector<int32_t> z(chunk * per_image_out);
  const kernels::ConvS16 fast(w.data<int32_t>(), d);  // the weights packed once for all chunks
  const int64_t divisor = ctx.attrs().GetInt("divisor");
  const int64_t alpha = ctx.attrs().GetInt("alpha_inv");
  int8_t* s = ctx.output(0).data<int8_t>();
  int8_t* a = ctx.output(1).data<int8_t>();
  std::vector<kernels::PlanePool> pools;
  for (int k = 0; k + 2 < ctx.num_outputs(); ++k) {
    pools.push_back({FusedPoolDims(ctx.output(1).shape(), ctx.attrs(), k), ctx.output(2 + k).data<int8_t>()});
  }
  std::vector<kernels::PlanePool> chunk_pools = pools;
  for (int64_t m0 = 0; m0 < d.B; m0 += chunk) {
    kernels::ConvDims sub = d;
    sub.B = std::min(chunk, d.B - m0);
    DispatchDType(x.dtype(), [&](auto t) {
      using X = decltype(t);
      const X* xs = x.data<X>() + m0 * per_image_in;
      bool done = false;
      if constexpr (std::is_same_v<X, int8_t> || std::is_same_v<X, int16_t>) {
        done = fast.Forward(xs, z.data(), sub.B) || kernels::Conv2DForwardIm2col(xs, w.data<int32_t>(), z.data(), sub);
      }
      if (!done) kernels::Conv2DForward(xs, w.data<int32_t>(), z.data(), sub);
      return 0;
    });
    for (size_t k = 0; k < pools.size(); ++k) {
      chunk_pools[k].y = pools[k].y + m0 * d.F * pools[k].dims.Ho() * pools[k].dims.Wo();
    }
    kernels::ScaleNitroReluParallel(z.data(), s + m0 * per_image_out, a + m0 * per_image_out, sub.B * d.F,
                                    d.Ho() * d.Wo(), divisor, alpha, chunk_pools);
  }
  return absl::OkStatus();
}

int64_t ConvScaleReluMacs(const std::vector<ValueType>& in, const std::vector<ValueType>& out) {
  const Shape& w = in[1].shape;
  const Shape& z = out[0].shape;
  return z[0] * z[1] * z[2] * z[3] * w[1] * w[2] * w[3];
}

NITRO_REGISTER_OP(OpDef("ConvScaleRelu")
                      .Doc("Fused Conv2D → Scale → NitroRelu forward; outputs the Scale result s, the activation a and "
                           "one max pool of a per trailing output (pool_kernels, pool_pads: two integers per pool).")
                      .Input("x", {kInt8, kInt16, kInt32})
                      .Input("w", {kInt32})
                      .Output("s")
                      .Output("a")
                      .TrailingOutputs("pooled")
                      .Attr("pad", int64_t{1})
                      .Attr("divisor", AttrType::kInt)
                      .Attr("alpha_inv", int64_t{4})
                      .Attr("pool_kernels", std::vector<int64_t>{})
                      .Attr("pool_pads", std::vector<int64_t>{})
                      .SetShapeFn(ConvScaleReluShape)
                      .SetKernel(ConvScaleReluKernel)
                      .SetMacs(ConvScaleReluMacs)
                      .NoGradient());

}  // namespace
}  // namespace nitro
