// Tests of BindTrainingValues on a two-block MLP and on a model that cannot be trained.
#include "train/bindings.h"

#include <string>
#include <vector>

#include "graph/loader.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

// Two blocks with local heads, the output block's loss, and a loss on the output declared in a
// block that comes first (the binding follows block order, not node order).
constexpr char kMlp[] = R"pb(
  name: "bind_mlp"
  input { name: "pixels" dtype: INT8 shape: [1, 4, 4] }
  input { name: "onehot" dtype: INT8 shape: [3] role: TARGETS }
  param { name: "b0.w"      shape: [8, 16] init { kaiming {} } amp: 640 decay_inv: 12000 }
  param { name: "b0.head.w" shape: [3, 8] init { kaiming {} } decay_inv: 3000 }
  param { name: "b1.w"      shape: [8, 8] init { kaiming {} } amp: 640 decay_inv: 12000 }
  param { name: "b1.head.w" shape: [3, 8] init { kaiming {} } decay_inv: 3000 }
  param { name: "out.w"     shape: [3, 8] init { kaiming {} } decay_inv: 3000 }
  block { name: "out" }
  block { name: "b0" }
  block { name: "b1" }
  node { op: "Flatten" in: "pixels" out: "x" }
  node { block: "b0" op: "Linear"    in: ["x", "b0.w"] out: "b0.z" }
  node { block: "b0" op: "Scale"     in: "b0.z" out: "b0.s" attr { name: "divisor" i: 1024 } }
  node { block: "b0" op: "NitroRelu" in: "b0.s" out: "b0.a" }
  node { block: "b0" op: "Linear"    in: ["b0.a", "b0.head.w"] out: "b0.head.z" }
  node { block: "b0" op: "Scale"     in: "b0.head.z" out: "b0.head.y" attr { name: "divisor" i: 1024 } }
  node { block: "b0" op: "RssLoss"   in: ["b0.head.y", "onehot"] out: ["b0.loss", "b0.hits"] }
  node { block: "b1" op: "Linear"    in: ["b0.a", "b1.w"] out: "b1.z" }
  node { block: "b1" op: "Scale"     in: "b1.z" out: "b1.s" attr { name: "divisor" i: 1024 } }
  node { block: "b1" op: "NitroRelu" in: "b1.s" out: "b1.a" }
  node { block: "b1" op: "Linear"    in: ["b1.a", "b1.head.w"] out: "b1.head.z" }
  node { block: "b1" op: "Scale"     in: "b1.head.z" out: "b1.head.y" attr { name: "divisor" i: 1024 } }
  node { block: "b1" op: "RssLoss"   in: ["b1.head.y", "onehot"] out: ["b1.loss", "b1.hits"] }
  node { block: "out" op: "Linear"  in: ["b1.a", "out.w"] out: "out.z" }
  node { block: "out" op: "Scale"   in: "out.z" out: "scores" attr { name: "divisor" i: 1024 } }
  node { block: "out" op: "RssLoss" in: ["scores", "onehot"] out: ["out.loss", "out.hits"] }
  output: "scores"
  train { batch_size: 4 }
)pb";

// Only a FEATURES input: usable for inference, not for training.
constexpr char kNoTargets[] = R"pb(
  name: "infer_only"
  input { name: "pixels" dtype: INT8 shape: [1, 4, 4] }
  param { name: "w" shape: [3, 16] init { kaiming {} } }
  node { op: "Flatten" in: "pixels" out: "x" }
  node { op: "Linear" in: ["x", "w"] out: "z" }
  node { op: "Scale" in: "z" out: "scores" attr { name: "divisor" i: 1024 } }
  output: "scores"
)pb";

absl::StatusOr<Graph> Build(const char* text) {
  auto parsed = ParseModelText(text, "test.pbtxt");
  if (!parsed.ok()) return parsed.status();
  BuildOptions bo;
  bo.source = "test.pbtxt";
  return BuildGraph(parsed->model, bo);
}

TEST(BindTrainingValuesTest, FindsInputsOutputLossesAndParams) {
  auto g = Build(kMlp);
  ASSERT_TRUE(g.ok()) << g.status();
  auto b = BindTrainingValues(*g, "test.pbtxt");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->image_input, "pixels");
  EXPECT_EQ(b->target_input, "onehot");
  EXPECT_EQ(b->output, "scores");
  EXPECT_EQ(b->train_loss, "out.loss");
  EXPECT_EQ(b->train_correct, "out.hits");
  EXPECT_EQ(b->block_names, (std::vector<std::string>{"b0", "b1"}));
  EXPECT_EQ(b->block_correct, (std::vector<std::string>{"b0.hits", "b1.hits"}));
  EXPECT_EQ(b->param_names, (std::vector<std::string>{"b0.w", "b0.head.w", "b1.w", "b1.head.w", "out.w"}));
}

TEST(BindTrainingValuesTest, RefusesAModelWithoutTargets) {
  auto g = Build(kNoTargets);
  ASSERT_TRUE(g.ok()) << g.status();
  auto b = BindTrainingValues(*g, "models/infer.pbtxt");
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(), "models/infer.pbtxt: a trainable model needs a FEATURES input and a TARGETS input");
}

}  // namespace
}  // namespace nitro
