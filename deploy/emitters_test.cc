// The built-in emitters' code for the cases the zoo does not show: MaxPool2D padding values,
// unfused accumulators, stand-alone Scale and NitroRelu, int16 values and aliases. That the code
// computes nitro's values is //deploy:host_c_test's job, on the same models.
#include <string>

#include "deploy/c_exporter.h"
#include "deploy/model_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nitro::deploy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The C export of the model at `path`, built at batch 1 as `nitro export-c` builds it.
absl::StatusOr<CExport> Export(const std::string& path) {
  auto m = LoadModel({"", "", path, true, 7});
  if (!m.ok()) return m.status();
  auto single = BuildModel(m->file, 1);
  if (!single.ok()) return single.status();
  auto inference = BuildInferenceGraph(**single, m->file.parsed.node_lines);
  if (!inference.ok()) return inference.status();
  return ExportC(**inference, m->params);
}

std::string Source(const std::string& path) {
  auto c = Export(path);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? c->source : "";
}

TEST(Emitters, MaxPoolPadsInt32WithInt32MinAndSmallerTypesWithZero) {
  const std::string c = Source("deploy/testdata/ops_a.pbtxt");
  EXPECT_THAT(c, HasSubstr("/* p0 = MaxPool2D(z0) */"));
  EXPECT_THAT(
      c, HasSubstr("const int32_t v = (r < 0 || r >= 9 || q < 0 || q >= 9) ? INT32_MIN : x[(p * 9 + r) * 9 + q];"));
  EXPECT_THAT(c, HasSubstr("const int32_t v = (r < 0 || r >= 5 || q < 0 || q >= 5) ? 0 : x[(p * 5 + r) * 5 + q];"));
  EXPECT_THAT(c, HasSubstr("const int32_t v = x[(p * 1 + r) * 2 + q];"));  // no padding: no bounds check
}

TEST(Emitters, DropoutIsAnAliasAndItsInt16ConsumersGetInt16Storage) {
  const std::string c = Source("deploy/testdata/ops_a.pbtxt");
  EXPECT_THAT(c, Not(HasSubstr("Dropout(")));                      // no step of its own
  EXPECT_THAT(c, HasSubstr("/* p1 = MaxPool2D(d0) */"));           // reads a0's int8 elements
  EXPECT_THAT(c, HasSubstr("static int16_t scratch_int16[24];"));  // p1 is int16, as nitro types it
  EXPECT_THAT(c, HasSubstr("/* s1, a1 = ConvScaleRelu(p1, c1.w) */\n  {\n    const int16_t *x = scratch_int16;"));
  EXPECT_THAT(c, HasSubstr("nitro_relu_table_a3[s[n] + 128]"));  // stand-alone NitroRelu, alpha_inv 3
  EXPECT_THAT(c, HasSubstr("nitro_relu_table_a20[sv + 128]"));   // fused, alpha_inv 20
}

TEST(Emitters, AnAccumulatorReadTwiceIsStoredAndScaledOnItsOwn) {
  const std::string c = Source("deploy/testdata/ops_b.pbtxt");
  EXPECT_THAT(c, HasSubstr("scratch_int32[o] = nitro_i32(acc);"));
  EXPECT_THAT(c, HasSubstr("/* s0 = Scale(z0) */"));
  EXPECT_THAT(c, HasSubstr("(int8_t)nitro_clip127((int32_t)z[n] / INT32_C(16777216));"));
  // The output is Flatten(z1): z1 lives in scratch and is copied to the logits.
  EXPECT_THAT(c, HasSubstr("for (int32_t n = 0; n < 4; ++n) logits[n] = (int32_t)"));
  EXPECT_THAT(c, HasSubstr("int nitro_ops_b_predict(const int8_t *input, int32_t *logits)"));
}

TEST(Emitters, AConvScaleReluWithFusedPoolsIsRefused) {
  auto c = Export("deploy/testdata/conv_pools.pbtxt");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("has fused max pools (pooled outputs), which the C export does not emit; write the pools as "
                        "MaxPool2D nodes reading a"));
}

}  // namespace
}  // namespace nitro::deploy
