// Model summary: per-block node shapes, parameter counts and MACs of a validated graph (`nitro show`).
#ifndef NITRO_PASSES_MODEL_SUMMARY_H_
#define NITRO_PASSES_MODEL_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace nitro {

// One node of the graph. Shapes and counts are per sample: the batch dimension is dropped
// (rank-0 outputs, such as a loss summed over the batch, are kept as they are).
struct NodeSummary {
  std::string name;
  std::string op;
  std::vector<ValueType> outputs;  // per-sample type of each output
  int64_t params = 0;              // elements of the parameters the node consumes
  int64_t macs = 0;                // forward multiply-accumulates per sample (0 if the op declares none)
  bool training_only = false;      // true for "head" nodes: the model's `output` does not depend on them
};

// A group of nodes: all nodes of one local-loss block, or one contiguous run of nodes that belong
// to no block (named kBetweenBlocks).
struct BlockSummary {
  std::string name;                // the block name, or kBetweenBlocks
  int64_t visits = 1;              // local steps per training step (Block.visits; 1 when unset)
  std::vector<NodeSummary> nodes;  // in graph (topological) order
  int64_t params = 0;
  int64_t forward_macs = 0;
  int64_t head_macs = 0;
};

struct ModelSummary {
  std::string name;
  std::string doc;
  std::vector<BlockSummary> blocks;  // in order of first appearance in the graph
  int64_t total_params = 0;          // every declared parameter, each counted once
  int64_t inference_macs = 0;        // per sample, nodes the output depends on
  int64_t training_only_macs = 0;    // per sample, head nodes (local classifiers and losses)
  int64_t activation_bytes = 0;      // per sample, sum over node outputs of elements x dtype size
};

inline constexpr char kBetweenBlocks[] = "(between blocks)";

// Summarises `graph` (any batch size; counts are divided down to one sample). Nodes of a named
// block are gathered into that block's group, placed where the block first appears; nodes with no
// block form one "(between blocks)" group per contiguous run. Errors: InvalidArgument if the graph
// has a batch size below 1.
absl::StatusOr<ModelSummary> SummarizeModel(const Graph& graph);

// An aligned table per block and the totals, with thousands separators ("9,149,824").
std::string FormatSummary(const ModelSummary& summary);

}  // namespace nitro

#endif  // NITRO_PASSES_MODEL_SUMMARY_H_
