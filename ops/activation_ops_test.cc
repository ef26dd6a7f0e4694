// Scale (NITRO Scaling, spec §2.3), NitroRelu and NitroReluGrad (spec §2.4) through the kernel
// runner: truncating division, symmetric saturation, the mean correction and the derivative table.
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();

std::string ScaleNode(int64_t divisor) {
  return absl::StrCat(R"(op: "Scale" in: "z" out: "s" attr { name: "divisor" i: )", divisor, " }");
}
std::string ReluNode(int64_t alpha_inv) {
  return absl::StrCat(R"(op: "NitroRelu" in: "s" out: "a" attr { name: "alpha_inv" i: )", alpha_inv, " }");
}
constexpr char kReluGrad[] = R"(op: "NitroReluGrad" in: "da" in: "s" out: "ds")";

TEST(ScaleTest, TruncatesTowardZero) {
  absl::StatusOr<Tensor> s = RunKernel(ScaleNode(256), {{"z", Int32({6}, {0, 255, 256, -255, -256, -257})}}, "s");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, Int8({6}, {0, 0, 1, 0, -1, -1}));
}

TEST(ScaleTest, SaturatesSymmetricallyNeverToMinus128) {
  // 127·256 = 32512 is the last exact value; -32768 / 256 = -128 clips to -127.
  absl::StatusOr<Tensor> s =
      RunKernel(ScaleNode(256), {{"z", Int32({6}, {32512, 32767, 32768, -32768, kMin32, kMax32})}}, "s");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, Int8({6}, {127, 127, 127, -127, -127, 127}));
}

TEST(ScaleTest, AttributeAndDtypeErrors) {
  EXPECT_EQ(KernelRunner::Create(ScaleNode(0), {{"z", Int32({1}, {1})}}).status().message(),
            "kernel_runner:1: node 's' (Scale): divisor must be positive (256·fan_in), got 0");
  EXPECT_EQ(KernelRunner::Create(ScaleNode(256), {{"z", Int8({1}, {1})}}).status().message(),
            "kernel_runner:1: node 's' (Scale): input 'z' ('z') has dtype int8, expected int32");
}

TEST(ScaleTest, GradientIsTheIdentity) {
  // No 1/divisor and no clip mask (spec §10.5): the rule emits nothing and passes the delta on.
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(ScaleNode(256), {{"z", Int32({3}, {100000, -5, 0})}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("s", Int32({3}, {-9, 8, 7}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->emitted, IsEmpty());
  EXPECT_EQ(g->Of("z"), Int32({3}, {-9, 8, 7}));
}

// Spec §2.4's worked values for alpha_inv 4 (c = 36), and -128, which clips to -127 first.
TEST(NitroReluTest, WorkedValuesForAlpha4) {
  absl::StatusOr<Tensor> a =
      RunKernel(ReluNode(4), {{"s", Int8({11}, {-128, -127, -5, -4, -3, -2, -1, 0, 1, 126, 127})}}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, Int8({11}, {-67, -67, -37, -37, -36, -36, -36, -36, -35, 90, 91}));
}

TEST(NitroReluTest, OtherSlopeUsesItsOwnMeanCorrection) {
  // alpha_inv 3, c = 31: trunc(-127/3) - 31 = -73, trunc(-3/3) - 31 = -32, trunc(-2/3) - 31 = -31.
  absl::StatusOr<Tensor> a = RunKernel(ReluNode(3), {{"s", Int8({4}, {-127, -3, -2, 127})}}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, Int8({4}, {-73, -32, -31, 96}));
}

TEST(NitroReluTest, AttributeAndDtypeErrors) {
  EXPECT_EQ(KernelRunner::Create(ReluNode(6), {{"s", Int8({1}, {1})}}).status().message(),
            "kernel_runner:1: node 'a' (NitroRelu): alpha_inv must be one of 3, 4, 5, 7, 8, 10, 15, 16, 20; got 6");
  EXPECT_EQ(KernelRunner::Create(ReluNode(4), {{"s", Int32({1}, {1})}}).status().message(),
            "kernel_runner:1: node 'a' (NitroRelu): input 's' ('s') has dtype int32, expected int8");
}

// The derivative δ / g(s): g = 1 on [0, 126], alpha_inv on [-127, -1], 2^31 - 1 at 127 and -128.
const Tensor& ReluInputs() {
  static const Tensor* const kS = new Tensor(Int8({10}, {-128, -127, -5, -4, -3, -1, 0, 1, 126, 127}));
  return *kS;
}
const Tensor& ReluDeltas() {
  static const Tensor* const kDa = new Tensor(Int32({10}, {7, 7, -7, 7, -7, 7, 7, -7, 7, 7}));
  return *kDa;
}
const Tensor& ReluDerivative() {
  static const Tensor* const kDs = new Tensor(Int32({10}, {0, 1, -1, 1, -1, 1, 7, -7, 7, 0}));
  return *kDs;
}

TEST(NitroReluTest, GradientRuleEmitsNitroReluGrad) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(ReluNode(4), {{"s", ReluInputs()}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("a", ReluDeltas());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("NitroReluGrad"));
  EXPECT_THAT(g->emitted[0].in(), ElementsAre("a/grad", "s"));
  EXPECT_EQ(g->Of("s"), ReluDerivative());
}

TEST(NitroReluGradTest, DerivativeTable) {
  absl::StatusOr<Tensor> ds = RunKernel(kReluGrad, {{"da", ReluDeltas()}, {"s", ReluInputs()}}, "ds");
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(*ds, ReluDerivative());
  // At 127 only |δ| >= 2^31 - 1 survives: trunc(-2^31 / (2^31 - 1)) = -1. alpha_inv 8 divides the negatives.
  absl::StatusOr<Tensor> edge =
      RunKernel(R"(op: "NitroReluGrad" in: "da" in: "s" out: "ds" attr { name: "alpha_inv" i: 8 })",
                {{"da", Int32({4}, {kMin32, kMax32, 15, -17})}, {"s", Int8({4}, {127, 127, -1, -127})}}, "ds");
  ASSERT_TRUE(edge.ok()) << edge.status();
  EXPECT_EQ(*edge, Int32({4}, {-1, 1, 1, -2}));
  // An int8 delta is widened exactly.
  absl::StatusOr<Tensor> narrow =
      RunKernel(kReluGrad, {{"da", Int8({2}, {-128, 127})}, {"s", Int8({2}, {5, -5})}}, "ds");
  ASSERT_TRUE(narrow.ok()) << narrow.status();
  EXPECT_EQ(*narrow, Int32({2}, {-128, 31}));
}

TEST(NitroReluGradTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kReluGrad, {{"da", Int32({3}, {1, 2, 3})}, {"s", Int8({4}, {1, 2, 3, 4})}})
                .status()
                .message(),
            "kernel_runner:1: node 'ds' (NitroReluGrad): delta da [3] and input s [4] must have the same shape");
}

}  // namespace
}  // namespace nitro
