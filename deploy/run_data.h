// A run's data preprocessed exactly as its training preprocessed them (spec §6.2), rebuilt from
// the checkpoint as `nitro eval` does: the normalisation statistics come from the run's own
// shuffled training set, so the generator kind and seed of the checkpoint decide them.
#ifndef NITRO_DEPLOY_RUN_DATA_H_
#define NITRO_DEPLOY_RUN_DATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "dataset/datasets.h"
#include "dataset/preprocess.h"
#include "graph/graph.h"
#include "proto/checkpoint.pb.h"

namespace nitro::deploy {

// The model's train settings as the trainer turns them into PreprocessOptions.
PreprocessOptions PreprocessOptionsOf(const Graph& model);

// The model's data set (train.dataset) from `dir`, or from its default directory when empty.
absl::StatusOr<DatasetSplits> LoadModelDataset(const Graph& model, const std::string& dir);

// `raw.test` normalised as the run's test set was (and the training set as it was), using a
// fresh generator of the checkpoint's kind and seed, whose first draws are the load shuffle as in
// the trainer. DataLoss for an unknown generator kind.
absl::StatusOr<PreprocessedData> PreprocessLikeRun(const Graph& model, const proto::Checkpoint& ckpt,
                                                   const DatasetSplits& raw);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_RUN_DATA_H_
