// Linear, LinearInputGrad and LinearWeightGrad (spec §2.1) through the kernel runner: hand-checked
// int32 products with wrap-around, the shape errors, and Linear's gradient rule.
#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "random/default_random.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();
constexpr char kLinear[] = R"(op: "Linear" in: "x" in: "w" out: "y")";
constexpr char kInputGrad[] = R"(op: "LinearInputGrad" in: "dz" in: "w" out: "dx")";
constexpr char kWeightGrad[] = R"(op: "LinearWeightGrad" in: "dz" in: "x" out: "g")";

// x [2, 3] and w [2, 3] of the hand computations below.
TensorMap LinearInputs() {
  return {{"x", Int8({2, 3}, {1, -2, 3, -4, 5, -6})}, {"w", Int32({2, 3}, {1, 2, 3, -1, 0, 2})}};
}

TEST(LinearTest, MultipliesByTheTransposedWeights) {
  // y[b, o] = Σ_i x[b, i]·w[o, i]: 1 - 4 + 9, -1 + 0 + 6; -4 + 10 - 18, 4 + 0 - 12.
  absl::StatusOr<Tensor> y = RunKernel(kLinear, LinearInputs(), "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int32({2, 2}, {6, 5, -12, -8}));
}

TEST(LinearTest, Int16InputAndWrapAround) {
  absl::StatusOr<Tensor> y16 =
      RunKernel(kLinear, {{"x", Int16({1, 2}, {300, -1000})}, {"w", Int32({1, 2}, {7, 3})}}, "y");
  ASSERT_TRUE(y16.ok()) << y16.status();
  EXPECT_EQ(*y16, Int32({1, 1}, {2100 - 3000}));
  // 127·(2^31 - 1)·2 = 127·2^32 - 254 ≡ -254 (mod 2^32).
  absl::StatusOr<Tensor> wrapped =
      RunKernel(kLinear, {{"x", Int8({1, 2}, {127, 127})}, {"w", Int32({1, 2}, {kMax32, kMax32})}}, "y");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(*wrapped, Int32({1, 1}, {-254}));
}

// A layer wide enough that the op takes the int16 GEMM where the CPU has AVX-512 VNNI
// (kernels::LinearPrefersGemm), and whatever fast kernel it has otherwise: Linear and
// LinearWeightGrad equal a plain int64 sum wrapped to int32, on full-range int32 weights and deltas.
TEST(LinearTest, WideLayersEqualThePlainWrappedSum) {
  const int64_t B = 16, I = 300, O = 80;
  DefaultRandom rng(5);
  auto draw = [&](int64_t n, int64_t lo, int64_t span) {
    std::vector<int64_t> v(n);
    for (auto& e : v) e = rng.RandInt(lo, lo + span);
    return v;
  };
  const std::vector<int64_t> x = draw(B * I, -128, 256), w = draw(O * I, kMin32, int64_t{1} << 32),
                             dz = draw(B * O, kMin32, int64_t{1} << 32);
  auto wrap = [](int64_t v) { return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))); };
  std::vector<int64_t> y(B * O), g(O * I);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t o = 0; o < O; ++o) {
      uint64_t sum = 0;
      for (int64_t i = 0; i < I; ++i) sum += static_cast<uint64_t>(x[b * I + i] * w[o * I + i]);
      y[b * O + o] = wrap(static_cast<int64_t>(sum));
    }
  }
  for (int64_t o = 0; o < O; ++o) {
    for (int64_t i = 0; i < I; ++i) {
      uint64_t sum = 0;
      for (int64_t b = 0; b < B; ++b) sum += static_cast<uint64_t>(dz[b * O + o] * x[b * I + i]);
      g[o * I + i] = wrap(static_cast<int64_t>(sum));
    }
  }
  absl::StatusOr<Tensor> got_y = RunKernel(kLinear, {{"x", Int8({B, I}, x)}, {"w", Int32({O, I}, w)}}, "y");
  ASSERT_TRUE(got_y.ok()) << got_y.status();
  EXPECT_EQ(*got_y, Int32({B, O}, y));
  absl::StatusOr<Tensor> got_g = RunKernel(kWeightGrad, {{"dz", Int32({B, O}, dz)}, {"x", Int8({B, I}, x)}}, "g");
  ASSERT_TRUE(got_g.ok()) << got_g.status();
  EXPECT_EQ(*got_g, Int32({O, I}, g));
}

TEST(LinearTest, ShapeErrors) {
  EXPECT_EQ(KernelRunner::Create(kLinear, {{"x", Int8({1, 3}, {1, 2, 3})}, {"w", Int32({2, 2}, {1, 2, 3, 4})}})
                .status()
                .message(),
            "kernel_runner:1: node 'y' (Linear): input x has 3 features but weight w [2, 2] expects 2");
  EXPECT_EQ(KernelRunner::Create(kLinear, {{"x", Int8({1, 1, 3}, {1, 2, 3})}, {"w", Int32({2, 3}, {1, 2, 3, 4, 5, 6})}})
                .status()
                .message(),
            "kernel_runner:1: node 'y' (Linear): input x must have rank 2, got shape [1, 1, 3]");
}

TEST(LinearTest, GradientRuleEmitsTheInputAndWeightDeltas) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kLinear, LinearInputs());
  ASSERT_TRUE(r.ok()) << r.status();
  const Tensor dz = Int32({2, 2}, {1, -1, 2, 0});
  absl::StatusOr<Gradients> g = r->Gradient("y", dz);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("LinearInputGrad", "LinearWeightGrad"));
  // dx = dz·w: [1·(1,2,3) - (-1,0,2)], [2·(1,2,3)].
  EXPECT_EQ(g->Of("x"), Int32({2, 3}, {2, 2, 1, 2, 4, 6}));
  // dW = dzᵀ·x: [x0 + 2·x1], [-x0]; not divided by the batch size.
  EXPECT_EQ(g->Of("w"), Int32({2, 3}, {-7, 8, -9, -1, 2, -3}));
  // The same as the backward ops run directly.
  absl::StatusOr<Tensor> dx = RunKernel(kInputGrad, {{"dz", dz}, {"w", LinearInputs().at("w")}}, "dx");
  ASSERT_TRUE(dx.ok()) << dx.status();
  EXPECT_EQ(*dx, g->Of("x"));
}

TEST(LinearTest, AtTheBlockBoundaryOnlyTheWeightGradientIsEmitted) {
  absl::StatusOr<KernelRunner> r = KernelRunner::Create(kLinear, LinearInputs());
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<Gradients> g = r->Gradient("y", Int32({2, 2}, {1, -1, 2, 0}), /*wrt=*/{"w"});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("LinearWeightGrad"));
  EXPECT_TRUE(g->Of("x").empty());
}

TEST(LinearInputGradTest, ValuesAndWrap) {
  // dx[b, i] = Σ_o dz[b, o]·w[o, i], with an int8 delta (the loss error).
  absl::StatusOr<Tensor> dx =
      RunKernel(kInputGrad, {{"dz", Int8({1, 2}, {3, -2})}, {"w", Int32({2, 2}, {1, 10, 100, 1000})}}, "dx");
  ASSERT_TRUE(dx.ok()) << dx.status();
  EXPECT_EQ(*dx, Int32({1, 2}, {3 - 200, 30 - 2000}));
  // (-2^31)·(-1) = 2^31 ≡ -2^31.
  absl::StatusOr<Tensor> wrapped =
      RunKernel(kInputGrad, {{"dz", Int32({1, 1}, {kMin32})}, {"w", Int32({1, 1}, {-1})}}, "dx");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(*wrapped, Int32({1, 1}, {kMin32}));
}

TEST(LinearInputGradTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kInputGrad, {{"dz", Int32({1, 3}, {1, 2, 3})}, {"w", Int32({2, 1}, {1, 2})}})
                .status()
                .message(),
            "kernel_runner:1: node 'dx' (LinearInputGrad): delta dz and weight w disagree on the output size");
}

TEST(LinearWeightGradTest, ValuesAndWrap) {
  // g[o, i] = Σ_b dz[b, o]·x[b, i] over a batch of 2.
  absl::StatusOr<Tensor> g =
      RunKernel(kWeightGrad, {{"dz", Int32({2, 1}, {2, -3})}, {"x", Int16({2, 2}, {1000, -1, 10, 7})}}, "g");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(*g, Int32({1, 2}, {2000 - 30, -2 - 21}));
  // 2·(2^31 - 1) = 2^32 - 2 ≡ -2.
  absl::StatusOr<Tensor> wrapped =
      RunKernel(kWeightGrad, {{"dz", Int32({1, 1}, {kMax32})}, {"x", Int8({1, 1}, {2})}}, "g");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(*wrapped, Int32({1, 1}, {-2}));
}

TEST(LinearWeightGradTest, ShapeError) {
  EXPECT_EQ(KernelRunner::Create(kWeightGrad, {{"dz", Int32({2, 1}, {1, 2})}, {"x", Int8({3, 1}, {1, 2, 3})}})
                .status()
                .message(),
            "kernel_runner:1: node 'g' (LinearWeightGrad): delta dz and input x disagree on the batch size");
}

TEST(LinearGradOpsTest, HaveNoGradient) {
  absl::StatusOr<KernelRunner> r =
      KernelRunner::Create(kWeightGrad, {{"dz", Int32({1, 1}, {1})}, {"x", Int8({1, 1}, {1})}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Gradient("g", Int32({1, 1}, {1})).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace nitro
