// Memory plan: a schedule for a graph's nodes, and which values may take turns in one buffer.
//
// The schedule is a topological order that finishes a local-loss block (forward, head, loss,
// backward, update) before it starts the next block's nodes, so that a block's activations and
// gradients are dead before the next block allocates its own: Local Error Signals keep nothing
// across a block boundary but the block's output. Along the schedule, a node output takes the
// buffer of a value whose last reader has already run; where the dependencies do not already order
// that reader before the new producer, the plan adds an edge (`extra_deps`) so the reuse is safe in
// every order the parallel executor may choose, and results cannot change.
//
// An update chain w → IntegerSGD → ... → the value the model's `update` commits to w (one step per
// visit of the block) is written into w's own buffer when every op in it UpdatesInPlace; every
// other reader of each chain input runs first (edges are added where needed). Plan::CommitUpdates
// then has nothing to copy.
//
// Graph inputs, parameters, the model's outputs, the updated values and the values named in `keep`
// stay in buffers of their own (updated values: their parameter's, if updated in place).
#ifndef NITRO_RUNTIME_MEMORY_PLAN_H_
#define NITRO_RUNTIME_MEMORY_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "graph/graph.h"

namespace nitro {

struct MemoryPlan {
  std::vector<int> order;                    // the schedule: node indices, a topological order
  std::vector<std::vector<int>> extra_deps;  // per node: predecessors added for reuse, sorted
  // Per value of graph.value_names(), in that order: the shared buffer it lives in, or -1 when it
  // has a buffer of its own or (in_place_of >= 0) is written into another value's.
  std::vector<int> slot;
  std::vector<int> in_place_of;     // per value: the value (index) whose buffer it updates in place
  std::vector<int64_t> slot_bytes;  // bytes of each shared buffer: the largest value it holds
  int64_t own_bytes = 0;            // sum over the values with a buffer of their own
  int64_t input_param_bytes = 0;    // the part of own_bytes held by graph inputs and parameters
  int64_t shared_value_bytes = 0;   // sum over the values placed in shared buffers
  int64_t in_place_bytes = 0;       // sum over the values written into their parameter's buffer
  int64_t total_bytes() const;      // own_bytes + the sum of slot_bytes: what the plan allocates
};

// Plans `graph` (nodes in topological order, as BuildGraph leaves them). `keep` names further
// values the caller reads after a run; unknown names are ignored. Stochastic nodes keep their
// relative order in the schedule (the executors draw from the random stream in that order).
MemoryPlan PlanMemory(const Graph& graph, const absl::flat_hash_set<std::string>& keep);

// A plan that shares nothing: every value in its own buffer, the schedule the graph's order.
MemoryPlan SeparateBuffers(const Graph& graph);

}  // namespace nitro

#endif  // NITRO_RUNTIME_MEMORY_PLAN_H_
