// Op declarations of MaxPool2D (stride = kernel, spec §2.5) and its backward MaxPool2DGrad.
#include "graph/op_registry.h"
#include "ops/kernels/max_pool.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::StatusOr<kernels::PoolDims> PoolDimsFrom(const ShapeContext* ctx, const Shape& x, const AttrView& attrs) {
  const auto k = attrs.GetInts("kernel");
  const auto p = attrs.GetInts("pad");
  kernels::PoolDims d{x[0], x[1], x[2], x[3], 0, 0, 0, 0};
  if (k.size() != 2 || p.size() != 2) {
    return ctx->Error("kernel and pad must each hold two integers (height, width)");
  }
  d.KH = k[0];
  d.KW = k[1];
  d.PH = p[0];
  d.PW = p[1];
  constexpr int64_t kMaxWindow = int64_t{1} << 20;  // keeps every size computation far from overflow
  if (d.KH <= 0 || d.KW <= 0 || d.KH > kMaxWindow || d.KW > kMaxWindow) {
    return ctx->Error("kernel sizes must be in [1, 2^20]");
  }
  if (d.PH < 0 || d.PW < 0 || d.PH > d.KH / 2 || d.PW > d.KW / 2) {
    return ctx->Error("padding must be in [0, kernel/2] per axis (the reference's rule)");
  }
  if (d.H + 2 * d.PH < d.KH || d.W + 2 * d.PW < d.KW) {
    return ctx->Error(absl::StrCat("the pooling window ", d.KH, "x", d.KW, " is larger than the padded input ",
                                   d.H + 2 * d.PH, "x", d.W + 2 * d.PW));
  }
  return d;
}

kernels::PoolDims RuntimeDims(const Shape& x, const AttrView& attrs) {
  const auto k = attrs.GetInts("kernel");
  const auto p = attrs.GetInts("pad");
  return {x[0], x[1], x[2], x[3], k[0], k[1], p[0], p[1]};
}

absl::Status MaxPoolShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "input x"));
  ASSIGN_OR_RETURN(auto d, PoolDimsFrom(&ctx, ctx.input(0).shape, ctx.attrs()));
  ctx.set_output(0, ctx.input(0).dtype, {d.B, d.C, d.Ho(), d.Wo()});
  return absl::OkStatus();
}

absl::Status MaxPoolKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto d = RuntimeDims(x.shape(), ctx.attrs());
  DispatchDType(x.dtype(), [&](auto t) {
    using X = decltype(t);
    kernels::MaxPoolForward(x.data<X>(), ctx.output(0).data<X>(), d);
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
  ASSIGN_OR_RETURN(auto d, PoolDimsFrom(&ctx, ctx.input(1).shape, ctx.attrs()));
  const Shape want = {d.B, d.C, d.Ho(), d.Wo()};
  if (ctx.input(0).shape != want) {
    return ctx.Error(absl::StrCat("delta dy has shape ", ShapeString(ctx.input(0).shape), ", expected ", ShapeString(want)));
  }
  ctx.set_output(0, kInt32, ctx.input(1).shape);
  return absl::OkStatus();
}

absl::Status MaxPoolGradKernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const auto d = RuntimeDims(x.shape(), ctx.attrs());
  DispatchDType(x.dtype(), [&](auto tx) {
    using X = decltype(tx);
    DispatchDType(dy.dtype(), [&](auto td) {
      using D = decltype(td);
      kernels::MaxPoolBackward(x.data<X>(), dy.data<D>(), ctx.output(0).data<int32_t>(), d);
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
