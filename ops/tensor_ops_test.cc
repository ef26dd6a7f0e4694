// Flatten, Reshape and Add through the kernel runner: row-major data movement, int32 wrap-around
// sums, and their gradient rules (Flatten emits a Reshape back, Add passes the delta to both).
#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();

constexpr char kFlatten[] = R"(op: "Flatten" in: "x" out: "y")";
constexpr char kReshape[] = R"(op: "Reshape" in: "x" in: "like" out: "y")";
constexpr char kAdd[] = R"(op: "Add" in: "a" in: "b" out: "y")";

TEST(FlattenTest, KeepsTheBatchAndTheBytes) {
  // [B, C, H, W] -> [B, C·H·W] with flat index c·H·W + h·W + w; the dtype is kept.
  absl::StatusOr<Tensor> y = RunKernel(kFlatten, {{"x", Int16({2, 2, 1, 2}, {1, 2, 3, 4, -5, -6, 7, 300})}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int16({2, 4}, {1, 2, 3, 4, -5, -6, 7, 300}));
}

TEST(FlattenTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kFlatten, {{"x", Int8({}, {1})}}).status().message(),
            "kernel_runner:1: node 'y' (Flatten): input x must have a batch dimension");
}

TEST(FlattenTest, GradientReshapesTheDeltaBack) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kFlatten, {{"x", Int8({2, 2, 1, 1}, {1, 2, 3, 4})}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("y", Int32({2, 2}, {-1, 2, -3, kMax32}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("Reshape"));
  EXPECT_EQ(g->Of("x"), Int32({2, 2, 1, 1}, {-1, 2, -3, kMax32}));
}

TEST(ReshapeTest, TakesTheShapeOfLikeAndKeepsItsDtype) {
  absl::StatusOr<Tensor> y = RunKernel(
      kReshape, {{"x", Int32({2, 3}, {1, 2, 3, 4, 5, 6})}, {"like", Int8({3, 1, 2}, {0, 0, 0, 0, 0, 0})}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int32({3, 1, 2}, {1, 2, 3, 4, 5, 6}));
}

TEST(ReshapeTest, ShapeError) {
  EXPECT_EQ(
      KernelRunner::Create(kReshape, {{"x", Int32({2, 3}, {1, 2, 3, 4, 5, 6})}, {"like", Int8({4}, {0, 0, 0, 0})}})
          .status()
          .message(),
      "kernel_runner:1: node 'y' (Reshape): cannot reshape [2, 3] to [4]");
}

TEST(AddTest, WidensToInt32AndWraps) {
  absl::StatusOr<Tensor> y =
      RunKernel(kAdd, {{"a", Int8({4}, {1, -2, 127, -128})}, {"b", Int32({4}, {kMax32, 5, 1, kMin32})}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  // 1 + (2^31 - 1) wraps to -2^31, -128 + (-2^31) to 2^31 - 128.
  EXPECT_EQ(*y, Int32({4}, {kMin32, 3, 128, kMax32 - 127}));
}

TEST(AddTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kAdd, {{"a", Int32({2}, {1, 2})}, {"b", Int32({3}, {1, 2, 3})}}).status().message(),
            "kernel_runner:1: node 'y' (Add): a [2] and b [3] must have the same shape");
}

TEST(AddTest, GradientGoesToBothInputsUnchanged) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kAdd, {{"a", Int32({2}, {1, 2})}, {"b", Int16({2}, {3, 4})}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("y", Int32({2}, {-7, 9}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->emitted, IsEmpty());
  EXPECT_EQ(g->Of("a"), Int32({2}, {-7, 9}));
  EXPECT_EQ(g->Of("b"), Int32({2}, {-7, 9}));
}

TEST(ReshapeTest, HasNoGradient) {
  absl::StatusOr<KernelRunner> r =
      KernelRunner::Create(kReshape, {{"x", Int32({2}, {1, 2})}, {"like", Int8({2}, {0, 0})}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Gradient("y", Int32({2}, {1, 1})).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace nitro
