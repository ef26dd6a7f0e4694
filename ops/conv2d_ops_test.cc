// Conv2D, Conv2DWeightGrad and Conv2DInputGrad (spec §2.2: stride 1, zero padding on every side,
// cross-correlation, int32 wrap) through the kernel runner.
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

constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();

std::string Conv(int pad) {
  return absl::StrCat(R"(op: "Conv2D" in: "x" in: "w" out: "z" attr { name: "pad" i: )", pad, " }");
}
std::string WeightGrad(int pad) {
  return absl::StrCat(R"(op: "Conv2DWeightGrad" in: "dz" in: "x" in: "w" out: "g" attr { name: "pad" i: )", pad, " }");
}
std::string InputGrad(int pad) {
  return absl::StrCat(R"(op: "Conv2DInputGrad" in: "dz" in: "w" in: "x" out: "dx" attr { name: "pad" i: )", pad, " }");
}

// x = [[1, 2], [3, 4]], one image and channel.
Tensor SmallImage() { return Int8({1, 1, 2, 2}, {1, 2, 3, 4}); }

TEST(Conv2DTest, CrossCorrelatesWithoutPadding) {
  // 2x2 kernel over a 3x3 image: z[i, j] = Σ w[k, l]·x[i + k, j + l], no kernel flip.
  absl::StatusOr<Tensor> z = RunKernel(
      Conv(0), {{"x", Int8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}, {"w", Int32({1, 1, 2, 2}, {1, 2, 3, 4})}}, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(*z, Int32({1, 1, 2, 2}, {1 + 4 + 12 + 20, 2 + 6 + 15 + 24, 4 + 10 + 21 + 32, 5 + 12 + 24 + 36}));
}

TEST(Conv2DTest, ZeroPaddingOnEverySide) {
  // 3x3 kernel 1..9 over the 2x2 image with pad 1: each output sees the image through the
  // kernel's 2x2 corner opposite to it, e.g. z[0, 0] = 5·1 + 6·2 + 8·3 + 9·4.
  absl::StatusOr<Tensor> z =
      RunKernel(Conv(1), {{"x", SmallImage()}, {"w", Int32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}}, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(*z, Int32({1, 1, 2, 2}, {77, 67, 47, 37}));
}

TEST(Conv2DTest, SumsOverChannelsPerFilter) {
  // x: channel 0 = 1..4, channel 1 = -1..-4; a 2x2 kernel covers the whole image.
  const Tensor x = Int8({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -4});
  const Tensor w = Int32({2, 2, 2, 2}, {1, 1, 1, 1, 1, 0, 0, 0,    // filter 0: 10 + (-1)
                                        0, 0, 0, 1, 2, 2, 2, 2});  // filter 1: 4 + 2·(-10)
  absl::StatusOr<Tensor> z = RunKernel(Conv(0), {{"x", x}, {"w", w}}, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(*z, Int32({1, 2, 1, 1}, {9, -16}));
}

TEST(Conv2DTest, WrapsModulo2To32) {
  absl::StatusOr<Tensor> z =
      RunKernel(Conv(0), {{"x", Int8({1, 1, 1, 2}, {127, 127})}, {"w", Int32({1, 1, 1, 2}, {kMax32, kMax32})}}, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(*z, Int32({1, 1, 1, 1}, {-254}));  // 254·(2^31 - 1) = 127·2^32 - 254
}

TEST(Conv2DTest, ShapeAndAttributeErrors) {
  const Tensor w = Int32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto error = [&](const std::string& node, const Tensor& x) {
    return std::string(KernelRunner::Create(node, {{"x", x}, {"w", w}}).status().message());
  };
  EXPECT_EQ(error(Conv(-1), SmallImage()), "kernel_runner:1: node 'z' (Conv2D): pad must be in [0, 16], got -1");
  EXPECT_EQ(error(Conv(17), SmallImage()), "kernel_runner:1: node 'z' (Conv2D): pad must be in [0, 16], got 17");
  EXPECT_EQ(error(Conv(0), Int8({1, 3, 2, 2}, std::vector<int64_t>(12, 1))),
            "kernel_runner:1: node 'z' (Conv2D): input x has 3 channels but weight w [1, 1, 2, 2] expects 1");
  EXPECT_EQ(error(Conv(0), Int8({1, 1, 1, 4}, {1, 2, 3, 4})),
            "kernel_runner:1: node 'z' (Conv2D): the kernel is larger than the padded input");
  EXPECT_EQ(error(Conv(0), Int8({1, 4}, {1, 2, 3, 4})),
            "kernel_runner:1: node 'z' (Conv2D): input x must have rank 4, got shape [1, 4]");
}

// One 2x2 filter over the 2x2 image with pad 1 (z is 3x3), and a delta that is non-zero at three
// positions: dz[0, 0] = 1, dz[1, 1] = 2, dz[2, 2] = -1.
const Tensor& SparseDelta() {
  static const Tensor* const kDelta = new Tensor(Int32({1, 1, 3, 3}, {1, 0, 0, 0, 2, 0, 0, 0, -1}));
  return *kDelta;
}
Tensor SmallFilter() { return Int32({1, 1, 2, 2}, {1, 2, 3, 4}); }

TEST(Conv2DTest, GradientRuleEmitsTheInputAndWeightGradients) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(Conv(1), {{"x", SmallImage()}, {"w", SmallFilter()}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("z", SparseDelta());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("Conv2DInputGrad", "Conv2DWeightGrad"));
  ASSERT_EQ(g->emitted[1].attr_size(), 1);
  EXPECT_EQ(g->emitted[1].attr(0).i(), 1);  // the forward pad is passed on
  // dW[k, l] = Σ dz[i, j]·xpad[i + k, j + l]: 1·[[0, 0], [0, 1]] + 2·[[1, 2], [3, 4]] - [[4, 0], [0, 0]].
  EXPECT_EQ(g->Of("w"), Int32({1, 1, 2, 2}, {-2, 4, 6, 9}));
  // dx[y, x] = Σ dz[i, j]·w[y - i + pad, x - j + pad]: 1·w[1, 1] at (0, 0), 2·w everywhere, -w[0, 0] at (1, 1).
  EXPECT_EQ(g->Of("x"), Int32({1, 1, 2, 2}, {6, 4, 6, 7}));
}

TEST(Conv2DWeightGradTest, MatchesTheHandComputationAndWraps) {
  absl::StatusOr<Tensor> g =
      RunKernel(WeightGrad(1), {{"dz", SparseDelta()}, {"x", SmallImage()}, {"w", SmallFilter()}}, "g");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(*g, Int32({1, 1, 2, 2}, {-2, 4, 6, 9}));
  // An int8 delta; the sum 2·(2^31 - 1) wraps to -2.
  absl::StatusOr<Tensor> wrapped = RunKernel(WeightGrad(0),
                                             {{"dz", Int8({1, 1, 1, 2}, {1, 1})},
                                              {"x", Int32({1, 1, 1, 2}, {kMax32, kMax32})},
                                              {"w", Int32({1, 1, 1, 1}, {0})}},
                                             "g");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(*wrapped, Int32({1, 1, 1, 1}, {-2}));
}

TEST(Conv2DWeightGradTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(WeightGrad(1),
                                 {{"dz", Int32({1, 1, 2, 2}, {1, 2, 3, 4})}, {"x", SmallImage()}, {"w", SmallFilter()}})
                .status()
                .message(),
            "kernel_runner:1: node 'g' (Conv2DWeightGrad): delta dz has shape [1, 1, 2, 2], expected [1, 1, 3, 3]");
}

TEST(Conv2DInputGradTest, MatchesTheHandComputation) {
  absl::StatusOr<Tensor> dx =
      RunKernel(InputGrad(1), {{"dz", SparseDelta()}, {"w", SmallFilter()}, {"x", SmallImage()}}, "dx");
  ASSERT_TRUE(dx.ok()) << dx.status();
  EXPECT_EQ(*dx, Int32({1, 1, 2, 2}, {6, 4, 6, 7}));
}

TEST(Conv2DInputGradTest, ShapeAndAttributeErrors) {
  EXPECT_EQ(KernelRunner::Create(
                InputGrad(1),
                {{"dz", Int32({1, 2, 3, 3}, std::vector<int64_t>(18, 1))}, {"w", SmallFilter()}, {"x", SmallImage()}})
                .status()
                .message(),
            "kernel_runner:1: node 'dx' (Conv2DInputGrad): delta dz has shape [1, 2, 3, 3], expected [1, 1, 3, 3]");
  EXPECT_EQ(KernelRunner::Create(InputGrad(-2), {{"dz", SparseDelta()}, {"w", SmallFilter()}, {"x", SmallImage()}})
                .status()
                .message(),
            "kernel_runner:1: node 'dx' (Conv2DInputGrad): pad must be in [0, 16], got -2");
}

}  // namespace
}  // namespace nitro
