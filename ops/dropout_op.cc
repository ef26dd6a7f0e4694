// Op declaration of the integer Dropout (spec §2.8): a Bernoulli(1-p) mask per element drawn
// from the step's RandomSource in C order, rescaled by F/1000 with F = floor(10^6/(1000-rate‰)).
#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "ops/kernels/elementwise.h"
#include "ops/op_util.h"

namespace nitro {
namespace {

absl::Status DropoutShape(ShapeContext& ctx) {
  const int64_t rate = ctx.attrs().GetInt("rate_permille");
  if (rate < 0 || rate >= 1000) return ctx.Error(absl::StrCat("rate_permille must be in [0, 999], got ", rate));
  ctx.set_output(0, kInt16, ctx.input(0).shape);  // the reference stores the output as int16
  return absl::OkStatus();
}

absl::Status DropoutKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  int16_t* out = y.data<int16_t>();
  const int64_t rate = ctx.attrs().GetInt("rate_permille");
  if (!ctx.training() || rate == 0) {  // eval: identity, no rescale
    for (int64_t i = 0; i < x.size(); ++i) out[i] = static_cast<int16_t>(x.Get(i));
    return absl::OkStatus();
  }
  if (ctx.rng() == nullptr) return absl::FailedPreconditionError("Dropout needs a random source in training mode");
  const int64_t keep_ppm = (1000 - rate) * 1000;
  const int64_t factor = kernels::DropoutFactor(rate);
  // Data parallelism (dist/data_parallel.h): x is slice `batch_slice` of `batch_slices` equal row
  // slices of the whole batch; the whole batch's mask is drawn in C order and this slice's part kept.
  const int64_t slices = ctx.attrs().GetInt("batch_slices");
  const int64_t slice = ctx.attrs().GetInt("batch_slice");
  if (slices < 1 || slice < 0 || slice >= slices) {
    return absl::InvalidArgumentError(absl::StrCat("batch_slice ", slice, " of ", slices, " is not a slice"));
  }
  for (int64_t i = 0; i < slice * x.size(); ++i) ctx.rng()->Bernoulli(keep_ppm);
  for (int64_t i = 0; i < x.size(); ++i) {
    out[i] = kernels::DropoutValue(x.Get(i), ctx.rng()->Bernoulli(keep_ppm), factor);
  }
  for (int64_t i = 0; i < (slices - 1 - slice) * x.size(); ++i) ctx.rng()->Bernoulli(keep_ppm);
  return absl::OkStatus();
}

NITRO_REGISTER_OP(OpDef("Dropout")
                      .Doc("Training: trunc(x·mask·F/1000) as int16, mask ~ Bernoulli(1-rate). Eval: x. Never "
                           "differentiated (it sits between blocks).")
                      .Input("x", {kInt8, kInt16})
                      .Output("y")
                      .Attr("rate_permille", AttrType::kInt)
                      .Attr("batch_slices", int64_t{1})
                      .Attr("batch_slice", int64_t{0})
                      .SetShapeFn(DropoutShape)
                      .SetKernel(DropoutKernel)
                      .NoGradient()
                      .Stochastic());

}  // namespace
}  // namespace nitro
