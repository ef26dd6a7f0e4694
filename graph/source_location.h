// Where a message about a model points: "model.pbtxt:12" and "model.pbtxt:12: node 'z0' (Linear)".
// Every error about one node starts with NodeLocation(...) followed by ": ", so that messages from
// the graph builder, shape functions, kernels and passes read alike.
#ifndef NITRO_GRAPH_SOURCE_LOCATION_H_
#define NITRO_GRAPH_SOURCE_LOCATION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "proto/nitro.pb.h"

namespace nitro {

// "model.pbtxt:12" for a 1-based line; just "model.pbtxt" when the line is unknown (<= 0).
std::string SourceLine(absl::string_view source, int line);

// "model.pbtxt:12: node 'z0' (Linear)": the node's name and op as written in the model.
std::string NodeLocation(absl::string_view source, int line, const proto::Node& node);

}  // namespace nitro

#endif  // NITRO_GRAPH_SOURCE_LOCATION_H_
