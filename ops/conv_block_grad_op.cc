// Op declaration of ConvBlockGrad: the fused, sparse backward of a conv block below its head
// (MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad). passes/fuse_conv_block emits it.
#include <type_traits>

#include "graph/op_registry.h"
#include "ops/kernels/conv_block_grad.h"
#include "ops/kernels/elementwise.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

// Inputs: dy [B,F,Ho,Wo] (pooled-output gradient), a and s [B,F,Hc,Wc] int8, x [B,C,H,W], w [F,C,KH,KW].
absl::Status ConvBlockGradShape(ShapeContext& ctx) {
  for (int i = 0; i < 5; ++i) RETURN_IF_ERROR(RequireRank(ctx, i, 4, "every input"));
  RETURN_IF_ERROR(RequireSameShape(ctx, 1, 2, "block output a", "activation input s"));
  const Shape& a = ctx.input(1).shape;
  const Shape& x = ctx.input(3).shape;
  const Shape& w = ctx.input(4).shape;
  const auto k = ctx.attrs().GetInts("kernel");
  const auto p = ctx.attrs().GetInts("pad");
  const int64_t cpad = ctx.attrs().GetInt("conv_pad");
  if (k.size() != 2 || p.size() != 2 || k[0] <= 0 || k[1] <= 0 || k[0] > (1 << 20) || k[1] > (1 << 20) || p[0] < 0 ||
      p[1] < 0 || p[0] > k[0] / 2 || p[1] > k[1] / 2) {
    return ctx.Error("kernel and pad must be valid max-pool sizes (height, width)");
  }
  if (kernels::NitroReluMeanCorrection(ctx.attrs().GetInt("alpha_inv")) == 0) return ctx.Error("unsupported alpha_inv");
  if (cpad < 0 || cpad > 16) return ctx.Error("conv_pad must be in [0, 16]");
  const kernels::ConvDims c{x[0], x[1], x[2], x[3], w[0], w[2], w[3], cpad};
  if (a[0] != x[0] || a[1] != w[0] || a[2] != c.Ho() || a[3] != c.Wo() || x[1] != w[1]) {
    return ctx.Error("the block output, conv input and weight shapes do not fit one convolution");
  }
  const kernels::PoolDims pd{a[0], a[1], a[2], a[3], k[0], k[1], p[0], p[1]};
  if (a[2] + 2 * p[0] < k[0] || a[3] + 2 * p[1] < k[1]) return ctx.Error("the pooling window is larger than the input");
  const Shape want = {a[0], a[1], pd.Ho(), pd.Wo()};
  if (ctx.input(0).shape != want) {
    return ctx.Error(absl::StrCat("delta dy has shape ", ShapeString(ctx.input(0).shape), ", expected ", ShapeString(want)));
  }
  ctx.set_output(0, kInt32, w);
  return absl::OkStatus();
}

absl::Status ConvBlockGradKernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  const Tensor& a = ctx.input(1);
  const Tensor& x = ctx.input(3);
  const Tensor& w = ctx.input(4);
  const auto k = ctx.attrs().GetInts("kernel");
  const auto p = ctx.attrs().GetInts("pad");
  const kernels::PoolDims pool{a.dim(0), a.dim(1), a.dim(2), a.dim(3), k[0], k[1], p[0], p[1]};
  const kernels::ConvDims conv{x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), ctx.attrs().GetInt("conv_pad")};
  DispatchDType(dy.dtype(), [&](auto td) {
    using D = decltype(td);
    DispatchDType(x.dtype(), [&](auto tx) {
      using X = decltype(tx);
      kernels::ConvBlockGrad(dy.data<D>(), a.data<int8_t>(), ctx.input(2).data<int8_t>(), x.data<X>(),
                             ctx.output(0).data<int32_t>(), pool, conv, ctx.attrs().GetInt("alpha_inv"));
      return 0;
    });
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("ConvBlockGrad")
                      .Doc("Fused MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad over the head pool's argmax "
                           "positions only (int32, wrap).")
                      .Input("dy", {kInt8, kInt16, kInt32})
                      .Input("a", {kInt8})
                      .Input("s", {kInt8})
                      .Input("x", {kInt8, kInt16, kInt32})
                      .Input("w", {kInt32})
                      .Output("g")
                      .Attr("kernel", AttrType::kInts)
                      .Attr("pad", std::vector<int64_t>{0, 0})
                      .Attr("alpha_inv", int64_t{4})
                      .Attr("conv_pad", int64_t{1})
                      .SetShapeFn(ConvBlockGradShape)
                      .SetKernel(ConvBlockGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
