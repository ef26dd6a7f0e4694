// What one rank of a data-parallel run (dist/, issue 11) adds to the trainer's steps: its slice of
// every batch, the graph rewrite, sums of counts over the ranks, its share of the evaluation, the
// one writer, and the start-of-run check that every rank trains the same thing. With no
// communicator (or one rank) every step is the single-process one.
#ifndef NITRO_TRAIN_RANK_STEPS_H_
#define NITRO_TRAIN_RANK_STEPS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dataset/augment.h"
#include "dist/communicator.h"
#include "dist/data_parallel.h"
#include "dist/fingerprint.h"
#include "google/protobuf/repeated_field.h"
#include "graph/graph.h"
#include "graph/random_source.h"
#include "graph/tensor.h"

namespace nitro {

class RankSteps {
 public:
  RankSteps() = default;
  // `comm` null: one process. InvalidArgument naming `model` when `batch` does not divide by the
  // rank count. With several ranks, `comm` becomes the process communicator of the AllReduce op.
  static absl::StatusOr<RankSteps> Create(Communicator* comm, int64_t batch, const std::string& model);

  int rank() const { return slice_.rank; }
  int ranks() const { return slice_.ranks; }
  // The rows each rank runs per batch: the graphs are compiled at this batch size.
  int64_t slice_batch() const { return slice_batch_; }
  // Rank 0 writes the run directory and prints progress.
  bool writer() const { return slice_.rank == 0; }

  // The derived training graph for this rank (AllReduce before every update, Dropout slices).
  absl::StatusOr<std::unique_ptr<Graph>> Shard(std::unique_ptr<Graph> train) const;

  // Training batch `b` of the epoch order into this rank's `image` and `target` (slice rows). The
  // whole batch is gathered and augmented (the draws and the crop's batch minimum are the whole
  // batch's, as in one process), then this rank's rows are copied.
  absl::Status FillTrainingBatch(const Tensor& x, const Tensor& y,
                                 const google::protobuf::RepeatedField<int64_t>& order, int64_t b,
                                 const AugmentOptions& augment, RandomSource& rng, Tensor* image, Tensor* target);

  // counts[i] = the sum of every rank's counts[i].
  absl::Status SumCounts(absl::Span<int64_t> counts);
  // Evaluation chunk `c` is run by rank c mod ranks.
  bool OwnsChunk(int64_t c) const { return c % slice_.ranks == slice_.rank; }

  // OK when every rank's digests equal rank 0's (a single process: always).
  absl::Status CheckSameOnEveryRank(const Fingerprint& mine);

 private:
  Communicator* comm_ = nullptr;
  RankSlice slice_;
  int64_t batch_ = 0;
  int64_t slice_batch_ = 0;
  Tensor full_image_, full_target_;  // the whole batch, with several ranks
};

// Copies rows [rank·R, (rank+1)·R) of `full` into `slice`, R = slice->dim(0); same row size and dtype.
void CopyRankRows(const Tensor& full, int rank, Tensor* slice);

}  // namespace nitro

#endif  // NITRO_TRAIN_RANK_STEPS_H_
