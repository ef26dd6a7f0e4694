// Op declarations of the integer Conv2D (stride 1, symmetric zero padding, spec §2.2) and its
// backward-only ops Conv2DWeightGrad (sparse over non-zero deltas) and Conv2DInputGrad.
#include <type_traits>

#include "graph/op_registry.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_im2col.h"
#include "ops/kernels/conv2d_sparse_grad.h"
#include "ops/kernels/gemm_s16.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

const std::vector<DType> kActs = {kInt8, kInt16, kInt32};

// x [B, C, H, W], w [F, C, KH, KW] -> z [B, F, H+2p-KH+1, W+2p-KW+1] int32.
absl::Status Conv2DShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "input x"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 4, "weight w"));
  ASSIGN_OR_RETURN(const kernels::ConvDims d, CheckedConvDims(ctx, ctx.input(0).shape, ctx.input(1).shape));
  ctx.set_output(0, kInt32, {d.B, d.F, d.Ho(), d.Wo()});
  return absl::OkStatus();
}

absl::Status Conv2DKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const kernels::ConvDims d = ConvDimsOf(x.shape(), w.shape(), ctx.attrs().GetInt("pad"));
  DispatchDType(x.dtype(), [&](auto t) {
    using X = decltype(t);
    if constexpr (std::is_same_v<X, int8_t> || std::is_same_v<X, int16_t>) {
      if (kernels::Conv2DForwardS16(x.data<X>(), w.data<int32_t>(), ctx.output(0).data<int32_t>(), d)) return 0;
      if (kernels::Conv2DForwardIm2col(x.data<X>(), w.data<int32_t>(), ctx.output(0).data<int32_t>(), d)) return 0;
    }
    kernels::Conv2DForward(x.data<X>(), w.data<int32_t>(), ctx.output(0).data<int32_t>(), d);
    return 0;
  });
  return absl::OkStatus();
}

absl::Status Conv2DGrad(GradContext& ctx) {
  const std::string& dz = ctx.grad_output(0);
  if (dz.empty()) return absl::OkStatus();
  const int64_t pad = ctx.attrs().GetInt("pad");
  if (ctx.needs_grad(0)) {
    ctx.set_grad_input(0,
                       ctx.Emit("Conv2DInputGrad", {dz, ctx.input(1), ctx.input(0)}, {IntAttr("pad", pad)}, "dx")[0]);
  }
  if (ctx.needs_grad(1)) {
    ctx.set_grad_input(1,
                       ctx.Emit("Conv2DWeightGrad", {dz, ctx.input(0), ctx.input(1)}, {IntAttr("pad", pad)}, "dW")[0]);
  }
  return absl::OkStatus();
}

int64_t Conv2DMacs(const std::vector<ValueType>& in, const std::vector<ValueType>& out) {
  const Shape& w = in[1].shape;
  const Shape& z = out[0].shape;
  return z[0] * z[1] * z[2] * z[3] * w[1] * w[2] * w[3];
}

// dz [B, F, Ho, Wo], x [B, C, H, W], w (for the shape) -> g [F, C, KH, KW] int32.
absl::Status Conv2DWeightGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "delta dz"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 4, "input x"));
  RETURN_IF_ERROR(RequireRank(ctx, 2, 4, "weight w"));
  ASSIGN_OR_RETURN(const kernels::ConvDims d, CheckedConvDims(ctx, ctx.input(1).shape, ctx.input(2).shape));
  RETURN_IF_ERROR(RequireShape(ctx, 0, {d.B, d.F, d.Ho(), d.Wo()}, "delta dz"));
  ctx.set_output(0, kInt32, ctx.input(2).shape);
  return absl::OkStatus();
}

absl::Status Conv2DWeightGradKernel(KernelContext& ctx) {
  const Tensor& dz = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const kernels::ConvDims d = ConvDimsOf(x.shape(), ctx.input(2).shape(), ctx.attrs().GetInt("pad"));
  DispatchDType(dz.dtype(), [&](auto td) {
    using D = decltype(td);
    DispatchDType(x.dtype(), [&](auto tx) {
      using X = decltype(tx);
      if (kernels::FastKernelsEnabled()) {
        kernels::Conv2DWeightGradSparse(dz.data<D>(), x.data<X>(), ctx.output(0).data<int32_t>(), d);
      } else {
        kernels::Conv2DWeightGrad(dz.data<D>(), x.data<X>(), ctx.output(0).data<int32_t>(), d);
      }
      return 0;
    });
    return 0;
  });
  return absl::OkStatus();
}

// dz, w, x (for the shape) -> dx [B, C, H, W] int32.
absl::Status Conv2DInputGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 4, "delta dz"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 4, "weight w"));
  RETURN_IF_ERROR(RequireRank(ctx, 2, 4, "input x"));
  ASSIGN_OR_RETURN(const kernels::ConvDims d, CheckedConvDims(ctx, ctx.input(2).shape, ctx.input(1).shape));
  RETURN_IF_ERROR(RequireShape(ctx, 0, {d.B, d.F, d.Ho(), d.Wo()}, "delta dz"));
  ctx.set_output(0, kInt32, ctx.input(2).shape);
  return absl::OkStatus();
}

absl::Status Conv2DInputGradKernel(KernelContext& ctx) {
  const Tensor& dz = ctx.input(0);
  const kernels::ConvDims d = ConvDimsOf(ctx.input(2).shape(), ctx.input(1).shape(), ctx.attrs().GetInt("pad"));
  DispatchDType(dz.dtype(), [&](auto td) {
    using D = decltype(td);
    kernels::Conv2DInputGrad(dz.data<D>(), ctx.input(1).data<int32_t>(), ctx.output(0).data<int32_t>(), d);
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(
    OpDef("Conv2D")
        .Doc("Cross-correlation, stride 1, zero padding `pad` on every side; int32 with wrap (spec §2.2).")
        .Input("x", kActs)
        .Input("w", {kInt32})
        .Output("z")
        .Attr("pad", int64_t{1})
        .SetShapeFn(Conv2DShape)
        .SetKernel(Conv2DKernel)
        .SetGrad(Conv2DGrad)
        .SetMacs(Conv2DMacs));

NITRO_REGISTER_OP(OpDef("Conv2DWeightGrad")
                      .Doc("g[f,c,k,l] = Σ dz[m,f,i,j]·xpad[m,c,i+k,j+l] (int32, wrap), summed over non-zero deltas.")
                      .Input("dz", kActs)
                      .Input("x", kActs)
                      .Input("w", {kInt32})
                      .Output("g")
                      .Attr("pad", int64_t{1})
                      .SetShapeFn(Conv2DWeightGradShape)
                      .SetKernel(Conv2DWeightGradKernel)
                      .NoGradient());

NITRO_REGISTER_OP(OpDef("Conv2DInputGrad")
                      .Doc("dx = transposed correlation of dz with w (int32, wrap).")
                      .Input("dz", kActs)
                      .Input("w", {kInt32})
                      .Input("x", kActs)
                      .Output("dx")
                      .Attr("pad", int64_t{1})
                      .SetShapeFn(Conv2DInputGradShape)
                      .SetKernel(Conv2DInputGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
