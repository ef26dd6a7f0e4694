// Plan: a graph compiled for execution — one buffer per value, allocated once from the static
// shapes and reused every step, and each node bound to its input and output buffers.
#ifndef NITRO_RUNTIME_PLAN_H_
#define NITRO_RUNTIME_PLAN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/random_source.h"
#include "graph/tensor.h"

namespace nitro {

class Plan {
 public:
  // Compiles `graph` (which must outlive the plan). ResourceExhausted, naming the value and the
  // bytes, if a buffer cannot be allocated.
  static absl::StatusOr<std::unique_ptr<Plan>> Create(const Graph* graph);

  const Graph& graph() const { return *graph_; }
  int num_nodes() const { return static_cast<int>(bound_.size()); }
  // The buffer of a value (input, parameter or node output); null if unknown.
  Tensor* Find(absl::string_view value);
  const Tensor* Find(absl::string_view value) const;
  // Copies `t` into the buffer of `value`; InvalidArgument on an unknown name, dtype or shape mismatch.
  absl::Status Set(absl::string_view value, const Tensor& t);
  // Runs node i's kernel. Errors come back naming the node and op.
  absl::Status RunNode(int i, bool training, RandomSource* rng);
  // Nodes whose outputs node i reads (its data dependencies), in the graph's topological order.
  const std::vector<int>& deps(int i) const { return deps_[i]; }
  // For a training graph: copies each `Model.update` value into its parameter's buffer.
  void CommitUpdates();
  // Bytes held by all buffers.
  int64_t buffer_bytes() const;

 private:
  // One zero-filled buffer per value of the graph, in value order.
  absl::Status AllocateBuffers();
  struct BoundNode {
    std::vector<const Tensor*> inputs;
    std::vector<Tensor*> outputs;
  };
  const Graph* graph_ = nullptr;
  absl::flat_hash_map<std::string, std::unique_ptr<Tensor>> buffers_;
  std::vector<BoundNode> bound_;
  std::vector<std::vector<int>> deps_;
  std::vector<std::pair<Tensor*, const Tensor*>> updates_;  // (parameter, updated value)
};

}  // namespace nitro

#endif  // NITRO_RUNTIME_PLAN_H_
