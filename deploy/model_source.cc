#include "deploy/model_source.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "passes/fuse_conv_block.h"
#include "passes/local_gradient.h"
#include "random/default_random.h"
#include "train/checkpoint.h"
#include "train/param_init.h"

namespace nitro::deploy {

absl::StatusOr<ModelFile> ReadModel(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the model file"));
  std::stringstream ss;
  ss << in.rdbuf();
  ModelFile m;
  m.path = path;
  m.text = ss.str();
  ASSIGN_OR_RETURN(m.parsed, ParseModelText(m.text, path));
  return m;
}

absl::StatusOr<std::unique_ptr<Graph>> BuildModel(const ModelFile& model, int64_t batch, const OpRegistry* ops) {
  BuildOptions o;
  o.source = model.path;
  o.batch_size = batch;
  o.node_lines = model.parsed.node_lines;
  o.registry = ops;
  ASSIGN_OR_RETURN(Graph g, BuildGraph(model.parsed.model, o));
  return std::make_unique<Graph>(std::move(g));
}

absl::StatusOr<std::unique_ptr<Graph>> BuildInferenceGraph(const Graph& model, const std::vector<int>& node_lines,
                                                           const OpRegistry* ops) {
  ASSIGN_OR_RETURN(proto::Model inference, ExtractInferenceGraph(model));
  FuseConvBlockForwards(&inference);
  std::map<std::string, int> line_of;  // node name (default: its first output) -> line in the model file
  for (int i = 0; i < model.model().node_size() && i < static_cast<int>(node_lines.size()); ++i) {
    const proto::Node& n = model.model().node(i);
    line_of[n.name().empty() && n.out_size() > 0 ? n.out(0) : n.name()] = node_lines[i];
  }
  BuildOptions o;
  o.source = model.source();
  o.batch_size = model.batch_size();
  o.registry = ops;
  for (const proto::Node& n : inference.node()) {
    auto it = line_of.find(n.name().empty() && n.out_size() > 0 ? n.out(0) : n.name());
    o.node_lines.push_back(it == line_of.end() ? 0 : it->second);
  }
  ASSIGN_OR_RETURN(Graph g, BuildGraph(std::move(inference), o));
  return std::make_unique<Graph>(std::move(g));
}

absl::StatusOr<ParamMap> CheckpointParams(const proto::Checkpoint& ckpt, const Graph& model, const ModelFile& file,
                                          bool best, absl::string_view where) {
  if (ckpt.model_sha256() != ModelSha256(file.text, file.parsed.import_texts)) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written for another model, or another version of ",
                                                      "it, than ", model.source(), " (their SHA-256 differ)"));
  }
  const auto& stored = best ? ckpt.best_param() : ckpt.param();
  if (stored.empty()) return absl::FailedPreconditionError(absl::StrCat(where, ": no epoch has been trained"));
  ParamMap out;
  for (const proto::Param& p : model.model().param()) {
    const ValueType& want = model.value(p.name()).type;
    for (const auto& tp : stored) {
      if (tp.name() != p.name()) continue;
      absl::StatusOr<Tensor> t = TensorFromProto(tp);
      if (!t.ok()) return absl::DataLossError(absl::StrCat(where, ": parameter ", t.status().message()));
      if (t->dtype() != want.dtype || t->shape() != want.shape) {
        return absl::DataLossError(absl::StrCat(where, ": parameter '", p.name(), "' is ", DTypeName(t->dtype()), " ",
                                                ShapeString(t->shape()), ", the model has ", DTypeName(want.dtype), " ",
                                                ShapeString(want.shape)));
      }
      out[p.name()] = std::move(*t);
    }
    if (!out.count(p.name())) {
      return absl::DataLossError(absl::StrCat(where, ": parameter '", p.name(), "' is missing"));
    }
  }
  return out;
}

absl::StatusOr<ParamMap> InitialParams(const Graph& model, uint64_t seed) {
  DefaultRandom rng(seed);
  ParamMap out;
  for (const proto::Param& p : model.model().param()) {
    ASSIGN_OR_RETURN(out[p.name()], InitParam(p, rng));
  }
  RETURN_IF_ERROR(rng.status());
  return out;
}

absl::StatusOr<ParamMap> TensorFileParams(const Graph& model, std::vector<NamedTensor> records,
                                          absl::string_view source) {
  ParamMap out;
  for (const proto::Param& p : model.model().param()) {
    const ValueType& want = model.value(p.name()).type;
    for (NamedTensor& r : records) {
      if (r.name != p.name()) continue;
      if (r.tensor.dtype() != want.dtype || r.tensor.shape() != want.shape) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": tensor '", r.name, "' is ", DTypeName(r.tensor.dtype()), " ", ShapeString(r.tensor.shape()),
            ", the model needs ", DTypeName(want.dtype), " ", ShapeString(want.shape)));
      }
      out[p.name()] = std::move(r.tensor);
    }
    if (!out.count(p.name())) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": has no tensor for parameter '", p.name(), "'"));
    }
  }
  return out;
}

namespace {

absl::StatusOr<LoadedModel> LoadFromCheckpoint(const ParamSource& s, const OpRegistry* ops) {
  const std::string path = s.checkpoint.empty() ? absl::StrCat(s.run_dir, "/", kCheckpointFileName) : s.checkpoint;
  ASSIGN_OR_RETURN(proto::Checkpoint ckpt, ReadCheckpoint(path));
  const std::string model_path = s.model.empty() ? absl::StrCat("models/", ckpt.model_name(), ".pbtxt") : s.model;
  if (s.model.empty() && !std::filesystem::exists(model_path)) {
    return absl::NotFoundError(absl::StrCat("the run trained '", ckpt.model_name(), "' but ", model_path,
                                            " does not exist; pass the model with --model=PATH"));
  }
  LoadedModel m;
  ASSIGN_OR_RETURN(m.file, ReadModel(model_path));
  ASSIGN_OR_RETURN(m.graph, BuildModel(m.file, 0, ops));
  ASSIGN_OR_RETURN(m.params, CheckpointParams(ckpt, *m.graph, m.file, s.best, path));
  m.description =
      absl::StrCat(s.best ? "best" : "last", " parameters (epoch ", s.best ? ckpt.best_epoch() : ckpt.epochs_done(),
                   " of ", ckpt.epochs_done(), ") of ", path);
  m.checkpoint = std::move(ckpt);
  return m;
}

}  // namespace

absl::StatusOr<LoadedModel> LoadModel(const ParamSource& s, const OpRegistry* ops) {
  if (!s.run_dir.empty() || !s.checkpoint.empty()) return LoadFromCheckpoint(s, ops);
  if (s.model.empty()) {
    return absl::InvalidArgumentError(
        "give a run (--run=DIR or --checkpoint=FILE) or an untrained model (--model=PATH)");
  }
  LoadedModel m;
  ASSIGN_OR_RETURN(m.file, ReadModel(s.model));
  ASSIGN_OR_RETURN(m.graph, BuildModel(m.file, 0, ops));
  if (!s.tensors.empty()) {
    ASSIGN_OR_RETURN(std::vector<NamedTensor> records, ReadTensorText(s.tensors));
    ASSIGN_OR_RETURN(m.params, TensorFileParams(*m.graph, std::move(records), s.tensors));
    m.description = absl::StrCat("parameters from ", s.tensors);
    return m;
  }
  const int64_t seed = s.seed >= 0 ? s.seed : m.graph->model().train().seed();
  ASSIGN_OR_RETURN(m.params, InitialParams(*m.graph, static_cast<uint64_t>(seed)));
  m.description = absl::StrCat("untrained: the model's initialisers, seed ", seed);
  return m;
}

}  // namespace nitro::deploy
