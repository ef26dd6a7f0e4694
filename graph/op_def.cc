#include "graph/op_def.h"

#include "absl/strings/str_cat.h"

namespace nitro {

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt:
      return "int (i: ...)";
    case AttrType::kInts:
      return "int list (ints { v: ... })";
    case AttrType::kString:
      return "string (s: ...)";
    case AttrType::kDType:
      return "dtype (dtype: ...)";
  }
  return "?";
}

const proto::Attr* AttrView::Find(absl::string_view name) const {
  for (const auto& a : attrs_) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t AttrView::GetInt(absl::string_view name) const {
  const proto::Attr* a = Find(name);
  return a ? a->i() : 0;
}

std::vector<int64_t> AttrView::GetInts(absl::string_view name) const {
  const proto::Attr* a = Find(name);
  if (!a) return {};
  return {a->ints().v().begin(), a->ints().v().end()};
}

std::string AttrView::GetString(absl::string_view name) const {
  const proto::Attr* a = Find(name);
  return a ? a->s() : "";
}

DType AttrView::GetDType(absl::string_view name) const {
  const proto::Attr* a = Find(name);
  return a ? a->dtype() : proto::DTYPE_UNSPECIFIED;
}

absl::Status ShapeContext::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(where_, ": ", message));
}

proto::Attr IntAttr(absl::string_view name, int64_t v) {
  proto::Attr a;
  a.set_name(std::string(name));
  a.set_i(v);
  return a;
}

proto::Attr IntsAttr(absl::string_view name, const std::vector<int64_t>& v) {
  proto::Attr a;
  a.set_name(std::string(name));
  for (int64_t x : v) a.mutable_ints()->add_v(x);
  return a;
}

proto::Attr StringAttr(absl::string_view name, absl::string_view v) {
  proto::Attr a;
  a.set_name(std::string(name));
  a.set_s(std::string(v));
  return a;
}

OpDef& OpDef::Attr(std::string name, int64_t default_value) {
  attrs_.push_back({name, AttrType::kInt, IntAttr(name, default_value)});
  return *this;
}

OpDef& OpDef::Attr(std::string name, std::vector<int64_t> default_value) {
  attrs_.push_back({name, AttrType::kInts, IntsAttr(name, default_value)});
  return *this;
}

OpDef& OpDef::Attr(std::string name, std::string default_value) {
  attrs_.push_back({name, AttrType::kString, StringAttr(name, default_value)});
  return *this;
}

}  // namespace nitro
