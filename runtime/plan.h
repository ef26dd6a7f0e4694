// Plan: a graph compiled for execution — buffers allocated once from the static shapes and reused
// every step (one per value, or shared by values whose lifetimes cannot overlap), and each node
// bound to its input and output buffers.
#ifndef NITRO_RUNTIME_PLAN_H_
#define NITRO_RUNTIME_PLAN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/random_source.h"
#include "graph/tensor.h"

namespace nitro {

struct PlanOptions {
  // The memory plan of runtime/memory_plan.h: a block-by-block schedule, node outputs whose
  // lifetimes cannot overlap taking turns in shared buffers (with the dependency edges that keep
  // that safe under any thread count), and parameters updated in place. The shared values are not
  // observable after a run: Find returns null for them. Inputs, parameters, the model's outputs,
  // the updated values and `keep` stay observable.
  bool share_buffers = false;
  absl::flat_hash_set<std::string> keep;
};

class Plan {
 public:
  // Compiles `graph` (which must outlive the plan). ResourceExhausted, naming the value and the
  // bytes, if a buffer cannot be allocated.
  static absl::StatusOr<std::unique_ptr<Plan>> Create(const Graph* graph, const PlanOptions& options = {});

  const Graph& graph() const { return *graph_; }
  int num_nodes() const { return static_cast<int>(bound_.size()); }
  // The buffer of a value (input, parameter or node output); null if unknown, or if the value
  // lives in a shared buffer (PlanOptions::share_buffers).
  Tensor* Find(absl::string_view value);
  const Tensor* Find(absl::string_view value) const;
  // Copies `t` into the buffer of `value`; InvalidArgument on an unknown name, dtype or shape mismatch.
  absl::Status Set(absl::string_view value, const Tensor& t);
  // Runs node i's kernel. Errors come back naming the node and op.
  absl::Status RunNode(int i, bool training, RandomSource* rng);
  // The nodes that must finish before node i: those whose outputs it reads, and those the memory
  // plan orders before it (so that a buffer it writes is no longer read), ascending.
  const std::vector<int>& deps(int i) const { return deps_[i]; }
  // The order in which a serial run executes the nodes: a topological order of deps().
  const std::vector<int>& order() const { return order_; }
  // For a training graph: copies each `Model.update` value into its parameter's buffer (nothing to
  // copy for an update the plan wrote in place; Find of the parameter then shows the new value
  // already before this call).
  void CommitUpdates();
  // Bytes held by all buffers (shared ones counted once).
  int64_t buffer_bytes() const { return buffer_bytes_; }

 private:
  // Zero-filled buffers for the values of the graph, in value order: one per value, or the shared
  // buffers of a memory plan and views onto them.
  absl::Status AllocateBuffers(const PlanOptions& options);
  struct BoundNode {
    std::vector<const Tensor*> inputs;
    std::vector<Tensor*> outputs;
  };
  const Graph* graph_ = nullptr;
  absl::flat_hash_map<std::string, std::unique_ptr<Tensor>> buffers_;  // every value, views included
  absl::flat_hash_set<std::string> shared_;                            // values in shared buffers
  int64_t buffer_bytes_ = 0;
  std::vector<BoundNode> bound_;
  std::vector<std::vector<int>> deps_;
  std::vector<int> order_;
  std::vector<std::vector<int>> extra_deps_;
  std::vector<std::pair<Tensor*, const Tensor*>> updates_;  // (parameter, updated value)
};

}  // namespace nitro

#endif  // NITRO_RUNTIME_PLAN_H_
