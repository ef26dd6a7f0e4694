// BuildGraph, phase by phase, on small models against a registry of three test ops: declared
// values (SSA), node resolution (ops, arity, attributes and their defaults, blocks), topological
// order and cycle naming, shape inference at the batch size, and the message prefix helpers.
#include "graph/graph.h"

#include <string>
#include <vector>

#include "graph/loader.h"
#include "graph/source_location.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

absl::Status SameShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
  return absl::OkStatus();
}

// y = x repeated `times` along dimension 1, widened to int32: [B, n] -> [B, n * times].
absl::Status TileShape(ShapeContext& ctx) {
  const Shape& x = ctx.input(0).shape;
  if (x.size() != 2) return ctx.Error("x must have rank 2");
  ctx.set_output(0, kInt32, {x[0], x[1] * ctx.attrs().GetInt("times")});
  return absl::OkStatus();
}

// Every output (the declared one and the trailing ones) has the input's type.
absl::Status CopiesShape(ShapeContext& ctx) {
  for (size_t o = 0; o < ctx.outputs().size(); ++o) ctx.set_output(o, ctx.input(0).dtype, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status NoKernel(KernelContext&) { return absl::OkStatus(); }

const OpRegistry& TestOps() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry;
    r->Register(OpDef("Id").Input("x").Output("y").SetShapeFn(SameShape).SetKernel(NoKernel).NoGradient());
    r->Register(OpDef("Add2").Input("a").Input("b").Output("y").SetShapeFn(SameShape).SetKernel(NoKernel).NoGradient());
    r->Register(OpDef("Copies")
                    .Input("x")
                    .Output("y")
                    .TrailingOutputs("copy")
                    .SetShapeFn(CopiesShape)
                    .SetKernel(NoKernel)
                    .NoGradient());
    r->Register(OpDef("Tile")
                    .Input("x", {kInt8, kInt16})
                    .Output("y")
                    .Attr("label", AttrType::kString)
                    .Attr("times", int64_t{2})
                    .Attr("pad", std::vector<int64_t>{0, 0})
                    .SetShapeFn(TileShape)
                    .SetKernel(NoKernel)
                    .NoGradient());
    return r;
  }();
  return *registry;
}

// Builds `text` (protobuf text format, node lines recorded) as "m.pbtxt" with the test ops.
absl::StatusOr<Graph> Build(const std::string& text, int64_t batch_size = 4) {
  auto parsed = ParseModelText(text, "m.pbtxt");
  if (!parsed.ok()) return parsed.status();
  BuildOptions options;
  options.source = "m.pbtxt";
  options.batch_size = batch_size;
  options.registry = &TestOps();
  options.node_lines = parsed->node_lines;
  return BuildGraph(std::move(parsed->model), options);
}

// The error message of building `text`, or "OK".
std::string BuildError(const std::string& text) {
  auto g = Build(text);
  return g.ok() ? "OK" : std::string(g.status().message());
}

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> names;
  for (const auto& n : g.nodes()) names.push_back(n.name());
  return names;
}

// ---- messages -------------------------------------------------------------------------------

TEST(SourceLocation, NamesTheFileTheLineAndTheNode) {
  proto::Node node;
  node.set_name("z0");
  node.set_op("Linear");
  EXPECT_EQ(SourceLine("m.pbtxt", 12), "m.pbtxt:12");
  EXPECT_EQ(SourceLine("m.pbtxt", 0), "m.pbtxt");
  EXPECT_EQ(NodeLocation("m.pbtxt", 12, node), "m.pbtxt:12: node 'z0' (Linear)");
  EXPECT_EQ(NodeLocation("<model>", 0, node), "<model>: node 'z0' (Linear)");
}

TEST(BuildGraph, WhereIsTheNodeLocationInTopologicalOrder) {
  auto g = Build(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { name: "late" op: "Id" in: "early" out: "y" }
node { name: "early" op: "Id" in: "x" out: "early" }
)pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->Where(0), "m.pbtxt:4: node 'early' (Id)");
  EXPECT_EQ(g->Where(1), "m.pbtxt:3: node 'late' (Id)");
}

// ---- phase 1: declared values ----------------------------------------------------------------

TEST(BuildGraph, InputsGetTheBatchDimensionAndParamsDefaultToInt32) {
  auto g = Build(R"pb(
input { name: "x" dtype: INT8 shape: [2, 3] }
input { name: "lr_inv" dtype: INT32 role: SCALAR }
param { name: "w" shape: [3] init { zeros: true } }
node { op: "Add2" in: ["w", "w"] out: "s" }
node { op: "Id" in: "x" out: "y" }
)pb",
                 5);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->batch_size(), 5);
  EXPECT_EQ(g->value("x").type.shape, (Shape{5, 2, 3}));
  EXPECT_EQ(g->value("x").kind, ValueKind::kInput);
  EXPECT_EQ(g->value("lr_inv").type.shape, Shape{});
  EXPECT_EQ(g->value("w").type.dtype, kInt32);
  EXPECT_EQ(g->value("w").type.shape, Shape{3});
  EXPECT_EQ(g->value("w").kind, ValueKind::kParam);
  EXPECT_EQ(g->FindParam("w")->dtype(), kInt32);  // the default is written into the model
  EXPECT_EQ(g->FindValue("nope"), nullptr);
  EXPECT_EQ(g->value_names(), (std::vector<std::string>{"x", "lr_inv", "w", "s", "y"}));
}

TEST(BuildGraph, TheBatchSizeDefaultsToTheModelsThenOne) {
  const std::string with_train = R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { op: "Id" in: "x" out: "y" }
train { batch_size: 7 }
)pb";
  EXPECT_EQ(Build(with_train, 0)->value("y").type.shape, (Shape{7, 3}));
  EXPECT_EQ(Build(with_train, 2)->value("y").type.shape, (Shape{2, 3}));
  EXPECT_EQ(
      Build(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { op: "Id" in: "x" out: "y" })pb", 0)->batch_size(),
      1);
}

TEST(BuildGraph, EveryValueHasOneDefinition) {
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
param { name: "x" shape: [3] }
node { op: "Id" in: "x" out: "y" }
)pb"),
            "m.pbtxt: parameter 'x' is defined twice");
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { name: "a" op: "Id" in: "x" out: "y" }
node { name: "b" op: "Id" in: "x" out: "y" }
)pb"),
            "m.pbtxt:4: node 'b' (Id): value 'y' is defined twice");
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { op: "Id" in: "x" out: "x" }
)pb"),
            "m.pbtxt:3: node 'x' (Id): value 'x' is defined twice");
}

TEST(BuildGraph, DeclaredShapesAndDtypesAreChecked) {
  EXPECT_EQ(BuildError(R"pb(input { name: "x" shape: [3] } node { op: "Id" in: "x" out: "y" })pb"),
            "m.pbtxt: input 'x' has no dtype (add e.g. `dtype: INT8`)");
  EXPECT_EQ(BuildError(R"pb(input { name: "x" dtype: INT8 shape: [3, 0] } node { op: "Id" in: "x" out: "y" })pb"),
            "m.pbtxt: input 'x': dimension 2 of shape [4, 3, 0] is 0; every dimension must be positive");
  EXPECT_EQ(BuildError(R"pb(param { name: "w" shape: [2] init { values { v: [1, 2, 3] } } }
node { op: "Id" in: "w" out: "y" })pb"),
            "m.pbtxt: parameter 'w': init has 3 values but the shape [2] holds 2");
}

// ---- phase 2: resolved nodes -----------------------------------------------------------------

TEST(BuildGraph, AnUndefinedInputIsNamedWithItsPosition) {
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { op: "Add2" in: ["x", "nope"] out: "y" }
)pb"),
            "m.pbtxt:3: node 'y' (Add2): input 1 'nope' is not defined by any input, parameter or node");
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { op: "Id" in: "x" out: "y" }
output: "z"
)pb"),
            "m.pbtxt: model output 'z' is not defined");
}

TEST(BuildGraph, AnUnknownOpIsNotFoundAndListsTheRegisteredOps) {
  auto g = Build(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { op: "Nope" in: "x" out: "y" })pb");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(g.status().message(),
            "m.pbtxt:1: node 'y' (Nope): unknown op 'Nope'; registered ops: Add2, Copies, Id, Tile");
}

TEST(BuildGraph, ArityIsChecked) {
  EXPECT_EQ(BuildError(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { op: "Add2" in: "x" out: "y" })pb"),
            "m.pbtxt:1: node 'y' (Add2): takes 2 input(s) (a, b) but 1 were given");
  EXPECT_EQ(BuildError(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { op: "Id" in: "x" out: ["y", "z"] })pb"),
            "m.pbtxt:1: node 'y' (Id): produces 1 output(s) (y) but 2 were named");
}

TEST(BuildGraph, TrailingOutputsTakeAnyCountAfterTheDeclaredOnes) {
  auto g = Build(R"pb(input { name: "x" dtype: INT8 shape: [3] }
                      node { op: "Copies" in: "x" out: "y" }
                      node { op: "Copies" in: "y" out: ["a", "b", "c"] })pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->value("c").type.shape, (Shape{4, 3}));
  EXPECT_EQ(BuildError(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { name: "n" op: "Copies" in: "x" })pb"),
            "m.pbtxt:1: node 'n' (Copies): produces 1 output(s) (y) and any number of copy outputs but 0 were named");
}

TEST(BuildGraph, DefaultAttributesAreFilledInAfterTheGivenOnes) {
  auto g = Build(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { op: "Tile" in: "x" out: "y" attr { name: "pad" ints { v: [1, 2] } } attr { name: "label" s: "t" } }
)pb");
  ASSERT_TRUE(g.ok()) << g.status();
  const AttrView& attrs = g->attrs(0);
  ASSERT_EQ(attrs.all().size(), 3u);
  EXPECT_EQ(attrs.all()[0].name(), "pad");
  EXPECT_EQ(attrs.all()[1].name(), "label");
  EXPECT_EQ(attrs.all()[2].name(), "times");
  EXPECT_EQ(attrs.GetInt("times"), 2);
  EXPECT_EQ(attrs.GetInts("pad"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(attrs.GetString("label"), "t");
  EXPECT_EQ(g->model().node(0).attr_size(), 2);  // the model keeps what was written
}

TEST(BuildGraph, AttributesAreCheckedAgainstTheSchema) {
  const std::string head = R"pb(input { name: "x" dtype: INT8 shape: [3] } )pb";
  EXPECT_EQ(BuildError(head + R"pb(node { op: "Tile" in: "x" out: "y" })pb"),
            "m.pbtxt:1: node 'y' (Tile): missing required attribute 'label' (string (s: ...))");
  EXPECT_EQ(BuildError(head + R"pb(node { op: "Tile" in: "x" out: "y" attr { name: "label" i: 3 } })pb"),
            "m.pbtxt:1: node 'y' (Tile): attribute 'label' must be of type string (s: ...), got int (i: ...)");
  EXPECT_EQ(BuildError(head + R"pb(node { op: "Id" in: "x" out: "y" attr { name: "k" i: 3 } })pb"),
            "m.pbtxt:1: node 'y' (Id): unknown attribute 'k'");
  EXPECT_EQ(BuildError(head + R"pb(node { op: "Tile" in: "x" out: "y" attr { name: "label" s: "a" }
                                          attr { name: "label" s: "b" } })pb"),
            "m.pbtxt:1: node 'y' (Tile): attribute 'label' is set twice");
}

TEST(BuildGraph, NodesAreNamedAfterTheirFirstOutputAndNamedOnce) {
  auto g = Build(R"pb(input { name: "x" dtype: INT8 shape: [3] } node { op: "Id" in: "x" out: "y" })pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->nodes()[0].name(), "y");
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { name: "n" op: "Id" in: "x" out: "y" }
node { name: "n" op: "Id" in: "x" out: "z" }
)pb"),
            "m.pbtxt:4: node 'n' (Id): a node with this name is already defined");
}

TEST(BuildGraph, BlocksAreDeclaredOnceAndVisitsBounded) {
  const std::string body = R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { block: "b0" op: "Id" in: "x" out: "y" }
)pb";
  EXPECT_EQ(BuildError(body),
            "m.pbtxt:3: node 'y' (Id): belongs to block 'b0', which is not declared (add `block { name: \"b0\" }`)");
  EXPECT_EQ(BuildError(R"pb(block { name: "b0" visits: 9 })pb" + body),
            "m.pbtxt: block 'b0': visits must be in [0, 8]");
  EXPECT_EQ(BuildError(R"pb(block { name: "b0" } block { name: "b0" })pb" + body),
            "m.pbtxt: block 'b0' is empty-named or declared twice");
  EXPECT_EQ(BuildError(R"pb(block { name: "b0" visits: 8 })pb" + body), "OK");
}

// ---- phase 3: order --------------------------------------------------------------------------

TEST(BuildGraph, TopologicalOrderIsDeclarationOrderAmongReadyNodes) {
  // p waits for q; q and r are ready at once: q (declared before r) runs first, then p, which
  // becomes ready and was declared before r.
  auto g = Build(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { name: "p" op: "Id" in: "q" out: "p" }
node { name: "q" op: "Id" in: "x" out: "q" }
node { name: "r" op: "Id" in: "x" out: "r" }
node { name: "s" op: "Add2" in: ["r", "p"] out: "s" }
)pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(NodeNames(*g), (std::vector<std::string>{"q", "p", "r", "s"}));
  EXPECT_EQ(g->value_names(), (std::vector<std::string>{"x", "q", "p", "r", "s"}));
  // Producers and consumers are positions in that order.
  EXPECT_EQ(g->value("p").producer, 1);
  EXPECT_EQ(g->value("r").producer, 2);
  EXPECT_EQ(g->value("x").consumers, (std::vector<int>{0, 2}));
  EXPECT_EQ(g->value("p").consumers, (std::vector<int>{3}));
  EXPECT_EQ(g->op(3).name(), "Add2");
}

TEST(BuildGraph, ACycleIsNamedWithoutTheNodesDownstreamOfIt) {
  // d only reads the cycle a -> b -> c -> a; the message names the cycle alone, in data-flow order.
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
node { name: "d" op: "Id" in: "c" out: "d" }
node { name: "a" op: "Add2" in: ["x", "c"] out: "a" }
node { name: "b" op: "Id" in: "a" out: "b" }
node { name: "c" op: "Id" in: "b" out: "c" }
node { name: "e" op: "Id" in: "x" out: "e" }
)pb"),
            "m.pbtxt: the graph has a cycle: node 'c' (line 6) -> node 'a' (line 4) -> node 'b' (line 5) -> node 'c'");
  EXPECT_EQ(BuildError(R"pb(node { name: "a" op: "Id" in: "a" out: "a" })pb"),
            "m.pbtxt: the graph has a cycle: node 'a' (line 1) -> node 'a'");
}

// ---- phase 4: shapes -------------------------------------------------------------------------

TEST(BuildGraph, ShapesAreInferredAtTheBatchSize) {
  auto g = Build(R"pb(
input { name: "x" dtype: INT16 shape: [3] }
node { op: "Tile" in: "x" out: "t" attr { name: "label" s: "" } attr { name: "times" i: 5 } }
node { op: "Id" in: "t" out: "y" }
)pb",
                 6);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->value("t").type.dtype, kInt32);
  EXPECT_EQ(g->value("t").type.shape, (Shape{6, 15}));
  EXPECT_EQ(g->value("y").type.shape, (Shape{6, 15}));
  EXPECT_EQ(g->value("y").kind, ValueKind::kNodeOutput);
  EXPECT_EQ(g->value("y").output_index, 0);
}

TEST(BuildGraph, ShapeProblemsNameTheNode) {
  EXPECT_EQ(BuildError(R"pb(
param { name: "w" shape: [3, 3] }
node { op: "Tile" in: "w" out: "y" attr { name: "label" s: "" } }
)pb"),
            "m.pbtxt:3: node 'y' (Tile): input 'x' ('w') has dtype int32, expected int8 or int16");
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3, 3] }
node { op: "Tile" in: "x" out: "y" attr { name: "label" s: "" } }
)pb"),
            "m.pbtxt:3: node 'y' (Tile): x must have rank 2");
  auto huge = Build(R"pb(
input { name: "x" dtype: INT8 shape: [1048576] }
node { op: "Tile" in: "x" out: "y" attr { name: "label" s: "" } attr { name: "times" i: 1048576 } }
)pb");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(huge.status().message(),
            "m.pbtxt:3: node 'y' (Tile): output 'y': shape [4, 1099511627776] has more than 2^40 elements");
}

TEST(BuildGraph, EveryParameterIsUsed) {
  EXPECT_EQ(BuildError(R"pb(
input { name: "x" dtype: INT8 shape: [3] }
param { name: "w" shape: [3] }
node { op: "Id" in: "x" out: "y" }
)pb"),
            "m.pbtxt: parameter 'w' is not used by any node");
  EXPECT_EQ(BuildError(""), "m.pbtxt: the model has no nodes");
}

}  // namespace
}  // namespace nitro
