// Data parallelism on a derived training graph (issue 11): rank r of R runs the graph on rows
// [r·B/R, (r+1)·B/R) of every batch of B. NITRO-D's weight gradients are per-sample sums (no 1/B,
// spec §10), so summing the ranks' slice gradients modulo 2^32 gives exactly the whole batch's
// gradient, and every rank applies the same IntegerSGD update.
#ifndef NITRO_DIST_DATA_PARALLEL_H_
#define NITRO_DIST_DATA_PARALLEL_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace nitro {

// The batch slice of one rank.
struct RankSlice {
  int rank = 0;
  int ranks = 1;
};

// The rows of a batch of `batch` that one rank runs: batch / ranks. InvalidArgument naming the
// model when `batch` is not a multiple of the rank count.
absl::StatusOr<int64_t> SliceBatchSize(int64_t batch, int ranks, const std::string& model);

// `train` (a derived training graph, built at the slice's batch size) rewritten for `slice`:
//  - every IntegerSGD's gradient input g becomes AllReduce(g) ("g/allreduce", in the SGD's block,
//    declared just before it), so a block's gradients are reduced as soon as its local backward
//    ends, and a block visited twice reduces before each update;
//  - every Dropout draws the whole batch's mask and keeps its slice's rows (batch_slices,
//    batch_slice), so the random stream advances exactly as in one process.
// A slice of one rank returns the graph unchanged (rebuilt).
absl::StatusOr<std::unique_ptr<Graph>> ShardTrainingGraph(const Graph& train, RankSlice slice);

// The bytes of gradients that one step all-reduces (the inputs of the AllReduce nodes).
int64_t AllReduceBytesPerStep(const Graph& train);

}  // namespace nitro

#endif  // NITRO_DIST_DATA_PARALLEL_H_
