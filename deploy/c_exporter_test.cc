// The exporter's output for known models: sizes, types, memory, names and errors. That the C
// computes nitro's logits is //deploy:host_c_test's job (it compiles and runs the code).
#include "deploy/c_exporter.h"

#include <string>

#include "absl/strings/match.h"
#include "deploy/model_source.h"
#include "gmock/gmock.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"
#include "ops/op_util.h"
#include "passes/compile.h"

namespace nitro::deploy {
namespace {

using ::testing::HasSubstr;

// `c` without its /* ... */ comments.
std::string WithoutComments(const std::string& c) {
  std::string out;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c.compare(i, 2, "/*") == 0) {
      const size_t end = c.find("*/", i + 2);
      if (end == std::string::npos) break;
      i = end + 1;
      continue;
    }
    out.push_back(c[i]);
  }
  return out;
}

struct Exported {
  LoadedModel model;
  CExport c;
};

// The model at `path`, untrained (initialisers, seed 42), exported at batch size 1.
Exported ExportFile(const std::string& path, CExportOptions options = {}) {
  Exported e;
  auto m = LoadModel({"", "", path, true, 42});
  EXPECT_TRUE(m.ok()) << m.status();
  e.model = std::move(*m);
  auto single = BuildModel(e.model.file, 1);
  EXPECT_TRUE(single.ok()) << single.status();
  auto inference = BuildInferenceGraph(**single, e.model.file.parsed.node_lines);
  EXPECT_TRUE(inference.ok()) << inference.status();
  auto c = ExportC(**inference, e.model.params, options);
  EXPECT_TRUE(c.ok()) << c.status();
  if (c.ok()) e.c = std::move(*c);
  return e;
}

TEST(ExportC, Mlp1SizesTypesAndMemory) {
  const Exported e = ExportFile("models/mlp1_mnist.pbtxt");
  const CExportStats& s = e.c.stats;
  EXPECT_EQ(e.c.name, "mlp1_mnist");
  EXPECT_EQ(s.parameters, 100 * 784 + 50 * 100 + 10 * 50);    // the heads are not part of inference
  EXPECT_EQ(s.parameters_stored_as.at(kInt8), s.parameters);  // Kaiming bounds are at most 64
  EXPECT_EQ(s.weight_bytes, 83900);
  EXPECT_EQ(s.table_bytes, 256);  // one NITRO-ReLU table, alpha_inv 4
  EXPECT_EQ(s.flash_bytes(), 84156);
  EXPECT_EQ(s.scratch_bytes, 150);  // b0.a [100] and b1.a [50] int8
  EXPECT_EQ(s.steps, 3);            // Linear + Scale (+ NitroRelu), fused
  EXPECT_EQ(s.macs, 83900);
  EXPECT_EQ(s.input_size, 784);
  EXPECT_EQ(s.output_size, 10);
  EXPECT_EQ(s.input_shape, (Shape{1, 28, 28}));
  EXPECT_THAT(e.c.header, HasSubstr("int nitro_mlp1_mnist_predict(const int8_t *input, int8_t *logits);"));
  EXPECT_THAT(e.c.header, HasSubstr("#define NITRO_MLP1_MNIST_INPUT_SIZE 784\n"));
  EXPECT_THAT(e.c.header, HasSubstr("#define NITRO_MLP1_MNIST_OUTPUT_SIZE 10\n"));
  EXPECT_THAT(e.c.header, HasSubstr("#define NITRO_MLP1_MNIST_SCRATCH_BYTES 150\n"));
  EXPECT_THAT(e.c.header, HasSubstr(" * parameters   83,900 (stored as int8_t: 83,900)\n"));
  EXPECT_THAT(e.c.source, HasSubstr("static const int8_t w_b0_w[78400] = {"));
  EXPECT_THAT(e.c.source, HasSubstr("static int8_t scratch_int8[150];"));
  EXPECT_THAT(e.c.source, HasSubstr("b0.a: scratch_int8[0 .. 100)"));
  EXPECT_THAT(e.c.source, HasSubstr("b1.a: scratch_int8[100 .. 150)"));
  EXPECT_THAT(e.c.source, HasSubstr("nitro_clip127(nitro_i32(acc) / INT32_C(200704))"));
  EXPECT_FALSE(absl::StrContains(e.c.source, "scratch_int32"));  // no accumulator array
  EXPECT_FALSE(absl::StrContains(e.c.source, "#include <"));     // only its own header, which has <stdint.h>
  const std::string code = WithoutComments(e.c.source + e.c.header);
  EXPECT_FALSE(absl::StrContains(code, "float"));
  EXPECT_FALSE(absl::StrContains(code, "double"));
  EXPECT_THAT(code, HasSubstr("int nitro_mlp1_mnist_predict("));
}

TEST(ExportC, StoresEachParameterInItsNarrowestType) {
  Exported e = ExportFile("models/mlp1_mnist.pbtxt");
  e.model.params.at("b1.w").Set(7, 300);      // int16 now
  e.model.params.at("out.w").Set(0, -70000);  // int32 now
  auto single = BuildModel(e.model.file, 1);
  ASSERT_TRUE(single.ok());
  auto inference = BuildInferenceGraph(**single);
  ASSERT_TRUE(inference.ok());
  auto c = ExportC(**inference, e.model.params);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->stats.weight_bytes, 78400 + 5000 * 2 + 500 * 4);
  EXPECT_THAT(c->source, HasSubstr("static const int16_t w_b1_w[5000] = {"));
  EXPECT_THAT(c->source, HasSubstr("static const int32_t w_out_w[500] = {\n  -70000,"));
}

TEST(ExportC, ConvBlocksNeitherStoreTheAccumulatorNorAnUnreadScaleOutput) {
  const Exported e = ExportFile("tests/tiny_cnn.pbtxt");
  const CExportStats& s = e.c.stats;
  EXPECT_EQ(s.parameters, 72 + 1152 + 8192 + 320);
  // b0.a [8, 8, 8] and b1.a [16, 8, 8] are live together; pool and fc.a reuse b0.a's space.
  EXPECT_EQ(s.scratch_elements, (std::map<DType, int64_t>{{kInt8, 1536}}));
  EXPECT_EQ(s.steps, 5);  // two ConvScaleRelu, MaxPool2D, two Linear (+ Scale, + NitroRelu)
  EXPECT_THAT(e.c.source, HasSubstr("/* b0.s, b0.a = ConvScaleRelu(image, b0.w) */"));
  EXPECT_FALSE(absl::StrContains(e.c.source, "b0.s: scratch"));
}

TEST(ExportC, NameOptionRenamesFunctionMacrosAndNotesGoIntoTheHeader) {
  CExportOptions o;
  o.name = "my-digits";
  o.notes = {"trained on Tuesday"};
  const Exported e = ExportFile("models/mlp1_mnist.pbtxt", o);
  EXPECT_EQ(e.c.name, "my_digits");
  EXPECT_THAT(e.c.header, HasSubstr("int nitro_my_digits_predict(const int8_t *input, int8_t *logits);"));
  EXPECT_THAT(e.c.header, HasSubstr("#ifndef NITRO_MY_DIGITS_H_"));
  EXPECT_THAT(e.c.header, HasSubstr("trained on Tuesday"));
  EXPECT_THAT(e.c.source, HasSubstr("#include \"my_digits.h\""));
}

// A test-only op without a C emitter.
absl::Status NegateShape(ShapeContext& ctx) {
  ctx.set_output(0, kInt8, ctx.input(0).shape);
  return absl::OkStatus();
}
absl::Status NegateKernel(KernelContext&) { return absl::OkStatus(); }
NITRO_REGISTER_OP(OpDef("TestOnlyNegate")
                      .Input("x", {kInt8})
                      .Output("y")
                      .SetShapeFn(NegateShape)
                      .SetKernel(NegateKernel)
                      .NoGradient());

constexpr char kNegateModel[] = R"(name: "neg"
input { name: "x" dtype: INT8 shape: [4] }
node { op: "Flatten" in: "x" out: "f" }
node { op: "TestOnlyNegate" in: "f" out: "y" }
output: "y"
)";

TEST(ExportC, AnOpWithoutAnEmitterIsAnErrorNamingTheNodeAndOp) {
  auto parsed = ParseModelText(kNegateModel, "neg.pbtxt");
  ASSERT_TRUE(parsed.ok());
  ModelFile file{"neg.pbtxt", kNegateModel, *parsed};
  auto model = BuildModel(file, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  auto inference = BuildInferenceGraph(**model, file.parsed.node_lines);
  ASSERT_TRUE(inference.ok()) << inference.status();
  auto c = ExportC(**inference, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "neg.pbtxt:4: node 'y' (TestOnlyNegate): op 'TestOnlyNegate' has no C emitter, so `nitro export-c` "
            "cannot write it as C; register one with NITRO_REGISTER_C_EMITTER next to the op's kernel and link it "
            "in (docs/deploy.md)");
}

TEST(ExportC, NeedsBatchSizeOneAndEveryParameter) {
  auto m = LoadModel({"", "", "models/mlp1_mnist.pbtxt", true, 1});
  ASSERT_TRUE(m.ok());
  auto batch64 = BuildInferenceGraph(*m->graph);
  ASSERT_TRUE(batch64.ok());
  EXPECT_THAT(ExportC(**batch64, m->params).status().message(), HasSubstr("needs the graph at batch size 1, got 64"));
  auto single = BuildModel(m->file, 1);
  ASSERT_TRUE(single.ok());
  auto inference = BuildInferenceGraph(**single);
  ASSERT_TRUE(inference.ok());
  ParamMap params = m->params;
  params.erase("b1.w");
  EXPECT_THAT(ExportC(**inference, params).status().message(), HasSubstr("no tensor for parameter 'b1.w'"));
  params["b1.w"] = Tensor(kInt32, {50, 99});
  EXPECT_THAT(ExportC(**inference, params).status().message(),
              HasSubstr("parameter 'b1.w' is int32 [50, 99], the graph needs int32 [50, 100]"));
}

// The exporter's inference graph is the one the trainer and `nitro eval` run.
TEST(BuildInferenceGraph, EqualsCompileTrainingGraphsInferenceGraphForEveryZooModel) {
  for (const char* path : {"models/mlp1_mnist.pbtxt", "models/mlp2_fmnist.pbtxt", "models/mlp3_mnist.pbtxt",
                           "models/mlp4_cifar10.pbtxt", "models/vgg8b_mnist.pbtxt", "models/vgg8b_cifar10.pbtxt",
                           "models/vgg11b_cifar10.pbtxt", "tests/tiny_cnn.pbtxt"}) {
    auto file = ReadModel(path);
    ASSERT_TRUE(file.ok()) << file.status();
    auto model = BuildModel(*file, 0);
    ASSERT_TRUE(model.ok()) << model.status();
    auto compiled = CompileTrainingGraph(**model);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    auto mine = BuildInferenceGraph(**model, file->parsed.node_lines);
    ASSERT_TRUE(mine.ok()) << mine.status();
    EXPECT_EQ((*mine)->model().SerializeAsString(), compiled->inference->model().SerializeAsString()) << path;
    EXPECT_EQ((*mine)->batch_size(), compiled->inference->batch_size()) << path;
  }
}

}  // namespace
}  // namespace nitro::deploy
