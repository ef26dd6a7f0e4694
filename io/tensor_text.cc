#include "io/tensor_text.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"
#include "io/gzip_file.h"

namespace nitro {

absl::StatusOr<std::vector<NamedTensor>> ParseTensorText(absl::string_view text, absl::string_view source) {
  std::vector<NamedTensor> out;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (size_t i = 0; i < lines.size(); i += 2) {
    const int line_no = static_cast<int>(i) + 1;
    auto where = [&](int l) { return absl::StrCat(source, ":", l, ": "); };
    std::vector<absl::string_view> head = absl::StrSplit(lines[i], ' ', absl::SkipEmpty());
    if (head.size() < 2)
      return absl::InvalidArgumentError(absl::StrCat(where(line_no), "expected `<name> <dtype> <dims...>`"));
    auto dtype = ParseDType(head[1]);
    if (!dtype.ok()) return absl::InvalidArgumentError(absl::StrCat(where(line_no), dtype.status().message()));
    Shape shape;
    for (size_t k = 2; k < head.size(); ++k) {
      int64_t d;
      if (!absl::SimpleAtoi(head[k], &d) || d < 0) {
        return absl::InvalidArgumentError(absl::StrCat(where(line_no), "bad dimension '", head[k], "'"));
      }
      shape.push_back(d);
    }
    auto count = ElementCount(shape);
    if (!count.ok()) return absl::InvalidArgumentError(absl::StrCat(where(line_no), count.status().message()));
    if (i + 1 >= lines.size())
      return absl::DataLossError(absl::StrCat(where(line_no), "record '", head[0], "' has no values line"));
    std::vector<absl::string_view> vals = absl::StrSplit(lines[i + 1], ' ', absl::SkipEmpty());
    if (static_cast<int64_t>(vals.size()) != *count) {
      return absl::DataLossError(absl::StrCat(where(line_no + 1), "record '", head[0], "' has ", vals.size(),
                                              " values, its shape needs ", *count));
    }
    // Allocated only once the values are known to be there, so a shape alone cannot ask for memory.
    absl::StatusOr<Tensor> tensor = Tensor::Allocate(*dtype, shape);
    if (!tensor.ok())
      return absl::Status(tensor.status().code(), absl::StrCat(where(line_no), tensor.status().message()));
    NamedTensor nt{std::string(head[0]), std::move(*tensor)};
    const int bits = DTypeSize(*dtype) * 8;
    for (int64_t k = 0; k < *count; ++k) {
      int64_t v;
      if (!absl::SimpleAtoi(vals[k], &v)) {
        return absl::InvalidArgumentError(absl::StrCat(where(line_no + 1), "bad value '", vals[k], "'"));
      }
      if (bits < 64 && (v < -(int64_t{1} << (bits - 1)) || v >= (int64_t{1} << (bits - 1)))) {
        return absl::InvalidArgumentError(absl::StrCat(where(line_no + 1), "value ", v, " does not fit ", head[1]));
      }
      nt.tensor.Set(k, v);
    }
    out.push_back(std::move(nt));
  }
  return out;
}

absl::StatusOr<std::vector<NamedTensor>> ReadTensorText(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(path));
  return ParseTensorText(text, path);
}

void WriteTensorText(std::ostream& out, absl::string_view name, const Tensor& t) {
  out << name << ' ' << DTypeName(t.dtype());
  if (t.shape().empty()) out << " 1";
  for (int64_t d : t.shape()) out << ' ' << d;
  out << '\n';
  for (int64_t i = 0; i < t.size(); ++i) {
    if (i) out << ' ';
    out << t.Get(i);
  }
  out << '\n';
}

}  // namespace nitro
