// The trainer's per-epoch data work, apart from the graphs: the epoch's sample order, copying
// batches into the plans' input tensors, and counting correct predictions.
#ifndef NITRO_TRAIN_EPOCH_DATA_H_
#define NITRO_TRAIN_EPOCH_DATA_H_

#include <cstdint>

#include "absl/types/span.h"
#include "google/protobuf/repeated_field.h"
#include "graph/random_source.h"
#include "graph/tensor.h"

namespace nitro {

// The per-epoch shuffle of the (already shuffled) training set, as the reference does it:
// perm = 0..N-1 shuffled with `rng` (N - 1 Bounded draws, random/random_ops.h), then
// order = order[perm].
void ShuffleEpochOrder(RandomSource& rng, google::protobuf::RepeatedField<int64_t>* order);

// Training batches in an epoch of `n` samples: floor(n / batch) (the last partial batch is
// dropped), at most `max_batches` when that is positive.
int64_t TrainingBatches(int64_t n, int64_t batch, int64_t max_batches);

// Evaluation batches over `n` samples: floor(n / batch) with `drop_remainder` (the reference's
// test loop), else ceil(n / batch).
int64_t EvalBatches(int64_t n, int64_t batch, bool drop_remainder);

// Training batch `b` of an epoch: row i of `image` and `target` becomes row order[b·B + i] of `x`
// and `y`, for i < B = image->dim(0). x, y, image and target are int8 with rows of the same size
// in x and image, y and target. Requires (b + 1)·B <= order.size().
void FillTrainingBatch(const Tensor& x, const Tensor& y, const google::protobuf::RepeatedField<int64_t>& order,
                       int64_t b, Tensor* image, Tensor* target);

// An evaluation batch: rows first .. first + count - 1 of `x` into the first `count` rows of
// `image`, and zeros in the rest (a partial last batch). Requires count <= image->dim(0).
void FillEvalBatch(const Tensor& x, int64_t first, int64_t count, Tensor* image);

// Correct predictions among the first `count` rows of the int8 scores [B, classes]: a row's
// prediction is its first maximum, compared with labels[i].
int64_t CountCorrect(const Tensor& scores, int64_t count, absl::Span<const uint8_t> labels);

}  // namespace nitro

#endif  // NITRO_TRAIN_EPOCH_DATA_H_
