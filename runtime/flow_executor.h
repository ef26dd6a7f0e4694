// The parallel executor: runs a plan as a oneTBB flow graph, one task per node and one edge per
// data dependency, so independent blocks (block k's local loss, backward and IntegerSGD beside
// block k+1's forward) overlap. Results are bit-identical to RunSerial for every thread count:
// every kernel is deterministic, and a node writes only its own outputs, into buffers that no
// node it may run beside still reads (the plan's dependencies include the edges of its memory
// plan).
#ifndef NITRO_RUNTIME_FLOW_EXECUTOR_H_
#define NITRO_RUNTIME_FLOW_EXECUTOR_H_

#include <memory>

#include "absl/status/status.h"
#include "graph/random_source.h"
#include "runtime/plan.h"

namespace nitro {

class FlowExecutor {
 public:
  // Builds the flow graph once for `plan` (which must outlive the executor). `threads` is the
  // size of the task arena (>= 1).
  FlowExecutor(Plan* plan, int threads);
  ~FlowExecutor();
  FlowExecutor(const FlowExecutor&) = delete;
  FlowExecutor& operator=(const FlowExecutor&) = delete;

  // Runs every node once. Stochastic nodes (Dropout) are chained in topological order so they
  // draw from `rng` in the same order as the serial executor. The first kernel error cancels the
  // remaining nodes; of several concurrent errors the one of the earliest node is returned.
  absl::Status Run(bool training, RandomSource* rng);
  int threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nitro

#endif  // NITRO_RUNTIME_FLOW_EXECUTOR_H_
