#include "deploy/c_emitter.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "ops/kernels/elementwise.h"

namespace nitro::deploy {
namespace {

using ::testing::HasSubstr;

TEST(CEmitterRegistry, HoldsAnEmitterForEveryOpOfTheZoosInferenceGraphs) {
  for (const char* op :
       {"Linear", "Conv2D", "ConvScaleRelu", "Scale", "NitroRelu", "MaxPool2D", "Flatten", "Reshape", "Dropout"}) {
    EXPECT_NE(CEmitterRegistry::Global().Find(op), nullptr) << op;
  }
  EXPECT_EQ(CEmitterRegistry::Global().Find("RssLoss"), nullptr);  // training only
  EXPECT_TRUE(CEmitterRegistry::Global().Validate().ok());
  const CEmitter* flatten = CEmitterRegistry::Global().Find("Flatten");
  EXPECT_EQ(flatten->alias_of(), 0);
  EXPECT_TRUE(CEmitterRegistry::Global().Find("Linear")->fuses_scale_relu());
  EXPECT_TRUE(CEmitterRegistry::Global().Find("ConvScaleRelu")->optional_outputs());
}

TEST(CEmitterRegistry, ReportsDuplicateAndIncompleteEmitters) {
  CEmitterRegistry r;
  r.Register(CEmitter("A").SetAliasOf(0));
  r.Register(CEmitter("A").SetAliasOf(0));
  r.Register(CEmitter("B"));
  EXPECT_NE(r.Find("A"), nullptr);
  EXPECT_EQ(r.Find("B"), nullptr);
  EXPECT_EQ(r.OpNames(), std::vector<std::string>{"A"});
  EXPECT_EQ(r.Validate().message(),
            "C emitter registry: C emitter for op 'A' registered twice; C emitter for op 'B' has neither SetEmit nor "
            "SetAliasOf");
}

TEST(CDefinitions, AddsEachKeyOnceAndCountsFlash) {
  CDefinitions d;
  d.Add("t", "table;\n", 256);
  d.Add("t", "again;\n", 256);
  d.Add("f", "helper;\n");
  EXPECT_TRUE(d.Has("t"));
  EXPECT_FALSE(d.Has("u"));
  EXPECT_EQ(d.Text(), "table;\n\nhelper;\n");
  EXPECT_EQ(d.flash_bytes(), 256);
}

TEST(ScaleExpr, DividesTruncatingAndFoldsDivisorsBeyondInt32) {
  CDefinitions d;
  EXPECT_EQ(ScaleExpr(d, "z", 200704), "nitro_clip127(z / INT32_C(200704))");
  EXPECT_TRUE(d.Has("nitro_clip127"));
  EXPECT_EQ(ScaleExpr(d, "z", 2147483647), "nitro_clip127(z / INT32_C(2147483647))");
  EXPECT_EQ(ScaleExpr(d, "z", int64_t{1} << 31), "((z) == INT32_MIN ? -1 : 0)");
  EXPECT_EQ(ScaleExpr(d, "z", (int64_t{1} << 31) + 1), "((void)(z), 0)");
  EXPECT_EQ(Int32Of(d, "acc"), "nitro_i32(acc)");
  EXPECT_THAT(d.Text(), HasSubstr("static int32_t nitro_i32(uint32_t v)"));
}

// A one-node graph for contexts: y = NitroRelu(x), x int8 [1, 4].
Graph ReluGraph() {
  auto parsed = ParseModelText(R"(name: "r"
input { name: "x" dtype: INT8 shape: [4] }
node { op: "NitroRelu" in: "x" out: "y" }
output: "y")",
                               "r.pbtxt");
  EXPECT_TRUE(parsed.ok());
  BuildOptions o;
  o.source = "r.pbtxt";
  o.batch_size = 1;
  auto g = BuildGraph(parsed->model, o);
  EXPECT_TRUE(g.ok()) << g.status();
  return std::move(*g);
}

TEST(Int8Table, IsNitrosOwnKernelOutputForEveryInt8AndEverySlope) {
  const Graph g = ReluGraph();
  for (int64_t alpha : {3, 4, 5, 7, 8, 10, 15, 16, 20}) {
    CDefinitions defs;
    CCode code;
    CEmitContext ctx(g, 0, {}, {}, {}, Epilogue{}, &defs, &code, nullptr);
    auto name = ctx.Int8Table("NitroRelu", AttrView({IntAttr("alpha_inv", alpha)}), absl::StrCat("t", alpha));
    ASSERT_TRUE(name.ok()) << name.status();
    std::string want = absl::StrCat("static const int8_t t", alpha, "[256] = {");
    const int c = kernels::NitroReluMeanCorrection(alpha);
    for (int v = -128; v < 128; ++v) {
      absl::StrAppend(&want, (v + 128) % 16 == 0 ? "\n  " : " ", kernels::NitroReluValue(v, alpha, c),
                      v < 127 ? "," : "");
    }
    EXPECT_THAT(defs.Text(), HasSubstr(want + "\n};\n")) << alpha;
    EXPECT_EQ(defs.flash_bytes(), 256);
  }
}

TEST(Int8Table, RefusesAnOpThatIsNotElementWise) {
  const Graph g = ReluGraph();
  CDefinitions defs;
  CCode code;
  CEmitContext ctx(g, 0, {}, {}, {}, Epilogue{}, &defs, &code, nullptr);
  EXPECT_EQ(ctx.Int8Table("Linear", AttrView(), "t").status().message(),
            "r.pbtxt: node 'y' (NitroRelu): cannot tabulate op 'Linear': it is not a registered op with one input "
            "and one output");
}

TEST(StoreAccumulator, StoresTheAccumulatorOrItsScaleAndActivation) {
  const Graph g = ReluGraph();
  CDefinitions defs;
  CCode code;
  CEmitContext ctx(g, 0, {}, {}, {}, Epilogue{}, &defs, &code, nullptr);
  COperand z{"zbuf", kInt32, {kInt32, {1, 4}}}, s{"sbuf", kInt8, {kInt8, {1, 4}}}, a{"abuf", kInt8, {kInt8, {1, 4}}};
  Epilogue plain;
  plain.z = z;
  EXPECT_EQ(*StoreAccumulator(ctx, plain, "acc", "o"), "zbuf[o] = nitro_i32(acc);");
  Epilogue scaled;
  scaled.divisor = 100;
  scaled.s = s;
  EXPECT_EQ(*StoreAccumulator(ctx, scaled, "acc", "o"),
            "{ const int32_t sv = nitro_clip127(nitro_i32(acc) / INT32_C(100)); sbuf[o] = (int8_t)sv; }");
  Epilogue both = scaled;
  both.alpha_inv = 4;
  both.a = a;
  EXPECT_EQ(*StoreAccumulator(ctx, both, "acc", "o"),
            "{ const int32_t sv = nitro_clip127(nitro_i32(acc) / INT32_C(100)); sbuf[o] = (int8_t)sv; abuf[o] = "
            "nitro_relu_table_a4[sv + 128]; }");
  EXPECT_TRUE(defs.Has("nitro_relu_table_a4"));
  Epilogue nowhere;
  nowhere.divisor = 100;
  EXPECT_FALSE(StoreAccumulator(ctx, nowhere, "acc", "o").ok());
}

}  // namespace
}  // namespace nitro::deploy
