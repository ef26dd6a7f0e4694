#include "graph/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nitro {

namespace {
constexpr int64_t kMaxElements = int64_t{1} << 40;
}

absl::StatusOr<int64_t> ElementCount(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::OutOfRangeError(absl::StrCat("negative dimension in shape ", ShapeString(shape)));
    if (d != 0 && n > kMaxElements / d) {
      return absl::OutOfRangeError(absl::StrCat("shape ", ShapeString(shape), " has more than 2^40 elements"));
    }
    n *= d;
  }
  return n;
}

absl::Status CheckDeclaredShape(const Shape& shape) {
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dimension ", k, " of shape ", ShapeString(shape), " is 0; every dimension must be positive"));
    }
  }
  auto count = ElementCount(shape);
  return count.ok() ? absl::OkStatus() : count.status();
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeString(const Shape& shape) { return absl::StrCat("[", absl::StrJoin(shape, ", "), "]"); }

}  // namespace nitro
