// A user-defined integer op in one file: ShiftScale, a power-of-two NITRO Scaling computed with
// shifts, its gradient rule, and the backward-only op ShiftScaleGrad that the rule emits.
//
// ShiftScale replaces `Scale { divisor: 256·fan_in }` where the divisor is a power of two,
// 2^shift. Its output is bit-identical to Scale with divisor 2^shift (the example's test checks
// this for every shift in [0, 30]); only the arithmetic differs (an add, an AND and a shift
// instead of a division).
//
// Its gradient rule offers two backward passes, chosen by the string attribute `backward`:
//   "identity": the gradient of s is passed to z unchanged. This is exactly NITRO Scaling's
//               backward (spec §10.5): no 1/2^shift, no clip mask. The rule emits no node.
//   "mask" (the default): the rule emits ShiftScaleGrad, which passes the gradient only where the
//               clip to [-127, 127] was inactive in the forward pass and zeroes it where the
//               output saturated. This DEVIATES from NITRO Scaling. It is the exact derivative of
//               the clip (the straight-through estimator restricted to the unsaturated range): a
//               pre-activation already pinned at ±127 gets no push further out, and in
//               particular the reference's NITRO-ReLU quirk — s = -127 also stands for every
//               large negative pre-activation yet still passes δ/4 — no longer applies. The price:
//               a unit saturated on every sample of a batch receives no loss gradient from it
//               (only weight decay moves its weights back).
// Neither mode divides by 2^shift: as in NITRO-D, the step size is set by IntegerSGD's
// lr_inv·amp, so a model keeps its learning-rate settings when it swaps Scale for ShiftScale.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"
#include "ops/int_math.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

constexpr int64_t kMaxShift = 31;

// floor(v / 2^shift) for shift in [0, 31], i.e. an arithmetic right shift, written without the
// implementation-defined `>>` of a negative signed value: for v < 0, ~v = -v - 1 is non-negative,
// and ~(~v >> shift) = -(floor((-v - 1) / 2^shift) + 1) = floor(v / 2^shift).
inline int32_t ArithmeticShiftRight(int32_t v, int shift) { return v >= 0 ? v >> shift : ~(~v >> shift); }

// trunc(z / 2^shift) (rounding toward zero, like C division and Scale's TruncDiv), computed as
//   bias = (z >> 31) & (2^shift - 1)     // 2^shift - 1 if z < 0, else 0
//   q    = (z + bias) >> shift           // arithmetic shift: floor((z + bias) / 2^shift)
// For z < 0, floor((z + 2^shift - 1) / 2^shift) = ceil(z / 2^shift) = trunc(z / 2^shift). The sum
// cannot overflow int32: bias > 0 only when z <= -1, so z + bias <= 2^shift - 2 < 2^31. The
// result lies in [-2^(31-shift), 2^(31-shift) - 1]; for shift = 31 it is -1 (only for z = -2^31)
// or 0.
inline int32_t TruncShiftRight(int32_t z, int shift) {
  const uint32_t low_bits = (uint32_t{1} << shift) - 1u;                     // 2^shift - 1, no overflow at 31
  const uint32_t sign = static_cast<uint32_t>(ArithmeticShiftRight(z, 31));  // 0 or 0xFFFFFFFF
  const int32_t bias = static_cast<int32_t>(sign & low_bits);
  return ArithmeticShiftRight(z + bias, shift);
}

// Whether the forward clip is inactive: -127 <= trunc(z / 2^shift) <= 127. At exactly ±127 the
// clip changes nothing, so the gradient passes.
inline bool Unsaturated(int32_t z, int shift) {
  const int32_t q = TruncShiftRight(z, shift);
  return q >= -127 && q <= 127;
}

absl::Status CheckShiftAttrs(const ShapeContext& ctx) {
  const int64_t shift = ctx.attrs().GetInt("shift");
  if (shift < 0 || shift > kMaxShift) {
    return ctx.Error(absl::StrCat("shift must be in [0, ", kMaxShift, "] (the divisor is 2^shift), got ", shift));
  }
  return absl::OkStatus();
}

// ---- ShiftScale ----------------------------------------------------------------------------

absl::Status ShiftScaleShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(CheckShiftAttrs(ctx));
  const std::string backward = ctx.attrs().GetString("backward");
  if (backward != "mask" && backward != "identity") {
    return ctx.Error(absl::StrCat("backward must be \"mask\" or \"identity\", got \"", backward, "\""));
  }
  ctx.set_output(0, kInt8, ctx.input(0).shape);
  return absl::OkStatus();
}

// s = clip(trunc(z / 2^shift), -127, 127) as int8: symmetric saturation, -128 is never produced.
// z is the wrapped int32 accumulator of the layer before, shifted as is (never saturated first).
absl::Status ShiftScaleKernel(KernelContext& ctx) {
  const Tensor& z = ctx.input(0);
  const int shift = static_cast<int>(ctx.attrs().GetInt("shift"));
  const int32_t* in = z.data<int32_t>();
  int8_t* out = ctx.output(0).data<int8_t>();
  for (int64_t i = 0; i < z.size(); ++i) out[i] = static_cast<int8_t>(Clip(TruncShiftRight(in[i], shift), -127, 127));
  return absl::OkStatus();
}

// The gradient rule. It runs while the local-gradient pass walks the block backwards: it reads
// the name of the gradient that reached the output s and declares the gradient of the input z,
// either by reusing that name ("identity") or by emitting a ShiftScaleGrad node ("mask"), whose
// output the pass names "<node>/dz" (e.g. "b0.s/dz").
absl::Status ShiftScaleGradRule(GradContext& ctx) {
  if (ctx.grad_output(0).empty() || !ctx.needs_grad(0)) return absl::OkStatus();
  if (ctx.attrs().GetString("backward") == "identity") {
    ctx.set_grad_input(0, ctx.grad_output(0));
    return absl::OkStatus();
  }
  const std::vector<std::string> dz = ctx.Emit("ShiftScaleGrad", {ctx.grad_output(0), ctx.input(0)},
                                               {IntAttr("shift", ctx.attrs().GetInt("shift"))}, "dz");
  ctx.set_grad_input(0, dz[0]);
  return absl::OkStatus();
}

// ---- ShiftScaleGrad (backward only) --------------------------------------------------------

absl::Status ShiftScaleGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(CheckShiftAttrs(ctx));
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "delta ds", "forward input z"));
  ctx.set_output(0, kInt32, ctx.input(1).shape);
  return absl::OkStatus();
}

// dz = ds where -127 <= trunc(z / 2^shift) <= 127, else 0; int32. ds is widened exactly (int8,
// int16 or int32 in, int32 out), never rescaled.
absl::Status ShiftScaleGradKernel(KernelContext& ctx) {
  const Tensor& ds = ctx.input(0);
  const int32_t* z = ctx.input(1).data<int32_t>();
  const int shift = static_cast<int>(ctx.attrs().GetInt("shift"));
  int32_t* dz = ctx.output(0).data<int32_t>();
  DispatchDType(ds.dtype(), [&](auto t) {
    using D = decltype(t);
    const D* g = ds.data<D>();
    for (int64_t i = 0; i < ds.size(); ++i) dz[i] = Unsaturated(z[i], shift) ? static_cast<int32_t>(g[i]) : 0;
    return 0;
  });
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("ShiftScale")
                      .Doc("s = clip(trunc(z / 2^shift), -127, 127) as int8, computed as (z + ((z >> 31) & "
                           "(2^shift - 1))) >> shift; Scale with divisor 2^shift, bit for bit. backward: "
                           "\"mask\" (zero the gradient where the clip saturated) or \"identity\" (NITRO Scaling's).")
                      .Input("z", {kInt32})
                      .Output("s")
                      .Attr("shift", AttrType::kInt)
                      .Attr("backward", std::string("mask"))
                      .SetShapeFn(ShiftScaleShape)
                      .SetKernel(ShiftScaleKernel)
                      .SetGrad(ShiftScaleGradRule));

NITRO_REGISTER_OP(OpDef("ShiftScaleGrad")
                      .Doc("dz = ds where -127 <= trunc(z / 2^shift) <= 127, else 0 (int32); not divided by 2^shift.")
                      .Input("ds", {kInt8, kInt16, kInt32})
                      .Input("z", {kInt32})
                      .Output("dz")
                      .Attr("shift", AttrType::kInt)
                      .SetShapeFn(ShiftScaleGradShape)
                      .SetKernel(ShiftScaleGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
