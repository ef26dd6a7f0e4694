// ConvBlockGrad, the fused sparse backward of a conv block below its head pool, through the kernel
// runner: a hand-checked window, bit-identity with MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad
// run one after another (with and without pool padding), and the shape and attribute errors.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "random/default_random.h"
#include "testing/kernel_runner.h"

namespace nitro {
namespace {

std::string PoolAttrs(int64_t pool_pad) {
  return absl::StrCat(R"(attr { name: "kernel" ints { v: [2, 2] } } attr { name: "pad" ints { v: [)", pool_pad, ", ",
                      pool_pad, "] } }");
}

std::string Fused(int64_t pool_pad, int64_t conv_pad = 1, int64_t alpha_inv = 4) {
  return absl::StrCat(R"(op: "ConvBlockGrad" in: "dy" in: "a" in: "s" in: "x" in: "w" out: "g" )", PoolAttrs(pool_pad),
                      R"( attr { name: "alpha_inv" i: )", alpha_inv, R"( } attr { name: "conv_pad" i: )", conv_pad,
                      " }");
}

std::vector<int64_t> Uniform(int64_t n, int64_t lo, int64_t hi, DefaultRandom& rng) {
  std::vector<int64_t> v(n);
  for (auto& e : v) e = lo + static_cast<int64_t>(rng.Bounded(static_cast<uint32_t>(hi - lo)));
  return v;
}

// The block of the hand computation: the 2x2 image 1..4, a 3x3 filter with pad 1 (its values do
// not enter the weight gradient), s = [[-100, -20], [-8, -50]] and a = NitroRelu(s).
TensorMap HandBlock(const Tensor& dy) {
  return {{"dy", dy},
          {"a", Int8({1, 1, 2, 2}, {-61, -41, -38, -48})},
          {"s", Int8({1, 1, 2, 2}, {-100, -20, -8, -50})},
          {"x", Int8({1, 1, 2, 2}, {1, 2, 3, 4})},
          {"w", Int32({1, 1, 3, 3}, std::vector<int64_t>(9, 0))}};
}

TEST(ConvBlockGradTest, HandComputedWindow) {
  // The one 2x2 window's argmax is a = -38 at (1, 0), where s = -8: ds = trunc(-9 / 4) = -2, and
  // g[k, l] = -2·xpad[1 + k, l] with xpad the image padded by 1.
  absl::StatusOr<Tensor> g = RunKernel(Fused(0), HandBlock(Int32({1, 1, 1, 1}, {-9})), "g");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(*g, Int32({1, 1, 3, 3}, {0, -2, -4, 0, -6, -8, 0, 0, 0}));
}

// Random conv block (B = 3, C = 2, 6x6 input, F = 4, 3x3 filters with pad 1), with a = NitroRelu(s)
// and a head-pool delta that is zero in about a quarter of the windows.
void ExpectFusedEqualsChain(int64_t pool_pad) {
  SCOPED_TRACE(absl::StrCat("pool pad ", pool_pad));
  DefaultRandom rng(23 + pool_pad);
  const Tensor x = Int8({3, 2, 6, 6}, Uniform(3 * 2 * 36, -128, 127, rng));
  const Tensor w = Int32({4, 2, 3, 3}, Uniform(4 * 2 * 9, -50, 50, rng));
  const Tensor s = Int8({3, 4, 6, 6}, Uniform(3 * 4 * 36, -127, 127, rng));
  absl::StatusOr<Tensor> a = RunKernel(R"(op: "NitroRelu" in: "s" out: "a")", {{"s", s}}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  const int64_t pooled = (6 + 2 * pool_pad - 2) / 2 + 1;
  std::vector<int64_t> dy_values = Uniform(3 * 4 * pooled * pooled, -1000, 1000, rng);
  for (auto& v : dy_values) v = rng.Bounded(3) == 0 ? 0 : v;
  const Tensor dy = Int32({3, 4, pooled, pooled}, dy_values);

  absl::StatusOr<Tensor> fused = RunKernel(Fused(pool_pad), {{"dy", dy}, {"a", *a}, {"s", s}, {"x", x}, {"w", w}}, "g");
  ASSERT_TRUE(fused.ok()) << fused.status();
  absl::StatusOr<Tensor> da =
      RunKernel(absl::StrCat(R"(op: "MaxPool2DGrad" in: "dy" in: "a" out: "da" )", PoolAttrs(pool_pad)),
                {{"dy", dy}, {"a", *a}}, "da");
  ASSERT_TRUE(da.ok()) << da.status();
  absl::StatusOr<Tensor> ds =
      RunKernel(R"(op: "NitroReluGrad" in: "da" in: "s" out: "ds")", {{"da", *da}, {"s", s}}, "ds");
  ASSERT_TRUE(ds.ok()) << ds.status();
  absl::StatusOr<Tensor> g =
      RunKernel(R"(op: "Conv2DWeightGrad" in: "ds" in: "x" in: "w" out: "g")", {{"ds", *ds}, {"x", x}, {"w", w}}, "g");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(*fused, *g);
  int nonzero = 0;
  for (int64_t i = 0; i < g->size(); ++i) nonzero += g->Get(i) != 0;
  EXPECT_GT(nonzero, g->size() / 2);
}

TEST(ConvBlockGradTest, BitIdenticalToTheUnfusedChain) {
  ExpectFusedEqualsChain(/*pool_pad=*/0);
  ExpectFusedEqualsChain(/*pool_pad=*/1);
}

TEST(ConvBlockGradTest, ShapeAndAttributeErrors) {
  const Tensor dy = Int32({1, 1, 1, 1}, {-9});
  auto error = [](const std::string& node, const TensorMap& inputs) {
    return std::string(KernelRunner::Create(node, inputs).status().message());
  };
  EXPECT_EQ(error(Fused(0), HandBlock(Int32({1, 1, 2, 2}, {1, 2, 3, 4}))),
            "kernel_runner:1: node 'g' (ConvBlockGrad): delta dy has shape [1, 1, 2, 2], expected [1, 1, 1, 1]");
  EXPECT_EQ(error(Fused(0, /*conv_pad=*/-1), HandBlock(dy)),
            "kernel_runner:1: node 'g' (ConvBlockGrad): conv_pad must be in [0, 16], got -1");
  EXPECT_EQ(error(Fused(0, /*conv_pad=*/2), HandBlock(dy)),
            "kernel_runner:1: node 'g' (ConvBlockGrad): block output a has shape [1, 1, 2, 2], expected [1, 1, 4, 4]");
  EXPECT_EQ(error(Fused(0, 1, /*alpha_inv=*/6), HandBlock(dy)),
            "kernel_runner:1: node 'g' (ConvBlockGrad): alpha_inv must be one of 3, 4, 5, 7, 8, 10, 15, 16, 20; got 6");
  EXPECT_EQ(
      error(Fused(/*pool_pad=*/2), HandBlock(dy)),
      "kernel_runner:1: node 'g' (ConvBlockGrad): padding must be in [0, kernel/2] per axis (the reference's rule)");
  TensorMap wrong_s = HandBlock(dy);
  wrong_s["s"] = Int8({1, 1, 2, 1}, {1, 2});
  EXPECT_EQ(error(Fused(0), wrong_s),
            "kernel_runner:1: node 'g' (ConvBlockGrad): block output a [1, 1, 2, 2] and "
            "activation input s [1, 1, 2, 1] must have the same shape");
}

}  // namespace
}  // namespace nitro
