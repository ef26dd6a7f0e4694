// Op declarations of the data-movement ops: Flatten, Reshape (its gradient) and Add (gradient
// accumulation on fan-out, int32 with wrap).
#include <cstring>

#include "graph/op_registry.h"
#include "ops/int_math.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status CopyBytes(KernelContext& ctx) {
  std::memcpy(ctx.output(0).raw(), ctx.input(0).raw(), ctx.input(0).bytes());
  return absl::OkStatus();
}

// [B, d1, d2, ...] -> [B, d1·d2·...] (C order: flat index c·H·W + h·W + w).
absl::Status FlattenShape(ShapeContext& ctx) {
  const Shape& x = ctx.input(0).shape;
  if (x.empty()) return ctx.Error("input x must have a batch dimension");
  // The features per sample, checked: a shape that reaches here unvalidated must not overflow.
  auto n = ElementCount(Shape(x.begin() + 1, x.end()));
  if (!n.ok()) return ctx.Error(absl::StrCat("input x ", ShapeString(x), " flattens to too many features: ", n.status().message()));
  ctx.set_output(0, ctx.input(0).dtype, {x[0], *n});
  return absl::OkStatus();
}

absl::Status FlattenGrad(GradContext& ctx) {
  if (ctx.grad_output(0).empty() || !ctx.needs_grad(0)) return absl::OkStatus();
  ctx.set_grad_input(0, ctx.Emit("Reshape", {ctx.grad_output(0), ctx.input(0)}, {}, "dx")[0]);
  return absl::OkStatus();
}

// x reshaped to the shape of `like` (same element count), keeping x's dtype.
absl::Status ReshapeShape(ShapeContext& ctx) {
  if (NumElements(ctx.input(0).shape) != NumElements(ctx.input(1).shape)) {
    return ctx.Error(
        absl::StrCat("cannot reshape ", ShapeString(ctx.input(0).shape), " to ", ShapeString(ctx.input(1).shape)));
  }
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(1).shape);
  return absl::OkStatus();
}

absl::Status AddShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "a", "b"));
  ctx.set_output(0, kInt32, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status AddKernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  int32_t* out = ctx.output(0).data<int32_t>();
  for (int64_t i = 0; i < a.size(); ++i) out[i] = Wrap32(a.Get(i) + b.Get(i));
  return absl::OkStatus();
}

absl::Status AddGrad(GradContext& ctx) {
  if (ctx.grad_output(0).empty()) return absl::OkStatus();
  for (int i = 0; i < 2; ++i) {
    if (ctx.needs_grad(i)) ctx.set_grad_input(i, ctx.grad_output(0));
  }
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("Flatten")
                      .Doc("[B, ...] -> [B, prod(...)], row-major.")
                      .Input("x")
                      .Output("y")
                      .SetShapeFn(FlattenShape)
                      .SetKernel(CopyBytes)
                      .SetGrad(FlattenGrad));

NITRO_REGISTER_OP(OpDef("Reshape")
                      .Doc("x with the shape of `like` (same element count).")
                      .Input("x")
                      .Input("like")
                      .Output("y")
                      .SetShapeFn(ReshapeShape)
                      .SetKernel(CopyBytes)
                      .NoGradient());

NITRO_REGISTER_OP(OpDef("Add")
                      .Doc("a + b as int32 with wrap-around; sums gradients on fan-out.")
                      .Input("a", {kInt8, kInt16, kInt32})
                      .Input("b", {kInt8, kInt16, kInt32})
                      .Output("y")
                      .SetShapeFn(AddShape)
                      .SetKernel(AddKernel)
                      .SetGrad(AddGrad));

}  // namespace
}  // namespace nitro
