// C emitters of the accumulating ops: Linear, Conv2D and the fused ConvScaleRelu. Each output
// element is one uint32_t sum of products, wrapping modulo 2^32 exactly like nitro's MacU32
// (ops/int_math.h), so any summation order gives nitro's int32 result. Linear and Conv2D store
// it through the exporter's epilogue: as int32, or with a following Scale and NitroRelu fused in,
// so the int32 accumulator array is never stored (like ConvScaleRelu in nitro itself).
#include <string>

#include "absl/strings/str_cat.h"
#include "deploy/c_emitter.h"
#include "graph/status_macros.h"

namespace nitro::deploy {
namespace {

// z[o] = sum_i x[i] * w[o, i]  (x: [1, I], w: [O, I]).
absl::Status EmitLinear(CEmitContext& ctx) {
  const COperand& x = ctx.input(0);
  const COperand& w = ctx.input(1);
  const int64_t in = w.type.shape[1], out = w.type.shape[0];
  ASSIGN_OR_RETURN(std::string store, StoreAccumulator(ctx, ctx.epilogue(), "acc", "o"));
  CCode& c = ctx.code();
  c.Line(absl::StrCat("const ", x.ctype(), " *x = ", x.ptr, ";"));
  c.Open(absl::StrCat("for (int32_t o = 0; o < ", out, "; ++o)"));
  c.Line(absl::StrCat("const ", w.ctype(), " *wo = ", w.ptr, " + o * ", in, ";"));
  c.Line("uint32_t acc = 0u;");
  c.Line(absl::StrCat("for (int32_t i = 0; i < ", in, "; ++i) acc += (uint32_t)x[i] * (uint32_t)wo[i];"));
  c.Line(store);
  c.Close();
  return absl::OkStatus();
}

// z[f, i, j] = sum_{c,k,l} w[f, c, k, l] * x[c, i + k - pad, j + l - pad] over the taps inside
// the image (zero padding contributes nothing): stride 1, cross-correlation, as kernels::Conv2DForward.
absl::Status EmitConv(CEmitContext& ctx, const Epilogue& e) {
  const COperand& x = ctx.input(0);
  const COperand& w = ctx.input(1);
  const int64_t C = x.type.shape[1], H = x.type.shape[2], W = x.type.shape[3];
  const int64_t F = w.type.shape[0], KH = w.type.shape[2], KW = w.type.shape[3];
  const int64_t P = ctx.attrs().GetInt("pad");
  const int64_t Ho = H + 2 * P - KH + 1, Wo = W + 2 * P - KW + 1;
  ASSIGN_OR_RETURN(std::string store,
                   StoreAccumulator(ctx, e, "acc", absl::StrCat("(f * ", Ho, " + i) * ", Wo, " + j")));
  // The kernel rows [k0, k1) and columns [l0, l1) that fall inside the image.
  const std::string k0 = P == 0 ? "0" : "k0", k1 = P == 0 ? absl::StrCat(KH) : "k1";
  const std::string l0 = P == 0 ? "0" : "l0", l1 = P == 0 ? absl::StrCat(KW) : "l1";
  CCode& c = ctx.code();
  c.Line(absl::StrCat("const ", x.ctype(), " *x = ", x.ptr, ";"));
  c.Line(absl::StrCat("const ", w.ctype(), " *w = ", w.ptr, ";"));
  c.Open(absl::StrCat("for (int32_t f = 0; f < ", F, "; ++f)"));
  c.Open(absl::StrCat("for (int32_t i = 0; i < ", Ho, "; ++i)"));
  if (P != 0) {
    c.Line(absl::StrCat("const int32_t k0 = i < ", P, " ? ", P, " - i : 0, k1 = i > ", H + P - KH, " ? ", H + P,
                        " - i : ", KH, ";"));
  }
  c.Open(absl::StrCat("for (int32_t j = 0; j < ", Wo, "; ++j)"));
  if (P != 0) {
    c.Line(absl::StrCat("const int32_t l0 = j < ", P, " ? ", P, " - j : 0, l1 = j > ", W + P - KW, " ? ", W + P,
                        " - j : ", KW, ";"));
  }
  c.Line("uint32_t acc = 0u;");
  c.Open(absl::StrCat("for (int32_t ch = 0; ch < ", C, "; ++ch)"));
  c.Line(absl::StrCat("const ", x.ctype(), " *xc = x + ch * ", H * W, ";"));
  c.Line(absl::StrCat("const ", w.ctype(), " *wc = w + (f * ", C, " + ch) * ", KH * KW, ";"));
  c.Open(absl::StrCat("for (int32_t k = ", k0, "; k < ", k1, "; ++k)"));
  c.Line(absl::StrCat("const int32_t row = (i + k - ", P, ") * ", W, " + j - ", P, ";  /* + l: the input column */"));
  c.Line(absl::StrCat("for (int32_t l = ", l0, "; l < ", l1, "; ++l) acc += (uint32_t)xc[row + l] * (uint32_t)wc[k * ",
                      KW, " + l];"));
  c.Close();
  c.Close();
  c.Line(store);
  c.Close();
  c.Close();
  c.Close();
  return absl::OkStatus();
}

absl::Status EmitConv2D(CEmitContext& ctx) { return EmitConv(ctx, ctx.epilogue()); }

// ConvScaleRelu: Conv2D, Scale and NitroRelu in one node with outputs s and a; at inference
// usually only a is read, and an unread s is not stored at all.
absl::Status EmitConvScaleRelu(CEmitContext& ctx) {
  // nitro's own passes fuse pools into ConvScaleRelu only in the training graph (FuseConvBlockPools).
  if (ctx.num_outputs() > 2) {
    return ctx.Error(
        "has fused max pools (pooled outputs), which the C export does not emit; write the pools as "
        "MaxPool2D nodes reading a");
  }
  Epilogue e;
  e.divisor = ctx.attrs().GetInt("divisor");
  e.alpha_inv = ctx.attrs().GetInt("alpha_inv");
  if (ctx.output_used(0)) e.s = ctx.output(0);
  if (ctx.output_used(1)) e.a = ctx.output(1);
  return EmitConv(ctx, e);
}

NITRO_REGISTER_C_EMITTER(CEmitter("Linear").SetEmit(EmitLinear).SetFusesScaleRelu());
NITRO_REGISTER_C_EMITTER(CEmitter("Conv2D").SetEmit(EmitConv2D).SetFusesScaleRelu());
NITRO_REGISTER_C_EMITTER(CEmitter("ConvScaleRelu").SetEmit(EmitConvScaleRelu).SetOptionalOutputs());

}  // namespace
}  // namespace nitro::deploy
