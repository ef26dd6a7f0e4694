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
// Product of the dimensions of a shape already validated by ElementCount.
int64_t NumElements(const Shape& shape);
// "[8, 1, 28, 28]".
std::string ShapeString(const Shape& shape);

}  // namespace nitro

#endif  // NITRO_GRAPH_SHAPE_H_
