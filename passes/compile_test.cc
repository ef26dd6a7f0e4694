// CompileTrainingGraph: the fused and unfused pipelines on tests/tiny_cnn.pbtxt, node for node in
// count; errors name the model's source and the graph that failed; the registry option reaches
// the local-gradient pass as well as the builds.
#include "passes/compile.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "graph/loader.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

std::map<std::string, int> OpCounts(const Graph& g) {
  std::map<std::string, int> counts;
  for (const auto& n : g.nodes()) ++counts[n.op()];
  return counts;
}

TEST(CompileTrainingGraph, FusedAndUnfusedNodeCounts) {
  auto model = LoadGraph("tests/tiny_cnn.pbtxt");
  ASSERT_TRUE(model.ok()) << model.status();
  CompileOptions options;
  options.fuse = false;
  auto plain = CompileTrainingGraph(*model, options);
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto fused = CompileTrainingGraph(*model);  // fuse is the default
  ASSERT_TRUE(fused.ok()) << fused.status();

  // Unfused: 26 forward nodes and 39 of local training (the fc block visited twice); the
  // inference graph has no head and no loss.
  EXPECT_EQ(plain->train->nodes().size(), 65u);
  EXPECT_EQ(plain->inference->nodes().size(), 13u);
  // Each of the two conv blocks loses 2 backward nodes (MaxPool2DGrad → NitroReluGrad →
  // Conv2DWeightGrad becomes one ConvBlockGrad) and 2 forward nodes (Conv2D → Scale → NitroRelu
  // becomes one ConvScaleRelu); the three max pools of the blocks' activations (two heads, the pool
  // between the blocks) become pooled outputs of the ConvScaleRelu nodes, in the training graph
  // only.
  EXPECT_EQ(fused->train->nodes().size(), 65u - 8u - 3u);
  EXPECT_EQ(fused->inference->nodes().size(), 13u - 4u);

  std::map<std::string, int> plain_ops = OpCounts(*plain->train);
  EXPECT_EQ(plain_ops["Conv2D"], 2);
  EXPECT_EQ(plain_ops["MaxPool2DGrad"], 2);
  EXPECT_EQ(plain_ops["Conv2DWeightGrad"], 2);
  EXPECT_EQ(plain_ops["ConvBlockGrad"], 0);
  std::map<std::string, int> fused_ops = OpCounts(*fused->train);
  EXPECT_EQ(fused_ops["Conv2D"], 0);
  EXPECT_EQ(fused_ops["MaxPool2DGrad"], 0);
  EXPECT_EQ(fused_ops["Conv2DWeightGrad"], 0);
  EXPECT_EQ(fused_ops["ConvBlockGrad"], 2);
  EXPECT_EQ(fused_ops["ConvScaleRelu"], 2);
  EXPECT_EQ(fused_ops["MaxPool2D"], 0);
  EXPECT_EQ(fused_ops["IntegerSGD"], 9);  // 7 parameters, the fc block's two twice
  std::map<std::string, int> inference_ops = OpCounts(*fused->inference);
  EXPECT_EQ(inference_ops["ConvScaleRelu"], 2);
  EXPECT_EQ(inference_ops["MaxPool2D"], 1);
  EXPECT_EQ(inference_ops["RssLoss"], 0);

  // Both graphs are built at the model's own batch size and named after it.
  EXPECT_EQ(fused->train->batch_size(), 16);
  EXPECT_EQ(fused->inference->batch_size(), 16);
  EXPECT_EQ(fused->train->source(), "tests/tiny_cnn.pbtxt (derived training graph)");
  EXPECT_EQ(fused->inference->source(), "tests/tiny_cnn.pbtxt (inference graph)");
  // The fusions rename nothing the trainer reads: the same parameter updates.
  ASSERT_EQ(fused->train->model().update_size(), plain->train->model().update_size());
  for (int u = 0; u < fused->train->model().update_size(); ++u) {
    EXPECT_EQ(fused->train->model().update(u).value(), plain->train->model().update(u).value());
  }
}

constexpr char kOneBlock[] = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "b.w" shape: [2, 4] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "b.w"] out: "b.z" }
node { block: "b" op: "Scale" in: "b.z" out: "y" attr { name: "divisor" i: 1024 } }
)pb";
constexpr char kLoss[] = "node { block: \"b\" op: \"RssLoss\" in: [\"y\", \"t\"] out: [\"b.loss\", \"b.correct\"] }\n";

absl::StatusOr<Graph> Build(const std::string& text, const std::string& source, const OpRegistry* registry = nullptr) {
  auto parsed = ParseModelText(text, source);
  if (!parsed.ok()) return parsed.status();
  BuildOptions options;
  options.source = source;
  options.registry = registry;
  options.node_lines = parsed->node_lines;
  return BuildGraph(std::move(parsed->model), options);
}

TEST(CompileTrainingGraph, ADeriveErrorNamesTheSource) {
  auto model = Build(std::string(kOneBlock) + "output: \"y\"\n", "models/no_loss.pbtxt");
  ASSERT_TRUE(model.ok()) << model.status();
  auto compiled = CompileTrainingGraph(*model);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(compiled.status().message()),
            "models/no_loss.pbtxt: block 'b' has no loss node (add e.g. an RssLoss on its head prediction)");
}

// A registry with the ops of kOneBlock and their gradient rules' ops, copied from the built-ins,
// minus `missing`.
OpRegistry RegistryWithout(const std::string& missing) {
  OpRegistry registry;
  for (const char* op : {"Linear", "LinearWeightGrad", "Scale", "RssLoss", "RssLossGrad", "IntegerSGD"}) {
    if (op != missing) registry.Register(*OpRegistry::Global().Find(op));
  }
  return registry;
}

TEST(CompileTrainingGraph, TheRegistryReachesTheLocalGradientPass) {
  const OpRegistry registry = RegistryWithout("LinearWeightGrad");
  const std::string text = std::string(kOneBlock) + kLoss + "output: \"y\"\n";
  auto model = Build(text, "m.pbtxt", &registry);
  ASSERT_TRUE(model.ok()) << model.status();
  CompileOptions options;
  options.registry = &registry;
  auto compiled = CompileTrainingGraph(*model, options);
  ASSERT_FALSE(compiled.ok());
  // The pass itself refuses the op its registry lacks (with the global registry it would derive a
  // graph that then fails to build).
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(compiled.status().message()),
            "m.pbtxt:5: node 'b.z' (Linear): gradient rule emitted unknown op 'LinearWeightGrad'");
}

TEST(CompileTrainingGraph, ABuildErrorNamesTheSourceAndTheGraph) {
  // IntegerSGD is emitted by the pass itself, not by a rule: the derivation succeeds and building
  // the derived graph against the registry fails.
  const OpRegistry registry = RegistryWithout("IntegerSGD");
  auto model = Build(std::string(kOneBlock) + kLoss + "output: \"y\"\n", "m.pbtxt", &registry);
  ASSERT_TRUE(model.ok()) << model.status();
  CompileOptions options;
  options.registry = &registry;
  auto compiled = CompileTrainingGraph(*model, options);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(compiled.status().message(),
                               "m.pbtxt (derived training graph): node 'b.w@1' (IntegerSGD): unknown op 'IntegerSGD'"))
      << compiled.status();
}

}  // namespace
}  // namespace nitro
