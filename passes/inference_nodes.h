// Which nodes of a graph the inference path needs: the ones the model's `output` values depend on.
// Every other node is a "head" node (local classifiers and losses), run only while training.
#ifndef NITRO_PASSES_INFERENCE_NODES_H_
#define NITRO_PASSES_INFERENCE_NODES_H_

#include <vector>

#include "graph/graph.h"

namespace nitro {

// One flag per node of `graph` (parallel to graph.nodes()): true when a model output depends on
// the node, following inputs back to the graph's inputs and parameters. A graph that declares no
// `output` has no inference node (all false); callers that need an output reject that themselves.
std::vector<bool> InferenceNodes(const Graph& graph);

}  // namespace nitro

#endif  // NITRO_PASSES_INFERENCE_NODES_H_
