// Op declarations of the integer Linear layer (spec §2.1): Linear and its backward-only ops
// LinearInputGrad and LinearWeightGrad.
#include <type_traits>

#include "graph/op_registry.h"
#include "ops/kernels/gemm_s16.h"
#include "ops/kernels/linear.h"
#include "ops/kernels/linear_avx2.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

const std::vector<DType> kActs = {kInt8, kInt16, kInt32};

// x [B, I] · w[O, I]ᵀ -> z [B, O] int32.
absl::Status LinearShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 2, "input x"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 2, "weight w"));
  const Shape& x = ctx.input(0).shape;
  const Shape& w = ctx.input(1).shape;
  if (x[1] != w[1]) {
    return ctx.Error(absl::StrCat("input x has ", x[1], " features but weight w ", ShapeString(w), " expects ", w[1]));
  }
  ctx.set_output(0, kInt32, {x[0], w[0]});
  return absl::OkStatus();
}

absl::Status LinearKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  Tensor& z = ctx.output(0);
  DispatchDType(x.dtype(), [&](auto t) {
    using X = decltype(t);
    const int64_t B = x.dim(0), I = x.dim(1), O = w.dim(0);
    if constexpr (std::is_same_v<X, int8_t> || std::is_same_v<X, int16_t>) {
      if (kernels::LinearPrefersGemm(kernels::ActiveGemmTier(), I, O) &&
          kernels::LinearForwardS16(x.data<X>(), w.data<int32_t>(), z.data<int32_t>(), B, I, O))
        return 0;
      if (kernels::LinearForwardAvx2(x.data<X>(), w.data<int32_t>(), z.data<int32_t>(), B, I, O)) return 0;
    }
    kernels::LinearForward(x.data<X>(), w.data<int32_t>(), z.data<int32_t>(), B, I, O);
    return 0;
  });
  return absl::OkStatus();
}

absl::Status LinearGrad(GradContext& ctx) {
  const std::string& dz = ctx.grad_output(0);
  if (dz.empty()) return absl::OkStatus();
  if (ctx.needs_grad(0)) ctx.set_grad_input(0, ctx.Emit("LinearInputGrad", {dz, ctx.input(1)}, {}, "dx")[0]);
  if (ctx.needs_grad(1)) ctx.set_grad_input(1, ctx.Emit("LinearWeightGrad", {dz, ctx.input(0)}, {}, "dW")[0]);
  return absl::OkStatus();
}

int64_t LinearMacs(const std::vector<ValueType>& in, const std::vector<ValueType>&) {
  return in[0].shape[0] * in[1].shape[0] * in[1].shape[1];
}

// dz [B, O], w [O, I] -> dx [B, I] int32.
absl::Status LinearInputGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 2, "delta dz"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 2, "weight w"));
  if (ctx.input(0).shape[1] != ctx.input(1).shape[0])
    return ctx.Error("delta dz and weight w disagree on the output size");
  ctx.set_output(0, kInt32, {ctx.input(0).shape[0], ctx.input(1).shape[1]});
  return absl::OkStatus();
}

absl::Status LinearInputGradKernel(KernelContext& ctx) {
  const Tensor& dz = ctx.input(0);
  const Tensor& w = ctx.input(1);
  DispatchDType(dz.dtype(), [&](auto t) {
    using D = decltype(t);
    kernels::LinearInputGrad(dz.data<D>(), w.data<int32_t>(), ctx.output(0).data<int32_t>(), dz.dim(0), w.dim(1),
                             w.dim(0));
    return 0;
  });
  return absl::OkStatus();
}

// dz [B, O], x [B, I] -> g [O, I] int32.
absl::Status LinearWeightGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 2, "delta dz"));
  RETURN_IF_ERROR(RequireRank(ctx, 1, 2, "input x"));
  if (ctx.input(0).shape[0] != ctx.input(1).shape[0])
    return ctx.Error("delta dz and input x disagree on the batch size");
  ctx.set_output(0, kInt32, {ctx.input(0).shape[1], ctx.input(1).shape[1]});
  return absl::OkStatus();
}

absl::Status LinearWeightGradKernel(KernelContext& ctx) {
  const Tensor& dz = ctx.input(0);
  const Tensor& x = ctx.input(1);
  DispatchDType(dz.dtype(), [&](auto td) {
    using D = decltype(td);
    DispatchDType(x.dtype(), [&](auto tx) {
      using X = decltype(tx);
      const int64_t B = dz.dim(0), I = x.dim(1), O = dz.dim(1);
      int32_t* g = ctx.output(0).data<int32_t>();
      if constexpr ((std::is_same_v<D, int8_t> || std::is_same_v<D, int32_t>)&&(std::is_same_v<X, int8_t> ||
                                                                                std::is_same_v<X, int16_t>)) {
        if (kernels::LinearPrefersGemm(kernels::ActiveGemmTier(), I, O) &&
            kernels::LinearWeightGradS16(dz.data<D>(), x.data<X>(), g, B, I, O))
          return 0;
        if (kernels::LinearWeightGradAvx2(dz.data<D>(), x.data<X>(), g, B, I, O)) return 0;
      }
      kernels::LinearWeightGrad(dz.data<D>(), x.data<X>(), g, B, I, O);
      return 0;
    });
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("Linear")
                      .Doc("z = x·wᵀ, int32 with wrap-around (spec §2.1). x: [B, I] activations, w: [O, I].")
                      .Input("x", kActs)
                      .Input("w", {kInt32})
                      .Output("z")
                      .SetShapeFn(LinearShape)
                      .SetKernel(LinearKernel)
                      .SetGrad(LinearGrad)
                      .SetMacs(LinearMacs));

NITRO_REGISTER_OP(OpDef("LinearInputGrad")
                      .Doc("dx = dz·w (int32, wrap); the input delta of Linear, with w before its update.")
                      .Input("dz", kActs)
                      .Input("w", {kInt32})
                      .Output("dx")
                      .SetShapeFn(LinearInputGradShape)
                      .SetKernel(LinearInputGradKernel)
                      .NoGradient());

NITRO_REGISTER_OP(OpDef("LinearWeightGrad")
                      .Doc("g = dzᵀ·x (int32, wrap); not divided by the batch size.")
                      .Input("dz", kActs)
                      .Input("x", kActs)
                      .Output("g")
                      .SetShapeFn(LinearWeightGradShape)
                      .SetKernel(LinearWeightGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
