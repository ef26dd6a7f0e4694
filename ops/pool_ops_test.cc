// MaxPool2D and MaxPool2DGrad (spec §2.5: stride = kernel, pad value 0 for int8/int16 and -2^31
// for int32, first maximum in row-major window order, deltas on padding lost) through the runner.
#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();

constexpr char kPool[] = R"(op: "MaxPool2D" in: "x" out: "y" attr { name: "kernel" ints { v: [2, 2] } })";
constexpr char kPaddedPool[] = R"(op: "MaxPool2D" in: "x" out: "y" attr { name: "kernel" ints { v: [2, 2] } } )"
                               R"(attr { name: "pad" ints { v: [1, 1] } })";
constexpr char kPoolGrad[] =
    R"(op: "MaxPool2DGrad" in: "dy" in: "x" out: "dx" attr { name: "kernel" ints { v: [2, 2] } })";
constexpr char kPaddedPoolGrad[] =
    R"(op: "MaxPool2DGrad" in: "dy" in: "x" out: "dx" attr { name: "kernel" ints { v: [2, 2] } } )"
    R"(attr { name: "pad" ints { v: [1, 1] } })";

// A 4x4 image whose top-right window holds its maximum 7 twice (the first, at (1, 2), wins).
Tensor Image() {
  return Int8({1, 1, 4, 4}, {1, 5, -3, 2,    //
                             4, 2, 7, 7,     //
                             0, -1, -8, -9,  //
                             -2, 3, -7, -6});
}

TEST(MaxPool2DTest, MaxOfEachWindow) {
  absl::StatusOr<Tensor> y = RunKernel(kPool, {{"x", Image()}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int8({1, 1, 2, 2}, {5, 7, 3, -6}));
}

TEST(MaxPool2DTest, PaddingIsZeroForInt8) {
  // Padded to 6x6 with 0: the bottom-left and bottom-right windows hold only negatives and padding.
  absl::StatusOr<Tensor> y = RunKernel(kPaddedPool, {{"x", Image()}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int8({1, 1, 3, 3}, {1, 5, 2, 4, 7, 7, 0, 3, 0}));
  // Spec §2.5: a 2x2 image of -5 with pad 1 gives 0 everywhere, but -5 for int32 (pad -2^31).
  absl::StatusOr<Tensor> y8 = RunKernel(kPaddedPool, {{"x", Int8({1, 1, 2, 2}, {-5, -5, -5, -5})}}, "y");
  ASSERT_TRUE(y8.ok()) << y8.status();
  EXPECT_EQ(*y8, Int8({1, 1, 2, 2}, {0, 0, 0, 0}));
  absl::StatusOr<Tensor> y32 = RunKernel(kPaddedPool, {{"x", Int32({1, 1, 2, 2}, {-5, -5, -5, kMin32})}}, "y");
  ASSERT_TRUE(y32.ok()) << y32.status();
  EXPECT_EQ(*y32, Int32({1, 1, 2, 2}, {-5, -5, -5, kMin32}));
}

TEST(MaxPool2DTest, TrailingRowsAndColumnsAreDropped) {
  absl::StatusOr<Tensor> y = RunKernel(kPool, {{"x", Int16({1, 1, 3, 3}, {1, 2, 99, 3, 4, 99, 99, 99, 99})}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int16({1, 1, 1, 1}, {4}));
}

TEST(MaxPool2DTest, AttributeErrors) {
  auto error = [](const std::string& attrs, const Tensor& x) {
    return std::string(KernelRunner::Create(std::string(R"(op: "MaxPool2D" in: "x" out: "y" )") + attrs, {{"x", x}})
                           .status()
                           .message());
  };
  const Tensor x = Image();
  EXPECT_EQ(error(R"(attr { name: "kernel" ints { v: [2] } })", x),
            "kernel_runner:1: node 'y' (MaxPool2D): kernel and pad must each hold two integers (height, width)");
  EXPECT_EQ(error(R"(attr { name: "kernel" ints { v: [0, 2] } })", x),
            "kernel_runner:1: node 'y' (MaxPool2D): kernel sizes must be in [1, 2^20]");
  EXPECT_EQ(error(R"(attr { name: "kernel" ints { v: [2, 2] } } attr { name: "pad" ints { v: [2, 0] } })", x),
            "kernel_runner:1: node 'y' (MaxPool2D): padding must be in [0, kernel/2] per axis (the reference's rule)");
  EXPECT_EQ(error(R"(attr { name: "kernel" ints { v: [5, 5] } })", x),
            "kernel_runner:1: node 'y' (MaxPool2D): the pooling window 5x5 is larger than the padded input 4x4");
  EXPECT_EQ(error("", x),
            "kernel_runner:1: node 'y' (MaxPool2D): missing required attribute 'kernel' (int list (ints { v: ... }))");
}

TEST(MaxPool2DTest, GradientRoutesEachDeltaToItsWindowsFirstArgmax) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kPool, {{"x", Image()}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("y", Int32({1, 1, 2, 2}, {10, 20, 30, 40}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("MaxPool2DGrad"));
  EXPECT_EQ(g->Of("x"), Int32({1, 1, 4, 4}, {0, 10, 0, 0,  //
                                             0, 0, 20, 0,  //
                                             0, 0, 0, 0,   //
                                             0, 30, 0, 40}));
}

TEST(MaxPool2DGradTest, DeltasOnPaddingAreLost) {
  // The padded pool above: windows (2, 0) and (2, 2) pick a padded cell, so deltas 7 and 9 vanish.
  absl::StatusOr<Tensor> dx =
      RunKernel(kPaddedPoolGrad, {{"dy", Int8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}, {"x", Image()}}, "dx");
  ASSERT_TRUE(dx.ok()) << dx.status();
  EXPECT_EQ(*dx, Int32({1, 1, 4, 4}, {1, 2, 0, 3,  //
                                      4, 0, 5, 6,  //
                                      0, 0, 0, 0,  //
                                      0, 8, 0, 0}));
}

TEST(MaxPool2DGradTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kPoolGrad, {{"dy", Int32({1, 1, 3, 3}, std::vector<int64_t>(9, 1))}, {"x", Image()}})
                .status()
                .message(),
            "kernel_runner:1: node 'dx' (MaxPool2DGrad): delta dy has shape [1, 1, 3, 3], expected [1, 1, 2, 2]");
}

}  // namespace
}  // namespace nitro
