#include "deploy/run_data.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "random/default_random.h"
#include "random/numpy_random.h"

namespace nitro::deploy {

PreprocessOptions PreprocessOptionsOf(const Graph& model) {
  int64_t num_classes = 0;
  for (const auto& in : model.model().input()) {
    if (in.role() == proto::TARGETS && !in.shape().empty()) {
      num_classes = in.shape(in.shape_size() - 1);
      break;
    }
  }
  return PreprocessOptionsFor(model.model().train(), num_classes);
}

absl::StatusOr<DatasetSplits> LoadModelDataset(const Graph& model, const std::string& dir) {
  const std::string& name = model.model().train().dataset();
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(model.source(), ": train.dataset is not set"));
  return LoadDataset(name, dir.empty() ? DefaultDatasetDir(name) : dir);
}

absl::StatusOr<PreprocessedData> PreprocessLikeRun(const Graph& model, const proto::Checkpoint& ckpt,
                                                   const DatasetSplits& raw) {
  std::unique_ptr<RandomSource> rng;
  if (ckpt.rng_kind() == "numpy") {
    rng = std::make_unique<NumpyRandom>(static_cast<uint32_t>(ckpt.seed()));
  } else if (ckpt.rng_kind() == "default") {
    rng = std::make_unique<DefaultRandom>(static_cast<uint64_t>(ckpt.seed()));
  } else {
    return absl::DataLossError(
        absl::StrCat("checkpoint of ", ckpt.model_name(), ": unknown rng kind '", ckpt.rng_kind(), "'"));
  }
  return Preprocess(raw, *rng, PreprocessOptionsOf(model));
}

}  // namespace nitro::deploy
