// The C emitter of the custom op ShiftScale (shift_scale_op.cc), so that `nitro export-c` can
// write models that use it as freestanding C99. It mirrors the kernel line by line:
//   bias = (z >> 31) & (2^shift - 1);  q = (z + bias) >> shift;  s = clip(q, -127, 127)
// with the arithmetic right shift of a negative value written as ~(~v >> shift), as the kernel
// does, because `>>` of a negative signed value is implementation-defined in C as in C++.
#include <string>

#include "absl/strings/str_cat.h"
#include "deploy/c_emitter.h"

namespace nitro {
namespace {

constexpr char kHelpers[] =
    "/* ShiftScale (examples/custom_op): floor(v / 2^shift) without >> of a negative value, and\n"
    "   clip(trunc(z / 2^shift), -127, 127) by an add, an AND and that shift. */\n"
    "static int32_t shift_scale_asr(int32_t v, int shift) { return v >= 0 ? v >> shift : ~(~v >> shift); }\n"
    "static int32_t shift_scale(int32_t z, int shift) {\n"
    "  const uint32_t low_bits = ((uint32_t)1 << shift) - 1u;\n"
    "  const uint32_t sign = (uint32_t)shift_scale_asr(z, 31);  /* 0 or 0xffffffff */\n"
    "  const int32_t q = shift_scale_asr(z + (int32_t)(sign & low_bits), shift);\n"
    "  return q < -127 ? -127 : (q > 127 ? 127 : q);\n"
    "}\n";

absl::Status EmitShiftScale(deploy::CEmitContext& ctx) {
  const deploy::COperand& z = ctx.input(0);
  const deploy::COperand& s = ctx.output(0);
  ctx.defs().Add("shift_scale", kHelpers);
  ctx.code().Line(absl::StrCat("const ", z.ctype(), " *z = ", z.ptr, ";"));
  ctx.code().Line(absl::StrCat("for (int32_t n = 0; n < ", z.size(), "; ++n) ", s.ptr, "[n] = (", s.ctype(),
                               ")shift_scale((int32_t)z[n], ", ctx.attrs().GetInt("shift"), ");"));
  return absl::OkStatus();
}

NITRO_REGISTER_C_EMITTER(deploy::CEmitter("ShiftScale").SetEmit(EmitShiftScale));

}  // namespace
}  // namespace nitro
