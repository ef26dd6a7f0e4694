#include "deploy/c_source.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace nitro::deploy {

std::string CIdentifier(absl::string_view name) {
  std::string out;
  for (char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    out.push_back(ok ? ch : '_');
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

const char* CTypeOf(DType dtype) {
  switch (dtype) {
    case kInt8:
      return "int8_t";
    case kInt16:
      return "int16_t";
    case kInt64:
      return "int64_t";
    default:
      return "int32_t";
  }
}

DType NarrowestDType(const Tensor& t) {
  int64_t lo = 0, hi = 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    const int64_t v = t.Get(i);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= -128 && hi <= 127) return kInt8;
  if (lo >= -32768 && hi <= 32767) return kInt16;
  if (lo >= std::numeric_limits<int32_t>::min() && hi <= std::numeric_limits<int32_t>::max()) return kInt32;
  return kInt64;
}

std::string CIntLiteral(int64_t v) {
  constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
  if (v == kMin32) return "(-2147483647 - 1)";
  if (v > kMin32 && v <= kMax32) return absl::StrCat(v);
  if (v == std::numeric_limits<int64_t>::min()) return "(-INT64_C(9223372036854775807) - 1)";
  return absl::StrCat("INT64_C(", v, ")");
}

std::string CConstArray(absl::string_view name, const Tensor& t, DType as) {
  constexpr int64_t kPerLine = 16;
  std::string out = absl::StrCat("static const ", CTypeOf(as), " ", name, "[", t.size(), "] = {");
  for (int64_t i = 0; i < t.size(); ++i) {
    absl::StrAppend(&out, i % kPerLine == 0 ? "\n  " : " ", CIntLiteral(t.Get(i)), i + 1 < t.size() ? "," : "");
  }
  absl::StrAppend(&out, "\n};\n");
  return out;
}

void CCode::Line(absl::string_view text) {
  if (!text.empty()) out_.append(2 * indent_, ' ');
  absl::StrAppend(&out_, text, "\n");
}

void CCode::Open(absl::string_view text) {
  Line(absl::StrCat(text, text.empty() ? "{" : " {"));
  ++indent_;
}

void CCode::Close(absl::string_view suffix) {
  if (indent_ > 0) --indent_;
  Line(absl::StrCat("}", suffix));
}

void CCode::Append(const CCode& other) {
  for (absl::string_view line : absl::StrSplit(other.str(), '\n', absl::SkipEmpty())) Line(line);
}

}  // namespace nitro::deploy
