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
  RETURN_IF_ERROR(CheckPositive(ctx, "amp"));
  if (ctx.attrs().GetInt("decay_inv") < 0) return ctx.Error("decay_inv must be >= 0 (0 disables decay)");
  ctx.set_output(0, kInt32, ctx.input(0).shape);
  return absl::OkStatus();
}

// Element-wise: out[i] depends only on w[i] and g[i], read before out[i] is written, so out may be
// w's own buffer (UpdatesInPlace). The divisor lr_inv·amp is 64-bit (it passes 2^31 after eight ×3 reductions, spec §4.4). Each
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
  // Divisors below 2^31 (always, until eight ×3 reductions) use an exact reciprocal multiply.
  if (divisor <= INT32_MAX && decay <= INT32_MAX) {
    const TruncDivider by_lr(divisor);
    const TruncDivider by_decay(decay > 0 ? decay : 1);
    for (int64_t i = 0; i < w.size(); ++i) {
      int64_t step = by_lr(gv[i]);
      if (decay > 0) step += by_decay(wv[i]);
      out[i] = Wrap32(static_cast<int64_t>(wv[i]) - Wrap32(step));
    }
    return absl::OkStatus();
  }
  for (int64_t i = 0; i < w.size(); ++i) {
    int64_t step = TruncDiv(gv[i], divisor);
    if (decay > 0) step += TruncDiv(wv[i], decay);
    out[i] = Wrap32(static_cast<int64_t>(wv[i]) - Wrap32(step));
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
                      .UpdatesInPlace()
                      .NoGradient());

}  // namespace
}  // namespace nitro
