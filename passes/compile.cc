#include "passes/compile.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "passes/fuse_conv_block.h"

namespace nitro {
namespace {

absl::StatusOr<std::unique_ptr<Graph>> Build(proto::Model model, const Graph& source_model, const char* which,
                                             const OpRegistry* registry) {
  BuildOptions options;
  options.source = absl::StrCat(source_model.source(), " (", which, ")");
  options.batch_size = source_model.batch_size();
  options.registry = registry;
  ASSIGN_OR_RETURN(Graph graph, BuildGraph(std::move(model), options));
  return std::make_unique<Graph>(std::move(graph));
}

}  // namespace

absl::StatusOr<CompiledGraphs> CompileTrainingGraph(const Graph& model, const CompileOptions& options) {
  LocalGradientOptions local_gradient = options.local_gradient;
  // The gradient rules emit ops of the registry the graphs are built against.
  if (local_gradient.registry == nullptr) local_gradient.registry = options.registry;
  ASSIGN_OR_RETURN(proto::Model train, DeriveTrainingGraph(model, local_gradient));
  ASSIGN_OR_RETURN(proto::Model inference, ExtractInferenceGraph(model));
  if (options.fuse) {
    FuseConvBlockGrads(&train);  // before the forward fusion, which renames nothing it needs
    FuseConvBlockForwards(&train);
    FuseConvBlockPools(&train);
    FuseConvBlockForwards(&inference);
  }
  CompiledGraphs out;
  ASSIGN_OR_RETURN(out.train, Build(std::move(train), model, "derived training graph", options.registry));
  ASSIGN_OR_RETURN(out.inference, Build(std::move(inference), model, "inference graph", options.registry));
  return out;
}

}  // namespace nitro
