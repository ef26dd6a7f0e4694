// C emitters of the element-wise and data-movement ops at inference: Scale, NitroRelu,
// MaxPool2D, and the aliases Flatten, Reshape and Dropout (the identity at inference), which
// need no code: their consumers read the input's elements in place.
#include <string>

#include "absl/strings/str_cat.h"
#include "deploy/c_emitter.h"
#include "graph/status_macros.h"

namespace nitro::deploy {
namespace {

// s = clip(trunc(z / divisor), -127, 127) as int8 (kernels::Scale).
absl::Status EmitScale(CEmitContext& ctx) {
  const COperand& z = ctx.input(0);
  const COperand& s = ctx.output(0);
  const std::string q = ScaleExpr(ctx.defs(), "(int32_t)z[n]", ctx.attrs().GetInt("divisor"));
  ctx.code().Line(absl::StrCat("const ", z.ctype(), " *z = ", z.ptr, ";"));
  ctx.code().Line(
      absl::StrCat("for (int32_t n = 0; n < ", z.size(), "; ++n) ", s.ptr, "[n] = (", s.ctype(), ")", q, ";"));
  return absl::OkStatus();
}

// a = table[s + 128], the table made by nitro's own NitroRelu kernel for this alpha_inv.
absl::Status EmitNitroRelu(CEmitContext& ctx) {
  const COperand& s = ctx.input(0);
  const COperand& a = ctx.output(0);
  const int64_t alpha = ctx.attrs().GetInt("alpha_inv");
  ASSIGN_OR_RETURN(std::string table,
                   ctx.Int8Table("NitroRelu", ctx.attrs(), absl::StrCat("nitro_relu_table_a", alpha)));
  if (s.storage != kInt8) return ctx.Error("NitroRelu's input must be stored as int8");
  ctx.code().Line(absl::StrCat("const int8_t *s = ", s.ptr, ";"));
  ctx.code().Line(
      absl::StrCat("for (int32_t n = 0; n < ", s.size(), "; ++n) ", a.ptr, "[n] = ", table, "[s[n] + 128];"));
  return absl::OkStatus();
}

// The max of each KH x KW window (stride = kernel) of the input padded by (PH, PW) with nitro's
// pad value: 0 for int8/int16 inputs, INT32_MIN for int32 (kernels::PoolPadValue). Only the
// value is needed at inference, and the max does not depend on which maximum comes first.
absl::Status EmitMaxPool2D(CEmitContext& ctx) {
  const COperand& x = ctx.input(0);
  const COperand& y = ctx.output(0);
  const int64_t C = x.type.shape[1], H = x.type.shape[2], W = x.type.shape[3];
  const int64_t Ho = y.type.shape[2], Wo = y.type.shape[3];
  const auto kernel = ctx.attrs().GetInts("kernel");
  const auto pad = ctx.attrs().GetInts("pad");
  const int64_t KH = kernel[0], KW = kernel[1], PH = pad[0], PW = pad[1];
  if (x.storage == kInt64) return ctx.Error("MaxPool2D of int64 values has no C emitter");
  const std::string pad_value = x.type.dtype == kInt32 ? "INT32_MIN" : "0";
  const std::string read = (PH == 0 && PW == 0) ? absl::StrCat("x[(p * ", H, " + r) * ", W, " + q]")
                                                : absl::StrCat("(r < 0 || r >= ", H, " || q < 0 || q >= ", W, ") ? ",
                                                               pad_value, " : x[(p * ", H, " + r) * ", W, " + q]");
  CCode& c = ctx.code();
  c.Line(absl::StrCat("const ", x.ctype(), " *x = ", x.ptr, ";"));
  c.Open(absl::StrCat("for (int32_t p = 0; p < ", C, "; ++p)"));
  c.Open(absl::StrCat("for (int32_t i = 0; i < ", Ho, "; ++i)"));
  c.Open(absl::StrCat("for (int32_t j = 0; j < ", Wo, "; ++j)"));
  c.Line("int32_t best = INT32_MIN;  /* below or equal to every cell, so the window's max wins */");
  c.Open(absl::StrCat("for (int32_t k = 0; k < ", KH, "; ++k)"));
  c.Line(
      absl::StrCat("const int32_t r = i * ", KH, " + k", PH == 0 ? "" : absl::StrCat(" - ", PH), ";  /* input row */"));
  c.Open(absl::StrCat("for (int32_t l = 0; l < ", KW, "; ++l)"));
  c.Line(absl::StrCat("const int32_t q = j * ", KW, " + l", PW == 0 ? "" : absl::StrCat(" - ", PW),
                      ";  /* input column */"));
  c.Line(absl::StrCat("const int32_t v = ", read, ";"));
  c.Line("if (v > best) best = v;");
  c.Close();
  c.Close();
  c.Line(absl::StrCat(y.ptr, "[(p * ", Ho, " + i) * ", Wo, " + j] = (", y.ctype(), ")best;"));
  c.Close();
  c.Close();
  c.Close();
  return absl::OkStatus();
}

NITRO_REGISTER_C_EMITTER(CEmitter("Scale").SetEmit(EmitScale));
NITRO_REGISTER_C_EMITTER(CEmitter("NitroRelu").SetEmit(EmitNitroRelu));
NITRO_REGISTER_C_EMITTER(CEmitter("MaxPool2D").SetEmit(EmitMaxPool2D));
// [1, C, H, W] -> [1, C*H*W] in row-major order: the same elements.
NITRO_REGISTER_C_EMITTER(CEmitter("Flatten").SetAliasOf(0));
// x with the shape of `like`: the same elements.
NITRO_REGISTER_C_EMITTER(CEmitter("Reshape").SetAliasOf(0));
// At inference Dropout returns its input unchanged (kernels: `!training` is the identity); nitro
// widens it to int16, which changes no value, so consumers read the input's own elements.
NITRO_REGISTER_C_EMITTER(CEmitter("Dropout").SetAliasOf(0));

}  // namespace
}  // namespace nitro::deploy
