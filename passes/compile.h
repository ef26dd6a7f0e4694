// The one pipeline from a validated model to executable graphs: derive the training graph with the
// local-gradient pass, apply the bit-exact conv-block fusions, and build (validate, order,
// shape-infer) the training and the inference graph. The trainer, the benchmark and the tests all
// compile through here, so they run the same graphs.
#ifndef NITRO_PASSES_COMPILE_H_
#define NITRO_PASSES_COMPILE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "passes/local_gradient.h"

namespace nitro {

struct CompileOptions {
  // Its `registry`, when null, is taken from `registry` below.
  LocalGradientOptions local_gradient;
  // Rewrite conv blocks into ConvBlockGrad / ConvScaleRelu, with the training graph's max pools of
  // the blocks' activations moved into ConvScaleRelu (bit-identical, less memory). Off only
  // to compare against the unfused graph, which is the one `nitro derive` prints.
  bool fuse = true;
  // The op registry `model` was built against and the derived graphs are built against (null:
  // OpRegistry::Global()).
  const OpRegistry* registry = nullptr;
};

// Built graphs behind stable addresses: a Plan keeps a pointer to the Graph it was created for.
struct CompiledGraphs {
  std::unique_ptr<Graph> train;      // forward, heads, losses, local backward, IntegerSGD updates
  std::unique_ptr<Graph> inference;  // the nodes the model's output depends on
};

// Compiles `model` at its own batch size. Errors name the model's source and which graph failed.
absl::StatusOr<CompiledGraphs> CompileTrainingGraph(const Graph& model, const CompileOptions& options = {});

}  // namespace nitro

#endif  // NITRO_PASSES_COMPILE_H_
