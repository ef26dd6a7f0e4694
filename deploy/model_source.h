// What an export starts from: the model file, nitro's inference graph of it, and parameters from
// a run's checkpoint (as `nitro eval` selects them) or from the model's own initialisers.
#ifndef NITRO_DEPLOY_MODEL_SOURCE_H_
#define NITRO_DEPLOY_MODEL_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deploy/c_exporter.h"
#include "graph/graph.h"
#include "graph/loader.h"
#include "io/tensor_text.h"
#include "proto/checkpoint.pb.h"

namespace nitro::deploy {

struct ModelFile {
  std::string path;
  std::string text;  // the file's bytes (a checkpoint records their SHA-256)
  ParsedModel parsed;
};

// Reads and parses a .pbtxt model; NotFound if it cannot be read.
absl::StatusOr<ModelFile> ReadModel(const std::string& path);

// The validated model graph at `batch` (0: the model's own batch size).
absl::StatusOr<std::unique_ptr<Graph>> BuildModel(const ModelFile& model, int64_t batch,
                                                  const OpRegistry* ops = nullptr);

// nitro's inference graph of `model`, at the model graph's batch size: the nodes the output
// depends on (ExtractInferenceGraph) after the forward conv-block fusion (FuseConvBlockForwards),
// built exactly as CompileTrainingGraph builds the trainer's and `nitro eval`'s inference graph.
// `node_lines` (parallel to the model's declared nodes, as ParsedModel has them) lets errors about
// its nodes name their lines in the model file; a fused node gets the line of the node it is named after.
absl::StatusOr<std::unique_ptr<Graph>> BuildInferenceGraph(const Graph& model, const std::vector<int>& node_lines = {},
                                                           const OpRegistry* ops = nullptr);

// The checkpoint's best parameters (the epoch `nitro train` reports) or, with best = false, those
// after its last epoch, checked as `nitro eval` checks them: FailedPrecondition if the checkpoint
// was written for another model text or imported library (ModelSha256) or holds no trained epoch;
// DataLoss for a missing or misshapen parameter. `where` names the checkpoint in errors.
absl::StatusOr<ParamMap> CheckpointParams(const proto::Checkpoint& ckpt, const Graph& model, const ModelFile& file,
                                          bool best, absl::string_view where);

// Untrained parameters from the model's own initialisers (train/param_init.h), drawn in
// declaration order from DefaultRandom(seed). Not a trained run's initial parameters (the trainer
// draws its data shuffle first); for sizing the C and for tests.
absl::StatusOr<ParamMap> InitialParams(const Graph& model, uint64_t seed);

// Where the parameters of an export or prediction come from.
struct ParamSource {
  std::string run_dir;     // a run directory: its checkpoint.pb
  std::string checkpoint;  // or a checkpoint file (default: run_dir/checkpoint.pb)
  std::string model;       // the model file (default with a checkpoint: models/<its model name>.pbtxt)
  bool best = true;        // the best epoch's parameters, else the last epoch's
  int64_t seed = -1;       // without a checkpoint: the initialisers' seed (-1: the model's train.seed)
  std::string tensors;     // or, with `model`, a tensor text file (`nitro export-tensors`) of every parameter
};

struct LoadedModel {
  ModelFile file;
  std::unique_ptr<Graph> graph;  // at the model's batch size
  ParamMap params;
  std::optional<proto::Checkpoint> checkpoint;  // when the parameters come from one
  std::string description;                      // "best parameters (epoch 3 of 5) of runs/x/checkpoint.pb"
};

// The parameters of `model` from tensor text records (io/tensor_text.h), matched by name; every
// parameter must be there with its dtype and shape (InvalidArgument naming `source` otherwise).
absl::StatusOr<ParamMap> TensorFileParams(const Graph& model, std::vector<NamedTensor> records,
                                          absl::string_view source);

// Resolves a ParamSource: reads the checkpoint or tensor file (if any) and the model, builds the
// model graph and selects the parameters. InvalidArgument when neither a checkpoint nor a model is given.
absl::StatusOr<LoadedModel> LoadModel(const ParamSource& source, const OpRegistry* ops = nullptr);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_MODEL_SOURCE_H_
