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
  RETURN_IF_ERROR(CheckAlphaInv(ctx));
  ASSIGN_OR_RETURN(const kernels::ConvDims conv,
                   CheckedConvDims(ctx, ctx.input(3).shape, ctx.input(4).shape, "conv_pad"));
  RETURN_IF_ERROR(RequireShape(ctx, 1, {conv.B, conv.F, conv.Ho(), conv.Wo()}, "block output a"));
  RETURN_IF_ERROR(RequireSameShape(ctx, 1, 2, "block output a", "activation input s"));
  ASSIGN_OR_RETURN(const kernels::PoolDims pool, CheckedPoolDims(ctx, ctx.input(1).shape));
  RETURN_IF_ERROR(RequireShape(ctx, 0, {pool.B, pool.C, pool.Ho(), pool.Wo()}, "delta dy"));
  ctx.set_output(0, kInt32, ctx.input(4).shape);
  return absl::OkStatus();
}

absl::Status ConvBlockGradKernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  const Tensor& a = ctx.input(1);
  const Tensor& x = ctx.input(3);
  const Tensor& w = ctx.input(4);
  const kernels::PoolDims pool = PoolDimsOf(a.shape(), ctx.attrs());
  const kernels::ConvDims conv = ConvDimsOf(x.shape(), w.shape(), ctx.attrs().GetInt("conv_pad"));
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
