// Op declarations of MaxPool2D (stride = kernel, spec §2.5) and its backward MaxPool2DGrad.
#include "graph/op_registry.h"
#include "ops/kernels/max_pool.h"
#include "ops/kernels/max_pool_fast.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status MaxPoolShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "input x"));
  ASSIGN_OR_RETURN(const kernels::PoolDims d, CheckedPoolDims(ctx, ctx.input(0).shape));
  ctx.set_output(0, ctx.input(0).dtype, {d.B, d.C, d.Ho(), d.Wo()});
  return absl::OkStatus();
}

absl::Status MaxPoolKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto d = PoolDimsOf(x.shape(), ctx.attrs());
  DispatchDType(x.dtype(), [&](auto t) {
    using X = decltype(t);
    kernels::MaxPoolForwardFast(x.data<X>(), ctx.output(0).data<X>(), d);
    return 0;
  });
  return absl::OkStatus();
}

absl::Status MaxPoolGradRule(GradContext& ctx) {
  if (ctx.grad_output(0).empty() || !ctx.needs_grad(0)) return absl::OkStatus();
  std::vector<proto::Attr> attrs = {IntsAttr("kernel", ctx.attrs().GetInts("kernel")),
                                    IntsAttr("pad", ctx.attrs().GetInts("pad"))};
  ctx.set_grad_input(0, ctx.Emit("MaxPool2DGrad", {ctx.grad_output(0), ctx.input(0)}, attrs, "dx")[0]);
  return absl::OkStatus();
}

absl::Status MaxPoolGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 1, 4, "input x"));
  ASSIGN_OR_RETURN(const kernels::PoolDims d, CheckedPoolDims(ctx, ctx.input(1).shape));
  RETURN_IF_ERROR(RequireShape(ctx, 0, {d.B, d.C, d.Ho(), d.Wo()}, "delta dy"));
  ctx.set_output(0, kInt32, ctx.input(1).shape);
  return absl::OkStatus();
}

absl::Status MaxPoolGradKernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const auto d = PoolDimsOf(x.shape(), ctx.attrs());
  DispatchDType(x.dtype(), [&](auto tx) {
    using X = decltype(tx);
    DispatchDType(dy.dtype(), [&](auto td) {
      using D = decltype(td);
      kernels::MaxPoolBackwardFast(x.data<X>(), dy.data<D>(), ctx.output(0).data<int32_t>(), d);
      return 0;
    });
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("MaxPool2D")
                      .Doc("Max over kh×kw windows with stride = kernel; pad value 0 for int8/int16 (spec §2.5).")
                      .Input("x", {kInt8, kInt16, kInt32})
                      .Output("y")
                      .Attr("kernel", AttrType::kInts)
                      .Attr("pad", std::vector<int64_t>{0, 0})
                      .SetShapeFn(MaxPoolShape)
                      .SetKernel(MaxPoolKernel)
                      .SetGrad(MaxPoolGradRule));

NITRO_REGISTER_OP(OpDef("MaxPool2DGrad")
                      .Doc("Routes dy to each window's first argmax (recomputed from x); deltas on padding are lost.")
                      .Input("dy", {kInt8, kInt16, kInt32})
                      .Input("x", {kInt8, kInt16, kInt32})
                      .Output("dx")
                      .Attr("kernel", AttrType::kInts)
                      .Attr("pad", std::vector<int64_t>{0, 0})
                      .SetShapeFn(MaxPoolGradShape)
                      .SetKernel(MaxPoolGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
