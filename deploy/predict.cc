#include "deploy/predict.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "deploy/nitro_inference.h"
#include "deploy/run_data.h"
#include "graph/status_macros.h"

namespace nitro::deploy {
namespace {

std::string LabelName(absl::string_view dataset, int label) {
  static const char* const kCifar[] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                       "dog",      "frog",       "horse", "ship", "truck"};
  static const char* const kFashion[] = {"T-shirt/top", "trouser", "pullover", "dress", "coat",
                                         "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
  if (label < 0 || label > 9) return "";
  if (dataset == "mnist") return absl::StrCat(label);
  if (dataset == "cifar10") return kCifar[label];
  if (dataset == "fashion_mnist") return kFashion[label];
  return "";
}

}  // namespace

absl::StatusOr<Dataset> ImagesAsDataset(const std::vector<Image>& images, const std::vector<std::string>& names,
                                        const Graph& model) {
  const proto::Input* feat = nullptr;
  for (const auto& in : model.model().input()) {
    if (in.role() == proto::FEATURES && feat == nullptr) feat = &in;
  }
  if (feat == nullptr || feat->shape_size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(model.source(), ": needs an image input of shape [C, H, W]"));
  }
  Dataset d;
  d.c = feat->shape(0);
  d.h = feat->shape(1);
  d.w = feat->shape(2);
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& im = images[i];
    if (im.channels != d.c || im.height != d.h || im.width != d.w) {
      return absl::InvalidArgumentError(absl::StrCat(
          names[i], ": is ", im.width, "x", im.height, im.channels == 1 ? " grayscale" : " RGB", "; the model reads ",
          d.w, "x", d.h, d.c == 1 ? " grayscale" : absl::StrCat(" with ", d.c, " channels (RGB)"), " images"));
    }
    d.images.insert(d.images.end(), im.pixels.begin(), im.pixels.end());
    d.labels.push_back(0);
    ++d.n;
  }
  return d;
}

absl::StatusOr<std::vector<Prediction>> RunPredict(const PredictRequest& r, const OpRegistry* ops) {
  if (r.source.run_dir.empty() && r.source.checkpoint.empty()) {
    return absl::InvalidArgumentError("give the run whose parameters classify the images: --run=DIR");
  }
  if (r.images.empty()) return absl::InvalidArgumentError("give one or more image files");
  ASSIGN_OR_RETURN(LoadedModel m, LoadModel(r.source, ops));
  std::vector<Image> images;
  for (const auto& path : r.images) {
    ASSIGN_OR_RETURN(Image im, ReadImageFile(path));
    images.push_back(std::move(im));
  }
  ASSIGN_OR_RETURN(DatasetSplits raw, LoadModelDataset(*m.graph, r.data_dir));
  ASSIGN_OR_RETURN(raw.test, ImagesAsDataset(images, r.images, *m.graph));
  ASSIGN_OR_RETURN(PreprocessedData prep, PreprocessLikeRun(*m.graph, *m.checkpoint, raw));
  ASSIGN_OR_RETURN(std::unique_ptr<Graph> inference, BuildInferenceGraph(*m.graph, m.file.parsed.node_lines, ops));
  ASSIGN_OR_RETURN(Tensor logits, NitroInference(*inference, m.params, prep.test_x));
  const std::vector<int> labels = Predictions(logits);
  const int64_t k = logits.size() / logits.dim(0);
  std::vector<Prediction> out;
  for (size_t i = 0; i < r.images.size(); ++i) {
    Prediction p{r.images[i], labels[i], LabelName(m.graph->model().train().dataset(), labels[i]), {}};
    for (int64_t c = 0; c < k; ++c) p.logits.push_back(logits.Get(i * k + c));
    out.push_back(std::move(p));
  }
  return out;
}

std::string PredictionLine(const Prediction& p) {
  const std::string name = p.label_name.empty() || p.label_name == absl::StrCat(p.label)
                               ? absl::StrCat(p.label)
                               : absl::StrCat(p.label, " (", p.label_name, ")");
  return absl::StrCat(p.image, ": ", name, "  logits [", absl::StrJoin(p.logits, ", "), "]");
}

}  // namespace nitro::deploy
