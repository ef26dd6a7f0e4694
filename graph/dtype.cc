#include "graph/dtype.h"

#include "absl/strings/str_cat.h"

namespace nitro {

int DTypeSize(DType dtype) {
  switch (dtype) {
    case proto::INT8:
      return 1;
    case proto::INT16:
      return 2;
    case proto::INT32:
      return 4;
    case proto::INT64:
      return 8;
    default:
      return 0;
  }
}

std::string DTypeName(DType dtype) {
  switch (dtype) {
    case proto::INT8:
      return "int8";
    case proto::INT16:
      return "int16";
    case proto::INT32:
      return "int32";
    case proto::INT64:
      return "int64";
    default:
      return "unspecified";
  }
}

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  if (name == "int8") return kInt8;
  if (name == "int16") return kInt16;
  if (name == "int32") return kInt32;
  if (name == "int64") return kInt64;
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype '", name, "' (expected int8, int16, int32 or int64)"));
}

}  // namespace nitro
