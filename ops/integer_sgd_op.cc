// Op declaration of IntegerSGD (spec §4.1): w' = w - (trunc(g / (lr_inv·amp)) + trunc(w / decay_inv)).
#include <cstdint>

#include "graph/op_registry.h"
#include "ops/int_math.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status SgdShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "weight w", "gradient g"));
  if (!ctx.input(2).shape.empty()) return ctx.Error("lr_inv must be a scalar (shape [])");
  if (ctx.attrs().GetInt("amp") <= 0) return ctx.Error("amp must be positive");
  if (ctx.attrs().GetInt("decay_inv") < 0) return ctx.Error("decay_inv must be >= 0 (0 disables decay)");
  ctx.set_output(0, kInt32, ctx.input(0).shape);
  return absl::OkStatus();
}

// The divisor lr_inv·amp is 64-bit (it passes 2^31 after eight ×3 reductions, spec §4.4). Each
// term truncates toward zero; the sum and the subtraction wrap like the reference's int32.
absl::Status SgdKernel(KernelContext& ctx) {
  const Tensor& w = ctx.input(0);
  const Tensor& g = ctx.input(1);
  const int64_t lr_inv = ctx.input(2).data<int64_t>()[0];
  if (lr_inv <= 0) return absl::InvalidArgumentError(absl::StrCat("lr_inv must be positive, got ", lr_inv));
  const int64_t amp = ctx.attrs().GetInt("amp");
  const int64_t decay = ctx.attrs().GetInt("decay_inv");
  if (lr_inv > (int64_t{1} << 62) / amp) return absl::OutOfRangeError("lr_inv·amp overflows 62 bits");
  const int64_t divisor = lr_inv * amp;
  const int32_t* wv = w.data<int32_t>();
  const int32_t* gv = g.data<int32_t>();
  int32_t* out = ctx.output(0).data<int32_t>();
  // Most quotients are 0 (|g| < lr_inv·amp, |w| < decay_inv): skip those divisions; the others
  // use 32-bit division when the divisor fits (same truncation, cheaper instruction).
  const bool div32 = divisor <= INT32_MAX;
  const bool decay32 = decay <= INT32_MAX;
  const int32_t d32 = div32 ? static_cast<int32_t>(divisor) : 1;
  const int32_t e32 = decay32 ? static_cast<int32_t>(decay) : 1;
  for (int64_t i = 0; i < w.size(); ++i) {
    const int32_t g = gv[i], wi = wv[i];
    int64_t step = 0;
    if (g <= -divisor || g >= divisor) {
      // INT32_MIN / d32 cannot overflow for d32 >= 1 except d32 == -1, which a positive divisor excludes.
      step = div32 ? g / d32 : TruncDiv(g, divisor);
    }
    if (decay > 0 && (wi <= -decay || wi >= decay)) step += decay32 ? wi / e32 : TruncDiv(wi, decay);
    out[i] = Wrap32(static_cast<int64_t>(wi) - Wrap32(step));
  }
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("IntegerSGD")
                      .Doc("w' = w - (trunc(g/(lr_inv·amp)) + trunc(w/decay_inv)); decay skipped when decay_inv = 0.")
                      .Input("w", {kInt32})
                      .Input("g", {kInt32})
                      .Input("lr_inv", {kInt64})
                      .Output("w_new")
                      .Attr("amp", int64_t{1})
                      .Attr("decay_inv", int64_t{0})
                      .SetShapeFn(SgdShape)
                      .SetKernel(SgdKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
