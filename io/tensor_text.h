// The tensor text format of the golden traces: per tensor a header line
// `<name> <dtype> <dim0> <dim1> ...` and a line of all values, space separated, row-major.
#ifndef NITRO_IO_TENSOR_TEXT_H_
#define NITRO_IO_TENSOR_TEXT_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"

namespace nitro {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// Parses records from text. Errors (InvalidArgument / DataLoss) name `source` and the line.
absl::StatusOr<std::vector<NamedTensor>> ParseTensorText(absl::string_view text, absl::string_view source);
// Reads a file, gzipped or not.
absl::StatusOr<std::vector<NamedTensor>> ReadTensorText(const std::string& path);
// Writes one record.
void WriteTensorText(std::ostream& out, absl::string_view name, const Tensor& t);

}  // namespace nitro

#endif  // NITRO_IO_TENSOR_TEXT_H_
