// InferenceNodes: exactly the nodes a model output depends on, through any number of inputs.
#include "passes/inference_nodes.h"

#include <vector>

#include "graph/loader.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

// A block with a head (h, loss), a dangling node (unused) and an output path through two inputs.
constexpr char kModel[] = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "w" shape: [2, 4] init { kaiming {} } }
param { name: "v" shape: [2, 4] init { kaiming {} } }
param { name: "h.w" shape: [2, 2] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "w"] out: "z1" }
node { block: "b" op: "Linear" in: ["x", "v"] out: "z2" }
node { block: "b" op: "Linear" in: ["x", "v"] out: "unused" }
node { block: "b" op: "Add" in: ["z1", "z2"] out: "z" }
node { block: "b" op: "Scale" in: "z" out: "s" attr { name: "divisor" i: 1024 } }
node { block: "b" op: "Linear" in: ["s", "h.w"] out: "h" }
node { block: "b" op: "Scale" in: "h" out: "hy" attr { name: "divisor" i: 512 } }
node { block: "b" op: "RssLoss" in: ["hy", "t"] out: ["loss", "correct"] }
)pb";

Graph BuildModel(const std::string& text) {
  auto parsed = ParseModelText(text, "test.pbtxt");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  BuildOptions options;
  options.source = "test.pbtxt";
  auto g = BuildGraph(parsed->model, options);
  EXPECT_TRUE(g.ok()) << g.status();
  return std::move(*g);
}

TEST(InferenceNodes, FollowsEveryInputOfTheOutputs) {
  const Graph g = BuildModel(std::string(kModel) + "output: \"s\"\n");
  // Nodes in order: z1 z2 unused z s h hy loss.
  EXPECT_EQ(InferenceNodes(g), (std::vector<bool>{true, true, false, true, true, false, false, false}));
}

TEST(InferenceNodes, SeveralOutputs) {
  const Graph g = BuildModel(std::string(kModel) + "output: [\"z1\", \"hy\"]\n");
  EXPECT_EQ(InferenceNodes(g), (std::vector<bool>{true, true, false, true, true, true, true, false}));
}

TEST(InferenceNodes, AnOutputThatIsAModelInputNeedsNoNode) {
  const Graph g = BuildModel(std::string(kModel) + "output: \"x\"\n");
  EXPECT_EQ(InferenceNodes(g), std::vector<bool>(8, false));
}

TEST(InferenceNodes, NoOutputNoInferenceNode) {
  const Graph g = BuildModel(kModel);
  EXPECT_EQ(InferenceNodes(g), std::vector<bool>(8, false));
}

}  // namespace
}  // namespace nitro
