// Which values of a model's graph the trainer feeds and reads: the image and target inputs, the
// prediction output, the loss on it, each block's local-head accuracy and the parameters.
#ifndef NITRO_TRAIN_BINDINGS_H_
#define NITRO_TRAIN_BINDINGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"

namespace nitro {

struct TrainingBindings {
  std::string image_input;   // the first FEATURES input
  std::string target_input;  // the first TARGETS input
  std::string output;        // the model's first output: the predictions
  // The outputs (loss sum, correct count) of the loss node on `output`; empty if there is none.
  std::string train_loss;
  std::string train_correct;
  // Every other block with a loss node (a local head), in block order, and its correct count.
  std::vector<std::string> block_names;
  std::vector<std::string> block_correct;
  std::vector<std::string> param_names;  // declaration order: the reference's draw order
};

// Finds the bindings of `model`. A loss node counts when it is an op marked is_loss() with at
// least two outputs (loss, correct) in a declared block; when several read `output`, the last
// one in block and graph order is the trainer's. InvalidArgument naming `source` unless the
// model has a FEATURES and a TARGETS input.
absl::StatusOr<TrainingBindings> BindTrainingValues(const Graph& model, absl::string_view source);

}  // namespace nitro

#endif  // NITRO_TRAIN_BINDINGS_H_
