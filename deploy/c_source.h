// Pieces of generated C99 source: identifiers, integer types and literals, constant arrays and an
// indenting line writer. Everything the exporter writes goes through these, so the generated code
// uses only <stdint.h> types and literals that mean the same value for every C99 compiler.
#ifndef NITRO_DEPLOY_C_SOURCE_H_
#define NITRO_DEPLOY_C_SOURCE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "graph/dtype.h"
#include "graph/tensor.h"

namespace nitro::deploy {

// `name` as a C identifier: ASCII letters, digits and '_' are kept, every other character becomes
// '_', and a leading digit (or an empty name) gets a '_' in front. "b0.head.w" -> "b0_head_w".
std::string CIdentifier(absl::string_view name);

// The <stdint.h> type of a dtype: "int8_t", "int16_t", "int32_t" or "int64_t".
const char* CTypeOf(DType dtype);

// The narrowest of int8, int16, int32 and int64 that holds every element of `t` (int8 when empty).
DType NarrowestDType(const Tensor& t);

// A C expression with the value `v` in every C99 implementation: plain decimal digits inside the
// int32 range, INT32_MIN as "(-2147483647 - 1)" (the literal 2147483648 does not fit an int32),
// and INT64_C(...) beyond the int32 range.
std::string CIntLiteral(int64_t v);

// "static const T name[n] = {\n  v, v, ...\n};\n": the elements of `t` in row-major order as the
// C type of `as`, which must hold every one of them (see NarrowestDType).
std::string CConstArray(absl::string_view name, const Tensor& t, DType as);

// Appends lines of C with two-space indentation per open brace.
class CCode {
 public:
  // One line at the current indentation; an empty `text` gives an empty line.
  void Line(absl::string_view text);
  // "text {" and one level deeper.
  void Open(absl::string_view text);
  // One level shallower and "}" followed by `suffix` (e.g. ";").
  void Close(absl::string_view suffix = "");
  // Lines of `other`, each indented to the current level.
  void Append(const CCode& other);
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  int indent_ = 0;
};

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_C_SOURCE_H_
