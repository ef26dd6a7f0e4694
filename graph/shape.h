// Static tensor shapes: dimension lists with overflow-checked element counts.
#ifndef NITRO_GRAPH_SHAPE_H_
#define NITRO_GRAPH_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nitro {

using Shape = std::vector<int64_t>;

// Product of the dimensions; OutOfRange if a dimension is negative or the product exceeds 2^40
// elements (far beyond any model nitro can hold in memory).
absl::StatusOr<int64_t> ElementCount(const Shape& shape);
// A declared (input or parameter) shape: InvalidArgument naming the dimension if one is 0, else
// ElementCount's verdict. Zero dimensions are refused because ElementCount accepts e.g.
// [0, 2^40, 2^40] (product 0), whose other dimensions would overflow int64 in shape functions
// that multiply them (Flatten); with every dimension >= 1, each partial product is bounded by the
// checked total.
absl::Status CheckDeclaredShape(const Shape& shape);
// Product of the dimensions of a shape already validated by ElementCount.
int64_t NumElements(const Shape& shape);
// "[8, 1, 28, 28]".
std::string ShapeString(const Shape& shape);

}  // namespace nitro

#endif  // NITRO_GRAPH_SHAPE_H_
