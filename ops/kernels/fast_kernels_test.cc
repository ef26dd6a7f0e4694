// Property tests: every fast kernel equals the portable reference kernel bit for bit, on random
// data and on edge cases whose int32 sums wrap.
#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_im2col.h"
#include "ops/kernels/conv2d_sparse_grad.h"
#include "ops/kernels/linear.h"
#include "ops/kernels/linear_avx2.h"

namespace nitro::kernels {
namespace {

template <typename T>
std::vector<T> Random(std::mt19937_64& gen, int64_t n, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

struct Case {
  int64_t B, I, O;
  int64_t w_lo, w_hi;  // weight range
  int64_t d_lo, d_hi;  // delta range
};

const Case kCases[] = {
    {64, 784, 100, -64, 64, -128, 127},                                // MLP-1 first layer at init
    {8, 33, 7, -32768, 32767, -40000, 40000},                          // odd sizes, int16-range weights
    {5, 17, 3, -(1 << 30), (1 << 30) - 1, -(1 << 30), (1 << 30) - 1},  // wide values: sums wrap
    {64, 1024, 10, -20000, 20000, -128, 127},                          // a head
    {3, 1, 1, -5, 5, -5, 5},                                           // tiny
    {64, 100, 50, 30000, 32767, 500000, 1000000},                      // all large, same sign: wraps
};

TEST(FastKernels, LinearForwardMatchesReference) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 on this machine";
  std::mt19937_64 gen(1);
  for (const Case& c : kCases) {
    SCOPED_TRACE(testing::Message() << c.B << "x" << c.I << "x" << c.O);
    auto w = Random<int32_t>(gen, c.O * c.I, c.w_lo, c.w_hi);
    auto x8 = Random<int8_t>(gen, c.B * c.I, -128, 127);
    auto x16 = Random<int16_t>(gen, c.B * c.I, -32768, 32767);
    std::vector<int32_t> want(c.B * c.O), got(c.B * c.O);
    LinearForward(x8.data(), w.data(), want.data(), c.B, c.I, c.O);
    ASSERT_TRUE(LinearForwardAvx2(x8.data(), w.data(), got.data(), c.B, c.I, c.O));
    EXPECT_EQ(want, got);
    LinearForward(x16.data(), w.data(), want.data(), c.B, c.I, c.O);
    ASSERT_TRUE(LinearForwardAvx2(x16.data(), w.data(), got.data(), c.B, c.I, c.O));
    EXPECT_EQ(want, got);
  }
}

TEST(FastKernels, LinearWeightGradMatchesReference) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 on this machine";
  std::mt19937_64 gen(2);
  for (const Case& c : kCases) {
    SCOPED_TRACE(testing::Message() << c.B << "x" << c.I << "x" << c.O);
    auto d32 = Random<int32_t>(gen, c.B * c.O, c.d_lo, c.d_hi);
    auto d8 = Random<int8_t>(gen, c.B * c.O, -128, 127);
    auto x8 = Random<int8_t>(gen, c.B * c.I, -128, 127);
    auto x16 = Random<int16_t>(gen, c.B * c.I, -32768, 32767);
    std::vector<int32_t> want(c.O * c.I), got(c.O * c.I);
    LinearWeightGrad(d32.data(), x8.data(), want.data(), c.B, c.I, c.O);
    ASSERT_TRUE(LinearWeightGradAvx2(d32.data(), x8.data(), got.data(), c.B, c.I, c.O));
    EXPECT_EQ(want, got);
    LinearWeightGrad(d8.data(), x16.data(), want.data(), c.B, c.I, c.O);
    ASSERT_TRUE(LinearWeightGradAvx2(d8.data(), x16.data(), got.data(), c.B, c.I, c.O));
    EXPECT_EQ(want, got);
    LinearWeightGrad(d32.data(), x16.data(), want.data(), c.B, c.I, c.O);
    ASSERT_TRUE(LinearWeightGradAvx2(d32.data(), x16.data(), got.data(), c.B, c.I, c.O));
    EXPECT_EQ(want, got);
  }
}

TEST(FastKernels, DeclineOperandsBeyondThirtyBits) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 on this machine";
  std::vector<int32_t> w = {1 << 30, 1}, z(1);
  std::vector<int8_t> x = {1, 1};
  EXPECT_FALSE(LinearForwardAvx2(x.data(), w.data(), z.data(), 1, 2, 1));
  std::vector<int32_t> d = {-(1 << 30) - 1};
  std::vector<int32_t> g(2);
  EXPECT_FALSE(LinearWeightGradAvx2(d.data(), x.data(), g.data(), 1, 2, 1));
}

TEST(FastKernels, Conv2DIm2colMatchesReference) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 on this machine";
  std::mt19937_64 gen(4);
  const ConvDims shapes[] = {{2, 1, 28, 28, 8, 3, 3, 1},
                             {3, 5, 7, 9, 6, 3, 3, 1},
                             {70, 4, 2, 2, 5, 3, 3, 1},
                             {2, 3, 6, 5, 4, 3, 3, 0},
                             {1, 2, 4, 4, 3, 1, 1, 0}};
  for (const ConvDims& d : shapes) {
    SCOPED_TRACE(testing::Message() << d.B << "x" << d.C << "x" << d.H << "x" << d.W << " F" << d.F);
    for (int64_t wmax : {int64_t{64}, int64_t{32767}, int64_t{(1 << 30) - 1}}) {
      auto w = Random<int32_t>(gen, d.F * d.C * d.KH * d.KW, -wmax, wmax);
      auto x8 = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
      auto x16 = Random<int16_t>(gen, d.B * d.C * d.H * d.W, -32768, 32767);
      std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo()), got(want.size());
      Conv2DForward(x8.data(), w.data(), want.data(), d);
      ASSERT_TRUE(Conv2DForwardIm2col(x8.data(), w.data(), got.data(), d));
      EXPECT_EQ(want, got);
      Conv2DForward(x16.data(), w.data(), want.data(), d);
      ASSERT_TRUE(Conv2DForwardIm2col(x16.data(), w.data(), got.data(), d));
      EXPECT_EQ(want, got);
    }
  }
}

TEST(FastKernels, Conv2DSparseWeightGradMatchesReference) {
  std::mt19937_64 gen(5);
  const ConvDims shapes[] = {{2, 1, 28, 28, 8, 3, 3, 1},
                             {3, 5, 7, 9, 6, 3, 3, 1},
                             {4, 16, 8, 8, 12, 3, 3, 1},
                             {2, 3, 6, 5, 4, 3, 3, 0},
                             {1, 2, 4, 4, 3, 1, 1, 0}};
  for (const ConvDims& d : shapes) {
    SCOPED_TRACE(testing::Message() << d.B << "x" << d.C << "x" << d.H << "x" << d.W << " F" << d.F);
    const int64_t nz = d.B * d.F * d.Ho() * d.Wo();
    for (int64_t dmax : {int64_t{127}, int64_t{1} << 20, int64_t{INT32_MAX}}) {
      // Sparse deltas (about one in eight non-zero), as after a head max-pool, and dense ones.
      for (int density : {8, 1}) {
        auto d32 = Random<int32_t>(gen, nz, -dmax, dmax);
        for (int64_t k = 0; k < nz; ++k) {
          if (gen() % density != 0) d32[k] = 0;
        }
        auto x8 = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
        auto x16 = Random<int16_t>(gen, d.B * d.C * d.H * d.W, -32768, 32767);
        std::vector<int32_t> want(d.F * d.C * d.KH * d.KW), got(want.size());
        Conv2DWeightGrad(d32.data(), x8.data(), want.data(), d);
        Conv2DWeightGradSparse(d32.data(), x8.data(), got.data(), d);
        EXPECT_EQ(want, got);
        Conv2DWeightGrad(d32.data(), x16.data(), want.data(), d);
        Conv2DWeightGradSparse(d32.data(), x16.data(), got.data(), d);
        EXPECT_EQ(want, got);
      }
    }
  }
}

}  // namespace
}  // namespace nitro::kernels
