// Graphviz DOT rendering of a model graph, one cluster per local-loss block.
#ifndef NITRO_GRAPH_DOT_H_
#define NITRO_GRAPH_DOT_H_

#include <string>

#include "proto/nitro.pb.h"

namespace nitro {

// Nodes are ops (boxes; backward-only and update ops coloured), edges are values labelled with
// their names; inputs and parameters are ellipses.
std::string ModelToDot(const proto::Model& model);

}  // namespace nitro

#endif  // NITRO_GRAPH_DOT_H_
