// The integer input preprocessing of NITRO-D (spec §6.2): shuffle, centre, per-channel mean/MAD
// normalisation to int8, and one-hot targets; plus a held-out validation split.
#ifndef NITRO_DATASET_PREPROCESS_H_
#define NITRO_DATASET_PREPROCESS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/datasets.h"
#include "graph/random_source.h"
#include "graph/tensor.h"
#include "proto/nitro.pb.h"

namespace nitro {

struct PreprocessOptions {
  // The statistics use the first min(N, stats_samples) shuffled training samples.
  int64_t stats_samples = 25000;
  // x = clip(trunc((x16 - mean) * scale / mad), -128, 127); 51 targets a std of about 64.
  int64_t scale = 51;
  // One-hot targets: one_hot_value for the true class, 0 elsewhere.
  int64_t one_hot_value = 32;
  int64_t num_classes = 10;
};

// A model's train.* preprocessing settings (norm_stat_samples, norm_scale, one_hot_value) over
// PreprocessOptions' defaults, 0 meaning the default; `num_classes` from the TARGETS input.
PreprocessOptions PreprocessOptionsFor(const proto::Train& train, int64_t num_classes);

struct PreprocessedData {
  // Training set in loaded (shuffled) order: row i is raw training row source_index[i].
  Tensor train_x;  // int8 [N, C, H, W]
  Tensor train_y;  // int8 [N, num_classes]
  std::vector<uint8_t> train_labels;
  std::vector<int64_t> source_index;
  // Test set in file order, normalised with the training statistics.
  Tensor test_x;  // int8 [M, C, H, W]
  Tensor test_y;  // int8 [M, num_classes]
  std::vector<uint8_t> test_labels;
  // Per-channel statistics of x16 = x - 128 and the number of leading training rows they used.
  std::vector<int64_t> mean, mad;
  int64_t stats_samples = 0;
};

// Spec §6.2, in the reference's order:
//   1. shuffle the training set once: perm = arange(N) shuffled with rng (N - 1 Bounded draws,
//      numpy's algorithm), then gather images and labels by perm;
//   2. x16 = x - 128 (uint8 -> [-128, 127]);
//   3. per channel c, over the first S = min(N, stats_samples) shuffled samples, with int64 sums
//      and count = S*H*W: mean_c = trunc(sum x16 / count), mad_c = trunc(sum |x16 - mean_c| / count);
//   4. train and test: x = clip(trunc((x16 - mean_c) * scale / mad_c), -128, 127) as int8;
//   5. one-hot targets as int8.
// With NumpyRandom(42) on MNIST this reproduces the reference bit for bit (mean -94, MAD 55).
// InvalidArgument for inconsistent input; FailedPrecondition if a channel's MAD is 0.
absl::StatusOr<PreprocessedData> Preprocess(const DatasetSplits& raw, RandomSource& rng,
                                            const PreprocessOptions& options = {});

struct HeldOutData {
  Tensor train_x, train_y;  // the first N - n_val loaded rows
  std::vector<uint8_t> train_labels;
  Tensor val_x, val_y;  // the last n_val loaded rows
  std::vector<uint8_t> val_labels;
};

// The "honest" protocol: model selection, LR schedule and early stopping use a validation set
// instead of the test set. The validation set is the LAST n_val samples of the shuffled training
// set; training uses the first N - n_val. Because the normalisation statistics come from the first
// data.stats_samples shuffled rows, they never see a validation sample as long as
// n_val <= N - stats_samples; otherwise this returns FailedPrecondition (the split would leak).
// InvalidArgument unless 0 < n_val < N.
absl::StatusOr<HeldOutData> HeldOutSplit(const PreprocessedData& data, int64_t n_val);

}  // namespace nitro

#endif  // NITRO_DATASET_PREPROCESS_H_
