// `nitro predict` as a library call: classify image files with a run's parameters, preprocessing
// them exactly as the run's training and test images were (run_data.h), and running nitro's own
// inference graph (nitro_inference.h).
#ifndef NITRO_DEPLOY_PREDICT_H_
#define NITRO_DEPLOY_PREDICT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/datasets.h"
#include "deploy/image_file.h"
#include "deploy/model_source.h"
#include "graph/graph.h"

namespace nitro::deploy {

struct PredictRequest {
  ParamSource source;               // must name a run or checkpoint: the preprocessing depends on it
  std::string data_dir;             // the training set, whose statistics normalise the images
  std::vector<std::string> images;  // PGM/PPM/PNG files of the model's input shape
};

struct Prediction {
  std::string image;
  int label = 0;           // the first largest logit
  std::string label_name;  // "7", "cat", ... ("" when the data set is unknown)
  std::vector<int64_t> logits;
};

// The images as a data set split (labels 0) of the model's per-sample input shape [C, H, W]:
// InvalidArgument naming the file when an image has another size or channel count.
absl::StatusOr<Dataset> ImagesAsDataset(const std::vector<Image>& images, const std::vector<std::string>& names,
                                        const Graph& model);

absl::StatusOr<std::vector<Prediction>> RunPredict(const PredictRequest& request, const OpRegistry* ops = nullptr);

// "digit.png: 7  logits [-36, -36, ..., 91]".
std::string PredictionLine(const Prediction& p);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_PREDICT_H_
