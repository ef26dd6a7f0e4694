// The values of a model's graph that the trainer binds.
#include "train/bindings.h"

#include "absl/strings/str_cat.h"

namespace nitro {

absl::StatusOr<TrainingBindings> BindTrainingValues(const Graph& model, absl::string_view source) {
  TrainingBindings b;
  for (const auto& in : model.model().input()) {
    if (in.role() == proto::FEATURES && b.image_input.empty()) b.image_input = in.name();
    if (in.role() == proto::TARGETS && b.target_input.empty()) b.target_input = in.name();
  }
  if (b.image_input.empty() || b.target_input.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": a trainable model needs a FEATURES input and a TARGETS input"));
  }
  b.output = model.model().output(0);
  for (const auto& block : model.model().block()) {
    for (size_t i = 0; i < model.nodes().size(); ++i) {
      const proto::Node& n = model.nodes()[i];
      if (n.block() != block.name() || !model.op(i).is_loss() || n.out_size() < 2) continue;
      if (n.in(0) == b.output) {
        b.train_correct = n.out(1);
        b.train_loss = n.out(0);
      } else {
        b.block_names.push_back(block.name());
        b.block_correct.push_back(n.out(1));
      }
    }
  }
  for (const auto& p : model.model().param()) b.param_names.push_back(p.name());
  return b;
}

}  // namespace nitro
