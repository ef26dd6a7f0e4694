// The local-gradient pass on small inline models: every error it returns (code and full message),
// and the structure of what it derives — block boundaries, fan-out sums, double visits,
// single_visit, generated names — node by node.
#include "passes/local_gradient.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/loader.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

constexpr char kSource[] = "test.pbtxt";

absl::StatusOr<Graph> Build(const std::string& text, const OpRegistry* registry = nullptr) {
  auto parsed = ParseModelText(text, kSource);
  if (!parsed.ok()) return parsed.status();
  BuildOptions options;
  options.source = kSource;
  options.registry = registry;
  options.node_lines = parsed->node_lines;
  return BuildGraph(std::move(parsed->model), options);
}

// "test.pbtxt:L" for the 1-based line L of `text` that contains `needle` (the node's location).
std::string LineOf(const std::string& text, const std::string& needle) {
  int line = 1;
  for (absl::string_view l : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(l, needle)) return absl::StrCat(kSource, ":", line);
    ++line;
  }
  ADD_FAILURE() << "no line contains " << needle;
  return "";
}

// "name = Op(in, ...)", plus " -> out, ..." when the outputs are not just the name.
std::string Describe(const proto::Node& n) {
  std::string s = absl::StrCat(n.name(), " = ", n.op(), "(", absl::StrJoin(n.in(), ", "), ")");
  if (n.out_size() != 1 || n.out(0) != n.name()) absl::StrAppend(&s, " -> ", absl::StrJoin(n.out(), ", "));
  return s;
}

// The nodes the pass added after the forward graph's own.
std::vector<std::string> Added(const proto::Model& derived, const Graph& forward) {
  std::vector<std::string> out;
  for (int i = static_cast<int>(forward.nodes().size()); i < derived.node_size(); ++i) {
    out.push_back(Describe(derived.node(i)));
  }
  return out;
}

std::vector<std::string> Updates(const proto::Model& derived) {
  std::vector<std::string> out;
  for (const auto& u : derived.update()) out.push_back(absl::StrCat(u.param(), " <- ", u.value()));
  return out;
}

// Derives `text`, expecting failure with `code` and exactly `message`.
void ExpectError(const std::string& text, absl::StatusCode code, const std::string& message,
                 const LocalGradientOptions& options = {}, const OpRegistry* registry = nullptr) {
  auto g = Build(text, registry);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g, options);
  ASSERT_FALSE(derived.ok());
  EXPECT_EQ(derived.status().code(), code) << derived.status();
  EXPECT_EQ(std::string(derived.status().message()), message);
}

// Two blocks: b0 (one layer and a head) and the output block, which reads b0's activation.
constexpr char kTwoBlocks[] = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "b0.w" shape: [3, 4] init { kaiming {} } amp: 640 decay_inv: 12000 }
param { name: "b0.head.w" shape: [2, 3] init { kaiming {} } }
param { name: "out.w" shape: [2, 3] init { kaiming {} } amp: 1 decay_inv: 3000 }
block { name: "b0" }
block { name: "out" }
node { block: "b0" op: "Linear" in: ["x", "b0.w"] out: "b0.z" }
node { block: "b0" op: "Scale" in: "b0.z" out: "b0.a" attr { name: "divisor" i: 1024 } }
node { block: "b0" op: "Linear" in: ["b0.a", "b0.head.w"] out: "b0.head.z" }
node { block: "b0" op: "Scale" in: "b0.head.z" out: "b0.head.y" attr { name: "divisor" i: 768 } }
node { block: "b0" op: "RssLoss" in: ["b0.head.y", "t"] out: ["b0.loss", "b0.correct"] }
node { block: "out" op: "Linear" in: ["b0.a", "out.w"] out: "out.z" }
node { block: "out" op: "Scale" in: "out.z" out: "y" attr { name: "divisor" i: 768 } }
node { block: "out" op: "RssLoss" in: ["y", "t"] out: ["out.loss", "out.correct"] }
output: "y"
)pb";

TEST(LocalGradient, BlocksAreTrainedLocallyLastToFirst) {
  auto g = Build(kTwoBlocks);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g);
  ASSERT_TRUE(derived.ok()) << derived.status();
  // The forward graph comes first, unchanged.
  for (size_t i = 0; i < g->nodes().size(); ++i) EXPECT_EQ(Describe(derived->node(i)), Describe(g->nodes()[i]));
  // The output block gets a weight gradient only: b0.a is produced outside it, so no delta flows
  // back into b0. b0's first layer reads the model input x: a weight gradient, no input delta.
  EXPECT_EQ(Added(*derived, *g), (std::vector<std::string>{
                                     "out.loss/e = RssLossGrad(y, t)",
                                     "out.z/dW = LinearWeightGrad(out.loss/e, b0.a)",
                                     "out.w@1 = IntegerSGD(out.w, out.z/dW, lr_inv)",
                                     "b0.loss/e = RssLossGrad(b0.head.y, t)",
                                     "b0.head.z/dx = LinearInputGrad(b0.loss/e, b0.head.w)",
                                     "b0.head.z/dW = LinearWeightGrad(b0.loss/e, b0.a)",
                                     "b0.z/dW = LinearWeightGrad(b0.head.z/dx, x)",
                                     "b0.w@1 = IntegerSGD(b0.w, b0.z/dW, lr_inv)",
                                     "b0.head.w@1 = IntegerSGD(b0.head.w, b0.head.z/dW, lr_inv)",
                                 }));
  for (const auto& n : derived->node()) {
    if (n.op() == "LinearWeightGrad" || n.op() == "LinearInputGrad" || n.op() == "RssLossGrad") {
      EXPECT_EQ(n.block(), n.name().substr(0, n.name().find('.'))) << n.name();
    }
  }
  EXPECT_EQ(Updates(*derived),
            (std::vector<std::string>{"out.w <- out.w@1", "b0.w <- b0.w@1", "b0.head.w <- b0.head.w@1"}));
  // IntegerSGD carries the parameter's amp (1 when unset) and decay_inv.
  const proto::Node& sgd = derived->node(derived->node_size() - 2);
  ASSERT_EQ(sgd.name(), "b0.w@1");
  ASSERT_EQ(sgd.attr_size(), 2);
  EXPECT_EQ(sgd.attr(0).name(), "amp");
  EXPECT_EQ(sgd.attr(0).i(), 640);
  EXPECT_EQ(sgd.attr(1).name(), "decay_inv");
  EXPECT_EQ(sgd.attr(1).i(), 12000);
  const proto::Node& head_sgd = derived->node(derived->node_size() - 1);
  EXPECT_EQ(head_sgd.attr(0).i(), 1);
  EXPECT_EQ(head_sgd.attr(1).i(), 0);
  // The learning rate is a runtime scalar input.
  const proto::Input& lr = derived->input(derived->input_size() - 1);
  EXPECT_EQ(lr.name(), kLrInvInput);
  EXPECT_EQ(lr.dtype(), proto::INT64);
  EXPECT_EQ(lr.role(), proto::SCALAR);
  EXPECT_EQ(derived->input_size(), 3);
}

TEST(LocalGradient, ExtractInferenceGraphDropsHeadsAndLosses) {
  auto g = Build(kTwoBlocks);
  ASSERT_TRUE(g.ok()) << g.status();
  auto inference = ExtractInferenceGraph(*g);
  ASSERT_TRUE(inference.ok()) << inference.status();
  std::vector<std::string> nodes;
  for (const auto& n : inference->node()) nodes.push_back(Describe(n));
  EXPECT_EQ(nodes, (std::vector<std::string>{"b0.z = Linear(x, b0.w)", "b0.a = Scale(b0.z)",
                                             "out.z = Linear(b0.a, out.w)", "y = Scale(out.z)"}));
  ASSERT_EQ(inference->param_size(), 2);
  EXPECT_EQ(inference->param(0).name(), "b0.w");
  EXPECT_EQ(inference->param(1).name(), "out.w");
  ASSERT_EQ(inference->input_size(), 1);  // the targets feed only the losses
  EXPECT_EQ(inference->input(0).name(), "x");
  EXPECT_EQ(inference->update_size(), 0);
}

// Block b's activation b.s feeds three heads; their deltas are summed into b.s/grad_sum.
constexpr char kFanOut[] = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "b.w" shape: [3, 4] init { kaiming {} } }
param { name: "b.h1.w" shape: [2, 3] init { kaiming {} } }
param { name: "b.h2.w" shape: [2, 3] init { kaiming {} } }
param { name: "b.h3.w" shape: [2, 3] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "b.w"] out: "b.z" }
node { block: "b" op: "Scale" in: "b.z" out: "b.s" attr { name: "divisor" i: 1024 } }
node { block: "b" op: "Linear" in: ["b.s", "b.h1.w"] out: "b.h1" }
node { block: "b" op: "Linear" in: ["b.s", "b.h2.w"] out: "b.h2" }
node { block: "b" op: "Linear" in: ["b.s", "b.h3.w"] out: "b.h3" }
node { block: "b" op: "Add" in: ["b.h1", "b.h2"] out: "b.h12" }
node { block: "b" op: "Add" in: ["b.h12", "b.h3"] out: "b.h" }
node { block: "b" op: "Scale" in: "b.h" out: "y" attr { name: "divisor" i: 768 } }
node { block: "b" op: "RssLoss" in: ["y", "t"] out: ["b.loss", "b.correct"] }
output: "b.s"
)pb";

TEST(LocalGradient, FanOutGradientsAreSummedWithAdd) {
  auto g = Build(kFanOut);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g);
  ASSERT_TRUE(derived.ok()) << derived.status();
  // Contributions are summed in reverse walk order (h3, h2, h1), the last sum named v/grad_sum.
  EXPECT_EQ(Added(*derived, *g), (std::vector<std::string>{
                                     "b.loss/e = RssLossGrad(y, t)",
                                     "b.h3/dx = LinearInputGrad(b.loss/e, b.h3.w)",
                                     "b.h3/dW = LinearWeightGrad(b.loss/e, b.s)",
                                     "b.h2/dx = LinearInputGrad(b.loss/e, b.h2.w)",
                                     "b.h2/dW = LinearWeightGrad(b.loss/e, b.s)",
                                     "b.h1/dx = LinearInputGrad(b.loss/e, b.h1.w)",
                                     "b.h1/dW = LinearWeightGrad(b.loss/e, b.s)",
                                     "b.s/grad_sum1 = Add(b.h3/dx, b.h2/dx)",
                                     "b.s/grad_sum = Add(b.s/grad_sum1, b.h1/dx)",
                                     "b.z/dW = LinearWeightGrad(b.s/grad_sum, x)",
                                     "b.w@1 = IntegerSGD(b.w, b.z/dW, lr_inv)",
                                     "b.h1.w@1 = IntegerSGD(b.h1.w, b.h1/dW, lr_inv)",
                                     "b.h2.w@1 = IntegerSGD(b.h2.w, b.h2/dW, lr_inv)",
                                     "b.h3.w@1 = IntegerSGD(b.h3.w, b.h3/dW, lr_inv)",
                                 }));
  for (const auto& n : derived->node()) {
    if (n.op() == "Add" && n.name().find("grad_sum") != std::string::npos) {
      EXPECT_EQ(n.block(), "b");
    }
  }
  // The derived graph is valid: the sums are int32 (Add wraps), the gradient Linear reads them.
  BuildOptions options;
  auto built = BuildGraph(*derived, options);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->value("b.s/grad_sum").type.dtype, proto::INT32);
}

// Block fc is visited twice per step; its head (fc.head.*, the loss) is what the output does not
// depend on.
constexpr char kDoubleVisit[] = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "fc.w" shape: [3, 4] init { kaiming {} } }
param { name: "fc.head.w" shape: [2, 3] init { kaiming {} } }
param { name: "out.w" shape: [2, 3] init { kaiming {} } }
block { name: "fc" visits: 2 }
block { name: "out" }
node { block: "fc" op: "Linear" in: ["x", "fc.w"] out: "fc.z" }
node { block: "fc" op: "Scale" in: "fc.z" out: "fc.s" attr { name: "divisor" i: 1024 } }
node { block: "fc" op: "NitroRelu" in: "fc.s" out: "fc.a" }
node { block: "fc" op: "Linear" in: ["fc.a", "fc.head.w"] out: "fc.head.z" }
node { block: "fc" op: "Scale" in: "fc.head.z" out: "fc.head.y" attr { name: "divisor" i: 768 } }
node { block: "fc" op: "RssLoss" in: ["fc.head.y", "t"] out: ["fc.loss", "fc.correct"] }
node { block: "out" op: "Linear" in: ["fc.a", "out.w"] out: "out.z" }
node { block: "out" op: "Scale" in: "out.z" out: "y" attr { name: "divisor" i: 768 } }
node { block: "out" op: "RssLoss" in: ["y", "t"] out: ["out.loss", "out.correct"] }
output: "y"
)pb";

const std::vector<std::string> kOutBlockStep = {
    "out.loss/e = RssLossGrad(y, t)",
    "out.z/dW = LinearWeightGrad(out.loss/e, fc.a)",
    "out.w@1 = IntegerSGD(out.w, out.z/dW, lr_inv)",
};
const std::vector<std::string> kFcFirstStep = {
    "fc.loss/e = RssLossGrad(fc.head.y, t)",
    "fc.head.z/dx = LinearInputGrad(fc.loss/e, fc.head.w)",
    "fc.head.z/dW = LinearWeightGrad(fc.loss/e, fc.a)",
    "fc.a/ds = NitroReluGrad(fc.head.z/dx, fc.s)",
    "fc.z/dW = LinearWeightGrad(fc.a/ds, x)",
    "fc.w@1 = IntegerSGD(fc.w, fc.z/dW, lr_inv)",
    "fc.head.w@1 = IntegerSGD(fc.head.w, fc.head.z/dW, lr_inv)",
};

TEST(LocalGradient, SecondVisitReRunsOnlyTheHeadWithUpdatedParameters) {
  auto g = Build(kDoubleVisit);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g);
  ASSERT_TRUE(derived.ok()) << derived.status();
  std::vector<std::string> expected = kOutBlockStep;
  expected.insert(expected.end(), kFcFirstStep.begin(), kFcFirstStep.end());
  // Visit 2: the head re-runs on the saved activation fc.a with fc.head.w@1; fc.z, fc.s and fc.a
  // are not recomputed (the first layer's gradient reads the saved x and fc.s).
  const std::vector<std::string> second = {
      "fc.head.z@2 = Linear(fc.a, fc.head.w@1)",
      "fc.head.y@2 = Scale(fc.head.z@2)",
      "fc.loss@2 = RssLoss(fc.head.y@2, t) -> fc.loss@2, fc.correct@2",
      "fc.loss/e@2 = RssLossGrad(fc.head.y@2, t)",
      "fc.head.z/dx@2 = LinearInputGrad(fc.loss/e@2, fc.head.w@1)",
      "fc.head.z/dW@2 = LinearWeightGrad(fc.loss/e@2, fc.a)",
      "fc.a/ds@2 = NitroReluGrad(fc.head.z/dx@2, fc.s)",
      "fc.z/dW@2 = LinearWeightGrad(fc.a/ds@2, x)",
      "fc.w@2 = IntegerSGD(fc.w@1, fc.z/dW@2, lr_inv)",
      "fc.head.w@2 = IntegerSGD(fc.head.w@1, fc.head.z/dW@2, lr_inv)",
  };
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(Added(*derived, *g), expected);
  EXPECT_EQ(Updates(*derived),
            (std::vector<std::string>{"out.w <- out.w@1", "fc.w <- fc.w@2", "fc.head.w <- fc.head.w@2"}));
}

TEST(LocalGradient, SingleVisitIgnoresBlockVisits) {
  auto g = Build(kDoubleVisit);
  ASSERT_TRUE(g.ok()) << g.status();
  LocalGradientOptions options;
  options.single_visit = true;
  auto derived = DeriveTrainingGraph(*g, options);
  ASSERT_TRUE(derived.ok()) << derived.status();
  std::vector<std::string> expected = kOutBlockStep;
  expected.insert(expected.end(), kFcFirstStep.begin(), kFcFirstStep.end());
  EXPECT_EQ(Added(*derived, *g), expected);
  EXPECT_EQ(Updates(*derived),
            (std::vector<std::string>{"out.w <- out.w@1", "fc.w <- fc.w@1", "fc.head.w <- fc.head.w@1"}));
}

// ----- Errors -----

TEST(LocalGradientErrors, ModelWithoutOutput) {
  std::string text = kTwoBlocks;
  text.erase(text.find("output: \"y\""));
  const std::string message = "test.pbtxt: the model declares no `output` (the network prediction)";
  ExpectError(text, absl::StatusCode::kInvalidArgument, message);
  auto g = Build(text);
  ASSERT_TRUE(g.ok()) << g.status();
  auto inference = ExtractInferenceGraph(*g);
  ASSERT_FALSE(inference.ok());
  EXPECT_EQ(inference.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(inference.status().message()), message);
}

TEST(LocalGradientErrors, BlockWithoutLoss) {
  ExpectError(R"pb(input { name: "x" dtype: INT8 shape: [4] }
param { name: "b.w" shape: [2, 4] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "b.w"] out: "b.z" }
node { block: "b" op: "Scale" in: "b.z" out: "y" attr { name: "divisor" i: 1024 } }
output: "y"
)pb",
              absl::StatusCode::kInvalidArgument,
              "test.pbtxt: block 'b' has no loss node (add e.g. an RssLoss on its head prediction)");
}

TEST(LocalGradientErrors, BlockWithASecondLoss) {
  std::string text = kTwoBlocks;
  text.insert(text.find("output:"),
              "node { block: \"b0\" op: \"RssLoss\" in: [\"b0.head.y\", \"t\"] "
              "out: [\"b0.loss2\", \"b0.correct2\"] }\n");
  ExpectError(text, absl::StatusCode::kInvalidArgument,
              LineOf(text, "b0.loss2") +
                  ": node 'b0.loss2' (RssLoss): block 'b0' has a second loss node; a block has exactly one local loss");
}

TEST(LocalGradientErrors, ParameterUsedOutsideAnyBlock) {
  std::string text = kTwoBlocks;
  text.insert(text.find("output:"), "node { op: \"Linear\" in: [\"b0.a\", \"out.w\"] out: \"stray\" }\n");
  ExpectError(text, absl::StatusCode::kInvalidArgument,
              LineOf(text, "stray") +
                  ": node 'stray' (Linear): parameter 'out.w' is used outside any block, so no local loss can train "
                  "it");
}

TEST(LocalGradientErrors, ParameterUsedByTwoBlocks) {
  std::string text = kTwoBlocks;
  text.insert(text.find("output:"), "node { block: \"out\" op: \"Linear\" in: [\"x\", \"b0.w\"] out: \"shared\" }\n");
  ExpectError(text, absl::StatusCode::kInvalidArgument,
              LineOf(text, "shared") +
                  ": node 'shared' (Linear): parameter 'b0.w' is used by blocks 'b0' and 'out'; a parameter belongs to "
                  "one block");
}

TEST(LocalGradientErrors, ParameterTheLossDoesNotReach) {
  std::string text = kTwoBlocks;
  // b0.extra reads b0's activation with its own parameter, but nothing reads b0.extra.
  text.insert(text.find("block { name: \"b0\" }"),
              "param { name: \"b0.extra.w\" shape: [2, 3] init { kaiming {} } }\n");
  text.insert(text.find("output:"),
              "node { block: \"b0\" op: \"Linear\" in: [\"b0.a\", \"b0.extra.w\"] out: \"b0.extra\" }\n");
  ExpectError(text, absl::StatusCode::kFailedPrecondition,
              "test.pbtxt: parameter 'b0.extra.w' of block 'b0' receives no gradient from the block's loss");
}

TEST(LocalGradientErrors, OpWithoutGradientRuleOnTheGradientPath) {
  // Reshape is a backward-only op (NoGradient); here the loss's gradient must flow through it.
  const std::string text = R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "b.w" shape: [2, 4] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "b.w"] out: "b.z" }
node { block: "b" op: "Reshape" in: ["b.z", "b.z"] out: "b.r" }
node { block: "b" op: "Scale" in: "b.r" out: "y" attr { name: "divisor" i: 1024 } }
node { block: "b" op: "RssLoss" in: ["y", "t"] out: ["b.loss", "b.correct"] }
output: "y"
)pb";
  ExpectError(text, absl::StatusCode::kUnimplemented,
              LineOf(text, "\"b.r\"") +
                  ": node 'b.r' (Reshape): a gradient must flow through this node but op 'Reshape' has no gradient "
                  "rule (it is declared NoGradient)");
}

// ----- A local registry: test-only ops beside copies of the built-in ones -----

absl::Status SameShape(ShapeContext& ctx) {
  for (size_t o = 0; o < ctx.outputs().size(); ++o) ctx.set_output(o, ctx.input(0).dtype, ctx.input(0).shape);
  return absl::OkStatus();
}
absl::Status NoKernel(KernelContext&) { return absl::UnimplementedError("test op: not run"); }

// y = x (int32); its rule emits `grad_op` (label "g") once or `times` times on the incoming
// gradient and passes the first output on; "FailingGrad" fails instead.
OpDef PassThrough(const std::string& name, const std::string& grad_op, int times = 1) {
  return OpDef(name)
      .Input("x", {kInt32})
      .Output("y")
      .SetShapeFn(SameShape)
      .SetKernel(NoKernel)
      .SetGrad([grad_op, times](GradContext& ctx) -> absl::Status {
        if (grad_op == "FailingGrad") return absl::OutOfRangeError("the rule refuses");
        std::vector<std::string> outs;
        for (int k = 0; k < times; ++k) outs = ctx.Emit(grad_op, {ctx.grad_output(0)}, {}, "g");
        ctx.set_grad_input(0, outs[0]);
        return absl::OkStatus();
      });
}

class LocalRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* op : {"Linear", "LinearInputGrad", "LinearWeightGrad", "Scale", "RssLoss", "RssLossGrad"}) {
      const OpDef* def = OpRegistry::Global().Find(op);
      ASSERT_NE(def, nullptr) << op;
      registry_.Register(*def);
    }
    // A backward op with two outputs that only this registry knows.
    registry_.Register(OpDef("TestGradPair")
                           .Input("dy")
                           .Output("a")
                           .Output("b")
                           .SetShapeFn(SameShape)
                           .SetKernel(NoKernel)
                           .NoGradient());
    registry_.Register(PassThrough("EmitsPair", "TestGradPair"));
    registry_.Register(PassThrough("EmitsPairTwice", "TestGradPair", 2));
    registry_.Register(PassThrough("EmitsPairThrice", "TestGradPair", 3));
    registry_.Register(PassThrough("EmitsUnknown", "NoSuchOp"));
    registry_.Register(PassThrough("FailsInRule", "FailingGrad"));
    ASSERT_TRUE(registry_.Validate().ok()) << registry_.Validate();
  }

  // One block: Linear, then `op` on the accumulator, then the head's Scale and the loss.
  static std::string Model(const std::string& op) {
    return absl::StrCat(R"pb(input { name: "x" dtype: INT8 shape: [4] }
input { name: "t" dtype: INT8 shape: [2] role: TARGETS }
param { name: "b.w" shape: [2, 4] init { kaiming {} } }
block { name: "b" }
node { block: "b" op: "Linear" in: ["x", "b.w"] out: "b.z" }
node { block: "b" op: ")pb",
                        op, R"pb(" in: "b.z" out: "b.p" }
node { block: "b" op: "Scale" in: "b.p" out: "y" attr { name: "divisor" i: 1024 } }
node { block: "b" op: "RssLoss" in: ["y", "t"] out: ["b.loss", "b.correct"] }
output: "y"
)pb");
  }

  LocalGradientOptions Options() const {
    LocalGradientOptions options;
    options.registry = &registry_;
    return options;
  }

  OpRegistry registry_;
};

TEST_F(LocalRegistry, EmittedOpsAreLookedUpInTheGivenRegistry) {
  auto g = Build(Model("EmitsPair"), &registry_);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g, Options());
  ASSERT_TRUE(derived.ok()) << derived.status();
  // Two outputs, as TestGradPair declares: "N/label" and "N/label1".
  EXPECT_EQ(Added(*derived, *g), (std::vector<std::string>{
                                     "b.loss/e = RssLossGrad(y, t)",
                                     "b.p/g = TestGradPair(b.loss/e) -> b.p/g, b.p/g1",
                                     "b.z/dW = LinearWeightGrad(b.p/g, x)",
                                     "b.w@1 = IntegerSGD(b.w, b.z/dW, lr_inv)",
                                 }));
}

TEST_F(LocalRegistry, TheGlobalRegistryDoesNotKnowTheLocalOps) {
  const std::string text = Model("EmitsPair");
  ExpectError(text, absl::StatusCode::kInternal,
              LineOf(text, "EmitsPair") + ": node 'b.p' (EmitsPair): gradient rule emitted unknown op 'TestGradPair'",
              /*options=*/{}, &registry_);
}

TEST_F(LocalRegistry, RepeatedLabelsGetUniqueNames) {
  auto g = Build(Model("EmitsPairTwice"), &registry_);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g, Options());
  ASSERT_TRUE(derived.ok()) << derived.status();
  // A taken name gets "_<number of names generated so far>", and the new name counts too:
  // b.loss/e, b.p/g, b.p/g1 come first, so the second pair is b.p/g_3 and b.p/g1_4.
  EXPECT_EQ(Added(*derived, *g), (std::vector<std::string>{
                                     "b.loss/e = RssLossGrad(y, t)",
                                     "b.p/g = TestGradPair(b.loss/e) -> b.p/g, b.p/g1",
                                     "b.p/g_3 = TestGradPair(b.loss/e) -> b.p/g_3, b.p/g1_4",
                                     "b.z/dW = LinearWeightGrad(b.p/g_3, x)",
                                     "b.w@1 = IntegerSGD(b.w, b.z/dW, lr_inv)",
                                 }));
}

TEST_F(LocalRegistry, EveryRepeatOfALabelGetsItsOwnName) {
  auto g = Build(Model("EmitsPairThrice"), &registry_);
  ASSERT_TRUE(g.ok()) << g.status();
  auto derived = DeriveTrainingGraph(*g, Options());
  ASSERT_TRUE(derived.ok()) << derived.status();
  std::set<std::string> names;  // SSA: every value has one producer
  for (const auto& n : derived->node()) {
    for (const auto& out : n.out()) EXPECT_TRUE(names.insert(out).second) << "duplicate value " << out;
  }
}

TEST_F(LocalRegistry, EmittedOpUnknownToTheRegistry) {
  const std::string text = Model("EmitsUnknown");
  ExpectError(text, absl::StatusCode::kInternal,
              LineOf(text, "EmitsUnknown") + ": node 'b.p' (EmitsUnknown): gradient rule emitted unknown op 'NoSuchOp'",
              Options(), &registry_);
}

TEST_F(LocalRegistry, FailingRuleKeepsItsCodeAndNamesTheNode) {
  const std::string text = Model("FailsInRule");
  ExpectError(text, absl::StatusCode::kOutOfRange,
              LineOf(text, "FailsInRule") + ": node 'b.p' (FailsInRule): gradient rule: the rule refuses", Options(),
              &registry_);
}

}  // namespace
}  // namespace nitro
