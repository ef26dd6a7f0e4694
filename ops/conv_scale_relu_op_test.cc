// ConvScaleRelu, the fused forward of a conv block (Conv2D → Scale → NitroRelu), through the kernel
// runner: hand-checked values, bit-identity with the three ops run one after another (and with
// MaxPool2D of a for the fused pools), and errors.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "random/default_random.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

std::string Fused(int64_t pad, int64_t divisor, int64_t alpha_inv) {
  return absl::StrCat(R"(op: "ConvScaleRelu" in: "x" in: "w" out: "s" out: "a" attr { name: "pad" i: )", pad,
                      R"( } attr { name: "divisor" i: )", divisor, R"( } attr { name: "alpha_inv" i: )", alpha_inv,
                      " }");
}

// Uniform values in [lo, hi] from `rng`.
std::vector<int64_t> Uniform(int64_t n, int64_t lo, int64_t hi, DefaultRandom& rng) {
  std::vector<int64_t> v(n);
  for (auto& e : v) e = lo + static_cast<int64_t>(rng.Bounded(static_cast<uint32_t>(hi - lo)));
  return v;
}

TEST(ConvScaleReluTest, HandComputedBlock) {
  // Filter 0 is 1..9 and filter 1 is -3·(1..9) over the 2x2 image 1..4 with pad 1:
  // z = [77, 67, 47, 37] and [-231, -201, -141, -111]; s = trunc(z / 10);
  // a = s - 36 for s >= 0, trunc(s / 4) - 36 below.
  std::vector<int64_t> w;
  for (int k = 1; k <= 9; ++k) w.push_back(k);
  for (int k = 1; k <= 9; ++k) w.push_back(-3 * k);
  absl::StatusOr<KernelRunner> r =
      KernelRunner::Create(Fused(1, 10, 4), {{"x", Int8({1, 1, 2, 2}, {1, 2, 3, 4})}, {"w", Int32({2, 1, 3, 3}, w)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->Run().ok());
  EXPECT_EQ(r->Output("s"), Int8({1, 2, 2, 2}, {7, 6, 4, 3, -23, -20, -14, -11}));
  EXPECT_EQ(r->Output("a"), Int8({1, 2, 2, 2}, {-29, -30, -32, -33, -41, -41, -39, -38}));
}

TEST(ConvScaleReluTest, BitIdenticalToTheThreeOps) {
  // 32x32 outputs: 4 images per chunk, so the batch of 6 takes two chunks (4 + 2). The divisor is
  // small enough that both clips of Scale are reached.
  DefaultRandom rng(11);
  const Tensor x = Int8({6, 2, 32, 32}, Uniform(6 * 2 * 32 * 32, -128, 127, rng));
  const Tensor w = Int32({3, 2, 3, 3}, Uniform(3 * 2 * 9, -64, 64, rng));
  absl::StatusOr<KernelRunner> fused = KernelRunner::Create(Fused(1, 64, 4), {{"x", x}, {"w", w}});
  ASSERT_TRUE(fused.ok()) << fused.status();
  ASSERT_TRUE(fused->Run().ok());

  absl::StatusOr<Tensor> z =
      RunKernel(R"(op: "Conv2D" in: "x" in: "w" out: "z" attr { name: "pad" i: 1 })", {{"x", x}, {"w", w}}, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  absl::StatusOr<Tensor> s =
      RunKernel(R"(op: "Scale" in: "z" out: "s" attr { name: "divisor" i: 64 })", {{"z", *z}}, "s");
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<Tensor> a = RunKernel(R"(op: "NitroRelu" in: "s" out: "a")", {{"s", *s}}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(fused->Output("s"), *s);
  EXPECT_EQ(fused->Output("a"), *a);
  int saturated = 0;
  for (int64_t i = 0; i < s->size(); ++i) saturated += s->Get(i) == 127 || s->Get(i) == -127;
  EXPECT_GT(saturated, 0);
}

// Fused(1, 64, 4) with pooled outputs p0, p1, ... and the given pool attributes.
std::string FusedWithPools(int pools, const std::string& kernels, const std::string& pads) {
  std::string node = Fused(1, 64, 4);
  for (int k = 0; k < pools; ++k) absl::StrAppend(&node, " out: \"p", k, "\"");
  return absl::StrCat(node, R"( attr { name: "pool_kernels" ints { v: [)", kernels,
                      R"(] } } attr { name: "pool_pads" ints { v: [)", pads, "] } }");
}

TEST(ConvScaleReluTest, FusedPoolsEqualMaxPool2DOfTheActivation) {
  // Two chunks (4 + 2 images) and three pools: the VGG8B block-1 head (8x8), the pool to the next
  // block (2x2) and a padded 3x3 pool whose windows leave the last row and column out.
  DefaultRandom rng(13);
  const Tensor x = Int8({6, 2, 32, 32}, Uniform(6 * 2 * 32 * 32, -128, 127, rng));
  const Tensor w = Int32({3, 2, 3, 3}, Uniform(3 * 2 * 9, -64, 64, rng));
  absl::StatusOr<KernelRunner> fused =
      KernelRunner::Create(FusedWithPools(3, "8, 8, 2, 2, 3, 3", "0, 0, 0, 0, 1, 1"), {{"x", x}, {"w", w}});
  ASSERT_TRUE(fused.ok()) << fused.status();
  ASSERT_TRUE(fused->Run().ok());
  const Tensor a = fused->Output("a");
  const char* pools[] = {R"(attr { name: "kernel" ints { v: [8, 8] } })",
                         R"(attr { name: "kernel" ints { v: [2, 2] } })",
                         R"(attr { name: "kernel" ints { v: [3, 3] } } attr { name: "pad" ints { v: [1, 1] } })"};
  for (int k = 0; k < 3; ++k) {
    absl::StatusOr<Tensor> p =
        RunKernel(absl::StrCat(R"(op: "MaxPool2D" in: "a" out: "p" )", pools[k]), {{"a", a}}, "p");
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(fused->Output(absl::StrCat("p", k)), *p) << "pool " << k;
  }
  EXPECT_EQ(fused->Output("p2").shape(), (Shape{6, 3, 11, 11}));
}

TEST(ConvScaleReluTest, FusedPoolErrors) {
  const Tensor x = Int8({1, 1, 4, 4}, std::vector<int64_t>(16, 1));
  const Tensor w = Int32({1, 1, 3, 3}, std::vector<int64_t>(9, 1));
  auto error = [&](const std::string& node) {
    return std::string(KernelRunner::Create(node, {{"x", x}, {"w", w}}).status().message());
  };
  EXPECT_EQ(error(FusedWithPools(1, "2, 2, 2, 2", "0, 0")),
            "kernel_runner:1: node 's' (ConvScaleRelu): names 1 pooled output(s), so pool_kernels and pool_pads must "
            "hold 2 integers each (height, width per pool); they hold 4 and 2");
  EXPECT_EQ(error(FusedWithPools(2, "2, 2, 8, 2", "0, 0, 0, 0")),
            "kernel_runner:1: node 's' (ConvScaleRelu): pool 1: the pooling window 8x2 is larger than the padded "
            "input 4x4");
  EXPECT_EQ(error(FusedWithPools(1, "2, 2", "0, 2")),
            "kernel_runner:1: node 's' (ConvScaleRelu): pool 0: padding must be in [0, kernel/2] per axis (the "
            "reference's rule)");
}

TEST(ConvScaleReluTest, ShapeAndAttributeErrors) {
  const Tensor x = Int8({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor w = Int32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto error = [&](const std::string& node, const Tensor& input) {
    return std::string(KernelRunner::Create(node, {{"x", input}, {"w", w}}).status().message());
  };
  EXPECT_EQ(error(Fused(17, 10, 4), x), "kernel_runner:1: node 's' (ConvScaleRelu): pad must be in [0, 16], got 17");
  EXPECT_EQ(error(Fused(1, 10, 4), Int8({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})),
            "kernel_runner:1: node 's' (ConvScaleRelu): input x has 2 channels but weight w [1, 1, 3, 3] expects 1");
  EXPECT_EQ(error(Fused(0, 10, 4), x),
            "kernel_runner:1: node 's' (ConvScaleRelu): the kernel is larger than the padded input");
  EXPECT_EQ(error(Fused(1, 0, 4), x),
            "kernel_runner:1: node 's' (ConvScaleRelu): divisor must be positive (256·fan_in), got 0");
  EXPECT_EQ(error(Fused(1, 10, 6), x),
            "kernel_runner:1: node 's' (ConvScaleRelu): alpha_inv must be one of 3, 4, 5, 7, 8, 10, 15, 16, 20; got 6");
}

}  // namespace
}  // namespace nitro
