// Op declarations of NITRO Scaling (spec §2.3) and NITRO-ReLU with its derivative (spec §2.4).
#include "graph/op_registry.h"
#include "ops/kernels/elementwise.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status ScaleShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(CheckPositive(ctx, "divisor", "256·fan_in"));
  ctx.set_output(0, kInt8, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status ScaleKernel(KernelContext& ctx) {
  const Tensor& z = ctx.input(0);
  kernels::Scale(z.data<int32_t>(), ctx.output(0).data<int8_t>(), z.size(), ctx.attrs().GetInt("divisor"));
  return absl::OkStatus();
}

// The reference's Scaling backward is the identity: no 1/divisor, no clip mask (spec §10.5).
absl::Status ScaleGrad(GradContext& ctx) {
  if (!ctx.grad_output(0).empty() && ctx.needs_grad(0)) ctx.set_grad_input(0, ctx.grad_output(0));
  return absl::OkStatus();
}

absl::Status NitroReluShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(CheckAlphaInv(ctx));
  ctx.set_output(0, kInt8, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status NitroReluKernel(KernelContext& ctx) {
  const Tensor& s = ctx.input(0);
  kernels::NitroRelu(s.data<int8_t>(), ctx.output(0).data<int8_t>(), s.size(), ctx.attrs().GetInt("alpha_inv"));
  return absl::OkStatus();
}

absl::Status NitroReluGradRule(GradContext& ctx) {
  if (ctx.grad_output(0).empty() || !ctx.needs_grad(0)) return absl::OkStatus();
  ctx.set_grad_input(0, ctx.Emit("NitroReluGrad", {ctx.grad_output(0), ctx.input(0)},
                                 {IntAttr("alpha_inv", ctx.attrs().GetInt("alpha_inv"))}, "ds")[0]);
  return absl::OkStatus();
}

absl::Status NitroReluGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(CheckAlphaInv(ctx));
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "delta da", "input s"));
  ctx.set_output(0, kInt32, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status NitroReluGradKernel(KernelContext& ctx) {
  const Tensor& da = ctx.input(0);
  DispatchDType(da.dtype(), [&](auto t) {
    using D = decltype(t);
    kernels::NitroReluGrad(da.data<D>(), ctx.input(1).data<int8_t>(), ctx.output(0).data<int32_t>(), da.size(),
                           ctx.attrs().GetInt("alpha_inv"));
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("Scale")
                      .Doc("NITRO Scaling: s = clip(trunc(z / divisor), -127, 127) as int8; divisor = 256·fan_in.")
                      .Input("z", {kInt32})
                      .Output("s")
                      .Attr("divisor", AttrType::kInt)
                      .SetShapeFn(ScaleShape)
                      .SetKernel(ScaleKernel)
                      .SetGrad(ScaleGrad));

NITRO_REGISTER_OP(
    OpDef("NitroRelu")
        .Doc("a = clip(s,0,127) + trunc(clip(s,-127,0)/alpha_inv) - c(alpha_inv) as int8; [-67, 91] for alpha_inv 4.")
        .Input("s", {kInt8})
        .Output("a")
        .Attr("alpha_inv", int64_t{4})
        .SetShapeFn(NitroReluShape)
        .SetKernel(NitroReluKernel)
        .SetGrad(NitroReluGradRule));

NITRO_REGISTER_OP(OpDef("NitroReluGrad")
                      .Doc("ds = trunc(da / g(s)), g = 1 on [0,126], alpha_inv below 0, 2^31-1 at 127 (int32).")
                      .Input("da", {kInt8, kInt16, kInt32})
                      .Input("s", {kInt8})
                      .Output("ds")
                      .Attr("alpha_inv", int64_t{4})
                      .SetShapeFn(NitroReluGradShape)
                      .SetKernel(NitroReluGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
