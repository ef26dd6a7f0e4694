// Registration problems are collected and reported as a Status, never a crash, and a graph built
// against a broken registry is refused.
#include "graph/op_registry.h"

#include "absl/strings/match.h"
#include "graph/graph.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

absl::Status OkShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
  return absl::OkStatus();
}
absl::Status OkKernel(KernelContext&) { return absl::OkStatus(); }

OpDef Complete(const char* name) {
  return OpDef(name).Input("x").Output("y").SetShapeFn(OkShape).SetKernel(OkKernel).NoGradient();
}

TEST(OpRegistry, ACompleteOpValidates) {
  OpRegistry r;
  r.Register(Complete("Id"));
  EXPECT_TRUE(r.Validate().ok());
  ASSERT_NE(r.Find("Id"), nullptr);
  EXPECT_EQ(r.Find("Nope"), nullptr);
}

TEST(OpRegistry, ProblemsAreReportedTogether) {
  OpRegistry r;
  r.Register(Complete("Id"));
  r.Register(Complete("Id"));                                                                     // duplicate
  r.Register(OpDef("NoKernel").Input("x").Output("y").SetShapeFn(OkShape).NoGradient());          // no kernel
  r.Register(OpDef("NoShape").Input("x").Output("y").SetKernel(OkKernel).NoGradient());           // no shape fn
  r.Register(OpDef("Undecided").Input("x").Output("y").SetShapeFn(OkShape).SetKernel(OkKernel));  // no grad decision
  r.Register(OpDef("").Output("y"));                                                              // no name
  const absl::Status s = r.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  const std::string m(s.message());
  EXPECT_TRUE(absl::StrContains(m, "op 'Id' is registered twice")) << m;
  EXPECT_TRUE(absl::StrContains(m, "op 'NoKernel' has no kernel")) << m;
  EXPECT_TRUE(absl::StrContains(m, "op 'NoShape' has no shape function")) << m;
  EXPECT_TRUE(absl::StrContains(m, "op 'Undecided' has neither a gradient rule")) << m;
  EXPECT_TRUE(absl::StrContains(m, "empty name")) << m;
}

TEST(OpRegistry, BuildGraphRefusesABrokenRegistry) {
  OpRegistry r;
  r.Register(Complete("Id"));
  r.Register(Complete("Id"));
  proto::Model m;
  auto* in = m.add_input();
  in->set_name("x");
  in->set_dtype(proto::INT8);
  in->add_shape(4);
  auto* n = m.add_node();
  n->set_op("Id");
  n->add_in("x");
  n->add_out("y");
  BuildOptions o;
  o.registry = &r;
  auto g = BuildGraph(m, o);
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(absl::StrContains(g.status().message(), "registered twice")) << g.status();
}

}  // namespace
}  // namespace nitro
