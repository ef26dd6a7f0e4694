// Op declarations of the RSS local loss (spec §3.3): RssLoss (statistics; the start of the
// local-gradient pass) and RssLossGrad (the error e = wrap8(pred - target)).
#include "graph/op_registry.h"
#include "ops/int_math.h"
#include "ops/kernels/elementwise.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status RssShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireRank(ctx, 0, 2, "prediction"));
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "prediction", "target"));
  ctx.set_output(0, kInt64, {});
  ctx.set_output(1, kInt64, {});
  return absl::OkStatus();
}

// loss = Σ wrap8(wrap8(target - pred)²) (the reference's int8 logging artefact, spec §10.16);
// correct = #{b : argmax(target_b) == argmax(pred_b)}, first maximum on ties.
absl::Status RssKernel(KernelContext& ctx) {
  const Tensor& pred = ctx.input(0);
  const Tensor& target = ctx.input(1);
  const int8_t* p = pred.data<int8_t>();
  const int8_t* t = target.data<int8_t>();
  const int64_t B = pred.dim(0), K = pred.dim(1);
  int64_t loss = 0, correct = 0;
  for (int64_t b = 0; b < B; ++b) {
    int64_t ap = 0, at = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t d = Wrap8(static_cast<int64_t>(t[b * K + k]) - p[b * K + k]);
      loss += Wrap8(static_cast<int64_t>(d) * d);
      if (p[b * K + k] > p[b * K + ap]) ap = k;
      if (t[b * K + k] > t[b * K + at]) at = k;
    }
    correct += (ap == at);
  }
  ctx.output(0).data<int64_t>()[0] = loss;
  ctx.output(1).data<int64_t>()[0] = correct;
  return absl::OkStatus();
}

absl::Status RssGrad(GradContext& ctx) {
  if (ctx.needs_grad(0)) ctx.set_grad_input(0, ctx.Emit("RssLossGrad", {ctx.input(0), ctx.input(1)}, {}, "e")[0]);
  return absl::OkStatus();
}

absl::Status RssLossGradShape(ShapeContext& ctx) {
  RETURN_IF_ERROR(RequireSameShape(ctx, 0, 1, "prediction", "target"));
  ctx.set_output(0, kInt8, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status RssLossGradKernel(KernelContext& ctx) {
  const Tensor& pred = ctx.input(0);
  kernels::RssError(pred.data<int8_t>(), ctx.input(1).data<int8_t>(), ctx.output(0).data<int8_t>(), pred.size());
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("RssLoss")
                      .Doc("Residual-sum-of-squares local loss of a block against one-hot targets. Outputs the "
                           "logged loss and the number of correct predictions (int64 scalars).")
                      .Input("pred", {kInt8})
                      .Input("target", {kInt8})
                      .Output("loss")
                      .Output("correct")
                      .SetShapeFn(RssShape)
                      .SetKernel(RssKernel)
                      .SetGrad(RssGrad)
                      .Loss());

NITRO_REGISTER_OP(OpDef("RssLossGrad")
                      .Doc("e = wrap8(pred - target): no factor 2, no division by the batch size.")
                      .Input("pred", {kInt8})
                      .Input("target", {kInt8})
                      .Output("e")
                      .SetShapeFn(RssLossGradShape)
                      .SetKernel(RssLossGradKernel)
                      .NoGradient());

}  // namespace
}  // namespace nitro
