// Property tests of the int16 GEMM kernels: on every tier this CPU runs, Conv2D and Linear
// forward, the Linear weight gradient and the sparse patch sums equal the portable reference
// kernels bit for bit, on random data and on data whose int32 sums wrap, for one- and two-plane
// operands, odd edges, and 1 or 2 threads.
#include "ops/kernels/gemm_s16.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_sparse_grad.h"
#include "ops/kernels/linear.h"
#include "tbb/task_arena.h"

namespace nitro::kernels {
namespace {

template <typename T>
std::vector<T> Random(std::mt19937_64& gen, int64_t n, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

// Values drawn from the extremes of the range only, so that products and sums wrap.
template <typename T>
std::vector<T> Extremes(std::mt19937_64& gen, int64_t n, int64_t lo, int64_t hi) {
  const int64_t pool[] = {lo, lo + 1, hi - 1, hi, 0, -1, 1};
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(pool[gen() % 7]);
  return v;
}

// Weight ranges: int8-like (one plane), exactly int16 (one plane), just beyond int16 and the whole
// int32 range (two planes).
struct WeightRange {
  int64_t lo, hi;
  int planes;
};
const WeightRange kWeightRanges[] = {
    {-64, 64, 1}, {INT16_MIN, INT16_MAX, 1}, {-40000, 40000, 2}, {INT32_MIN, INT32_MAX, 2}};

std::string Label(GemmTier t) { return GemmTierName(t); }

TEST(GemmS16, TiersAreConsistent) {
  const std::vector<GemmTier> tiers = RunnableGemmTiers();
  ASSERT_FALSE(tiers.empty());
  EXPECT_EQ(tiers.front(), GemmTier::kScalar);
  const GemmTier active = ActiveGemmTier();
  if (active != GemmTier::kNone) {
    EXPECT_NE(std::find(tiers.begin(), tiers.end(), active), tiers.end());
  }
  // A machine with AVX2 must offer the AVX2 tier.
  if (__builtin_cpu_supports("avx2")) {
    EXPECT_NE(std::find(tiers.begin(), tiers.end(), GemmTier::kAvx2), tiers.end());
  }
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
    EXPECT_NE(std::find(tiers.begin(), tiers.end(), GemmTier::kAvx512Vnni), tiers.end());
  }
  const ConvDims d{1, 2, 3, 3, 4, 3, 3, 1};
  const std::vector<int32_t> w(4 * 2 * 9, 1);
  EXPECT_FALSE(ConvS16(w.data(), d, GemmTier::kNone).ok());
  std::vector<int8_t> x(18, 1);
  std::vector<int32_t> z(36, 7);
  EXPECT_FALSE(Conv2DForwardS16(x.data(), w.data(), z.data(), d, GemmTier::kNone));
  EXPECT_EQ(z, std::vector<int32_t>(36, 7));  // nothing written
  EXPECT_FALSE(LinearForwardS16(x.data(), w.data(), z.data(), 1, 18, 2, GemmTier::kNone));
}

struct LinearCase {
  int64_t B, I, O;
};
const LinearCase kLinearCases[] = {
    {64, 784, 100},  // MLP-1 first layer
    {64, 4096, 10},  // a head
    {7, 33, 17},     // odd everything
    {1, 1, 1},       // tiny
    {9, 2, 49},      // short K, columns just past three vectors
    {13, 1025, 65},  // odd K beyond a power of two
};

TEST(GemmS16, LinearMatchesReference) {
  std::mt19937_64 gen(11);
  for (GemmTier tier : RunnableGemmTiers()) {
    for (const LinearCase& c : kLinearCases) {
      for (const WeightRange& wr : kWeightRanges) {
        SCOPED_TRACE(testing::Message() << Label(tier) << " " << c.B << "x" << c.I << "x" << c.O << " w in [" << wr.lo
                                        << ", " << wr.hi << "]");
        auto w = Random<int32_t>(gen, c.O * c.I, wr.lo, wr.hi);
        auto x8 = Random<int8_t>(gen, c.B * c.I, -128, 127);
        auto x16 = Random<int16_t>(gen, c.B * c.I, INT16_MIN, INT16_MAX);
        std::vector<int32_t> want(c.B * c.O), got(c.B * c.O, 0x5a5a5a5a);
        LinearForward(x8.data(), w.data(), want.data(), c.B, c.I, c.O);
        ASSERT_TRUE(LinearForwardS16(x8.data(), w.data(), got.data(), c.B, c.I, c.O, tier));
        EXPECT_EQ(want, got);
        LinearForward(x16.data(), w.data(), want.data(), c.B, c.I, c.O);
        ASSERT_TRUE(LinearForwardS16(x16.data(), w.data(), got.data(), c.B, c.I, c.O, tier));
        EXPECT_EQ(want, got);
      }
    }
  }
}

// Weights at ±2^31 and activations at ±2^15 with a long K: every product and sum wraps.
TEST(GemmS16, LinearWrapsLikeReference) {
  std::mt19937_64 gen(12);
  const int64_t B = 11, I = 3001, O = 37;
  for (GemmTier tier : RunnableGemmTiers()) {
    SCOPED_TRACE(Label(tier));
    auto w = Extremes<int32_t>(gen, O * I, INT32_MIN, INT32_MAX);
    auto x16 = Extremes<int16_t>(gen, B * I, INT16_MIN, INT16_MAX);
    auto x8 = Extremes<int8_t>(gen, B * I, INT8_MIN, INT8_MAX);
    std::vector<int32_t> want(B * O), got(B * O);
    LinearForward(x16.data(), w.data(), want.data(), B, I, O);
    ASSERT_TRUE(LinearForwardS16(x16.data(), w.data(), got.data(), B, I, O, tier));
    EXPECT_EQ(want, got);
    LinearForward(x8.data(), w.data(), want.data(), B, I, O);
    ASSERT_TRUE(LinearForwardS16(x8.data(), w.data(), got.data(), B, I, O, tier));
    EXPECT_EQ(want, got);
    // All −2^15 activations against all −2^15 weights: each pair sum is exactly 2^31.
    std::vector<int32_t> wm(O * I, INT16_MIN);
    std::vector<int16_t> xm(B * I, INT16_MIN);
    LinearForward(xm.data(), wm.data(), want.data(), B, I, O);
    ASSERT_TRUE(LinearForwardS16(xm.data(), wm.data(), got.data(), B, I, O, tier));
    EXPECT_EQ(want, got);
  }
}

// The weight gradient on every tier: int8 and int32 deltas (one plane, and two once some delta
// passes int16, up to the whole int32 range) against int8 and int16 inputs, equal to the
// reference on the Linear shapes above (odd batches included).
TEST(GemmS16, LinearWeightGradMatchesReference) {
  std::mt19937_64 gen(13);
  const WeightRange kDeltaRanges[] = {{-64, 64, 1}, {INT16_MIN, INT16_MAX, 1}, {-40000, 40000, 2},
                                      {INT32_MIN, INT32_MAX, 2}};
  for (GemmTier tier : RunnableGemmTiers()) {
    for (const LinearCase& c : kLinearCases) {
      SCOPED_TRACE(testing::Message() << Label(tier) << " " << c.B << "x" << c.I << "x" << c.O);
      auto x8 = Random<int8_t>(gen, c.B * c.I, -128, 127);
      auto x16 = Random<int16_t>(gen, c.B * c.I, INT16_MIN, INT16_MAX);
      auto d8 = Random<int8_t>(gen, c.B * c.O, -128, 127);
      std::vector<int32_t> want(c.O * c.I), got(c.O * c.I, 0x5a5a5a5a);
      LinearWeightGrad(d8.data(), x8.data(), want.data(), c.B, c.I, c.O);
      ASSERT_TRUE(LinearWeightGradS16(d8.data(), x8.data(), got.data(), c.B, c.I, c.O, tier));
      EXPECT_EQ(want, got);
      LinearWeightGrad(d8.data(), x16.data(), want.data(), c.B, c.I, c.O);
      ASSERT_TRUE(LinearWeightGradS16(d8.data(), x16.data(), got.data(), c.B, c.I, c.O, tier));
      EXPECT_EQ(want, got);
      for (const WeightRange& dr : kDeltaRanges) {
        SCOPED_TRACE(testing::Message() << "dz in [" << dr.lo << ", " << dr.hi << "]");
        auto d32 = Random<int32_t>(gen, c.B * c.O, dr.lo, dr.hi);
        LinearWeightGrad(d32.data(), x8.data(), want.data(), c.B, c.I, c.O);
        ASSERT_TRUE(LinearWeightGradS16(d32.data(), x8.data(), got.data(), c.B, c.I, c.O, tier));
        EXPECT_EQ(want, got);
        LinearWeightGrad(d32.data(), x16.data(), want.data(), c.B, c.I, c.O);
        ASSERT_TRUE(LinearWeightGradS16(d32.data(), x16.data(), got.data(), c.B, c.I, c.O, tier));
        EXPECT_EQ(want, got);
      }
    }
  }
}

// Deltas at the ends of int32 and inputs at ±2^15 over a long batch: every sum wraps; all −2^15
// pairs make each pair sum exactly 2^31.
TEST(GemmS16, LinearWeightGradWrapsLikeReference) {
  std::mt19937_64 gen(14);
  const int64_t B = 301, I = 67, O = 29;
  for (GemmTier tier : RunnableGemmTiers()) {
    SCOPED_TRACE(Label(tier));
    auto d32 = Extremes<int32_t>(gen, B * O, INT32_MIN, INT32_MAX);
    auto x16 = Extremes<int16_t>(gen, B * I, INT16_MIN, INT16_MAX);
    std::vector<int32_t> want(O * I), got(O * I);
    LinearWeightGrad(d32.data(), x16.data(), want.data(), B, I, O);
    ASSERT_TRUE(LinearWeightGradS16(d32.data(), x16.data(), got.data(), B, I, O, tier));
    EXPECT_EQ(want, got);
    std::vector<int32_t> dm(B * O, INT16_MIN);
    std::vector<int16_t> xm(B * I, INT16_MIN);
    LinearWeightGrad(dm.data(), xm.data(), want.data(), B, I, O);
    ASSERT_TRUE(LinearWeightGradS16(dm.data(), xm.data(), got.data(), B, I, O, tier));
    EXPECT_EQ(want, got);
  }
  std::vector<int8_t> d(4, 1), x(4, 1);
  std::vector<int32_t> g(4, 7);
  EXPECT_FALSE(LinearWeightGradS16(d.data(), x.data(), g.data(), 2, 2, 2, GemmTier::kNone));
  EXPECT_EQ(g, std::vector<int32_t>(4, 7));  // nothing written
}

// The weights are packed 16 at a time where they can be: a single weight outside int16, at any
// position of a row (vector body, pair tail, odd last column) and in any row, must still turn the
// second plane on.
TEST(GemmS16, OneWideWeightAnywhereTakesTheSecondPlane) {
  std::mt19937_64 gen(13);
  const int64_t B = 3, O = 3;
  for (GemmTier tier : RunnableGemmTiers()) {
    for (int64_t I : {16, 33, 47, 64}) {
      for (int64_t p = 0; p < O * I; ++p) {
        SCOPED_TRACE(testing::Message() << Label(tier) << " I " << I << " wide weight at " << p);
        auto w = Random<int32_t>(gen, O * I, INT16_MIN, INT16_MAX);
        w[p] = p % 2 ? INT16_MAX + 1 : INT16_MIN - 1;
        auto x = Random<int16_t>(gen, B * I, INT16_MIN, INT16_MAX);
        std::vector<int32_t> want(B * O), got(B * O);
        LinearForward(x.data(), w.data(), want.data(), B, I, O);
        ASSERT_TRUE(LinearForwardS16(x.data(), w.data(), got.data(), B, I, O, tier));
        ASSERT_EQ(want, got);
      }
    }
  }
}

// The weight split at the int16 boundary and at the ends of int32, one weight at a time.
TEST(GemmS16, PlaneSplitIsExactAtBoundaries) {
  const int32_t special[] = {
      0,     1,      -1,        INT16_MAX,  INT16_MIN, INT16_MAX + 1, INT16_MIN - 1,     65535,
      65536, -65536, (1 << 30), -(1 << 30), INT32_MAX, INT32_MIN,     INT32_MAX - 32767, INT32_MIN + 32768};
  const int16_t xs[] = {1, -1, 3, INT16_MAX, INT16_MIN};
  for (GemmTier tier : RunnableGemmTiers()) {
    for (int32_t wv : special) {
      SCOPED_TRACE(testing::Message() << Label(tier) << " w " << wv);
      std::vector<int32_t> w(5, wv), want(1), got(1);
      std::vector<int16_t> x(xs, xs + 5);
      LinearForward(x.data(), w.data(), want.data(), 1, 5, 1);
      ASSERT_TRUE(LinearForwardS16(x.data(), w.data(), got.data(), 1, 5, 1, tier));
      EXPECT_EQ(want, got);
    }
  }
}

const ConvDims kConvShapes[] = {
    {2, 1, 28, 28, 8, 3, 3, 1},   // MNIST first layer shape, C = 1
    {3, 3, 9, 7, 20, 3, 3, 1},    // C = 3, odd spatial sizes, F past one vector
    {2, 128, 8, 8, 36, 3, 3, 1},  // C = 128, small image
    {2, 128, 4, 4, 16, 3, 3, 0},  // pad 0 (2×2 output)
    {3, 5, 7, 9, 6, 3, 3, 1},     // odd C
    {70, 4, 2, 2, 5, 3, 3, 1},    // more images than rows of a tile per output row
    {2, 3, 6, 5, 4, 3, 3, 0},     // pad 0, odd sizes
    {1, 2, 4, 4, 3, 1, 1, 0},     // 1×1 kernel
    {2, 6, 5, 5, 50, 3, 1, 2},    // non-square kernel, pad 2
    {1, 16, 1, 1, 49, 3, 3, 1},   // 1×1 image: every tap but the centre is padding
};

TEST(GemmS16, Conv2DMatchesReference) {
  std::mt19937_64 gen(13);
  for (GemmTier tier : RunnableGemmTiers()) {
    for (const ConvDims& d : kConvShapes) {
      for (const WeightRange& wr : kWeightRanges) {
        SCOPED_TRACE(testing::Message() << Label(tier) << " " << d.B << "x" << d.C << "x" << d.H << "x" << d.W << " F"
                                        << d.F << " k" << d.KH << "x" << d.KW << " pad " << d.pad << " w in [" << wr.lo
                                        << ", " << wr.hi << "]");
        auto w = Random<int32_t>(gen, d.F * d.C * d.KH * d.KW, wr.lo, wr.hi);
        auto x8 = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
        auto x16 = Random<int16_t>(gen, d.B * d.C * d.H * d.W, INT16_MIN, INT16_MAX);
        std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo()), got(want.size(), 0x5a5a5a5a);
        const ConvS16 conv(w.data(), d, tier);
        ASSERT_TRUE(conv.ok());
        EXPECT_EQ(conv.planes(), wr.planes);
        Conv2DForward(x8.data(), w.data(), want.data(), d);
        ASSERT_TRUE(conv.Forward(x8.data(), got.data(), d.B));
        EXPECT_EQ(want, got);
        Conv2DForward(x16.data(), w.data(), want.data(), d);
        ASSERT_TRUE(conv.Forward(x16.data(), got.data(), d.B));
        EXPECT_EQ(want, got);
      }
    }
  }
}

TEST(GemmS16, Conv2DWrapsLikeReference) {
  std::mt19937_64 gen(14);
  const ConvDims d{2, 64, 6, 6, 24, 3, 3, 1};  // K = 576: sums of ±2^31·2^15 products wrap
  for (GemmTier tier : RunnableGemmTiers()) {
    SCOPED_TRACE(Label(tier));
    auto w = Extremes<int32_t>(gen, d.F * d.C * 9, INT32_MIN, INT32_MAX);
    auto x16 = Extremes<int16_t>(gen, d.B * d.C * d.H * d.W, INT16_MIN, INT16_MAX);
    std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo()), got(want.size());
    Conv2DForward(x16.data(), w.data(), want.data(), d);
    ASSERT_TRUE(Conv2DForwardS16(x16.data(), w.data(), got.data(), d, tier));
    EXPECT_EQ(want, got);
  }
}

// One packing serves batches of different sizes; the converted images are processed in groups,
// which a large batch of big images spans several of.
TEST(GemmS16, ConvPackedOnceServesManyBatches) {
  std::mt19937_64 gen(15);
  const ConvDims d{40, 32, 16, 16, 40, 3, 3, 1};
  auto w = Random<int32_t>(gen, d.F * d.C * 9, -300, 300);
  auto x = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
  std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo());
  Conv2DForward(x.data(), w.data(), want.data(), d);
  for (GemmTier tier : RunnableGemmTiers()) {
    SCOPED_TRACE(Label(tier));
    const ConvS16 conv(w.data(), d, tier);
    std::vector<int32_t> got(want.size());
    const int64_t per_in = d.C * d.H * d.W, per_out = d.F * d.Ho() * d.Wo();
    ASSERT_TRUE(conv.Forward(x.data(), got.data(), 3));
    ASSERT_TRUE(conv.Forward(x.data() + 3 * per_in, got.data() + 3 * per_out, d.B - 3));
    EXPECT_EQ(want, got);
  }
}

// Results are identical for 1 and 2 threads (and equal to the reference).
// The portable meaning of PatchSumS8: one delta times one row at a time.
std::vector<uint32_t> PatchSumReference(std::vector<uint32_t> acc, const std::vector<int32_t>& d,
                                        const std::vector<int64_t>& off, const std::vector<int8_t>& x, int64_t rows,
                                        int64_t len, int64_t stride) {
  for (size_t p = 0; p < d.size(); ++p) {
    for (int64_t k = 0; k < rows; ++k) MacRowU32(acc.data() + k * len, d[p], x.data() + off[p] + k * stride, len);
  }
  return acc;
}

TEST(GemmS16, PatchSumMatchesReference) {
  std::mt19937_64 gen(17);
  // Delta ranges: int16 (one product per pair), just beyond it and the whole int32 range (the Hi16
  // part too), and extremes only, where the pair products and the sums wrap.
  const int64_t kDeltaRanges[][2] = {{-300, 300}, {INT16_MIN, INT16_MAX}, {-70000, 70000}, {INT32_MIN, INT32_MAX}};
  for (GemmTier tier : RunnableGemmTiers()) {
    for (int64_t len : {1, 9, 15, 16, 17, 48, 64, 80, 100, 384}) {
      for (int64_t rows : {1, 3}) {
        for (int64_t n : {0, 1, 2, 3, 7, 8, 9, 17}) {
          for (int r = 0; r < 5; ++r) {
            const int64_t stride = len + 5, span = (rows - 1) * stride + len, size = span + 200;
            const std::vector<int8_t> x = r < 4 ? Random<int8_t>(gen, size, -128, 127)
                                                : Extremes<int8_t>(gen, size, -128, 127);
            const std::vector<int32_t> d = r < 4 ? Random<int32_t>(gen, n, kDeltaRanges[r][0], kDeltaRanges[r][1])
                                                 : Extremes<int32_t>(gen, n, INT32_MIN, INT32_MAX);
            std::vector<int64_t> off(n);
            for (auto& o : off) o = static_cast<int64_t>(gen() % (size - span + 1));
            if (n >= 2) off[1] = off[0];  // two patches at the same place
            const std::vector<uint32_t> init = Random<uint32_t>(gen, rows * len, 0, UINT32_MAX);
            std::vector<uint32_t> got = init;
            ASSERT_TRUE(PatchSumS8(got.data(), d.data(), off.data(), n, x.data(), rows, len, stride, tier));
            ASSERT_EQ(got, PatchSumReference(init, d, off, x, rows, len, stride))
                << Label(tier) << " len " << len << " rows " << rows << " n " << n << " data " << r;
          }
        }
      }
    }
  }
  std::vector<uint32_t> acc(4);
  const int32_t d = 1;
  const int64_t off = 0;
  const int8_t x[4] = {1, 2, 3, 4};
  EXPECT_FALSE(PatchSumS8(acc.data(), &d, &off, 1, x, 1, 4, 4, GemmTier::kNone));
  EXPECT_EQ(acc, std::vector<uint32_t>(4, 0u));
}

// The sparse weight gradient, whose int8 inputs take PatchSumS8 on the active tier, against the
// dense portable Conv2DWeightGrad, with padding 0, 1 and 2 and sparse int32 deltas.
TEST(GemmS16, SparseWeightGradMatchesDense) {
  std::mt19937_64 gen(23);
  for (int64_t pad : {0, 1, 2}) {
    for (int64_t C : {1, 3, 16, 21}) {
      const ConvDims d{3, C, 7, 6, 5, 3, 3, pad};
      const std::vector<int8_t> x = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
      std::vector<int32_t> dz = Random<int32_t>(gen, d.B * d.F * d.Ho() * d.Wo(), INT32_MIN, INT32_MAX);
      for (auto& v : dz) {
        if (gen() % 4 != 0) v = 0;  // a quarter of the deltas non-zero
      }
      std::vector<int32_t> want(d.F * d.C * d.KH * d.KW), got(want.size());
      Conv2DWeightGrad(dz.data(), x.data(), want.data(), d);
      Conv2DWeightGradSparse(dz.data(), x.data(), got.data(), d);
      EXPECT_EQ(got, want) << "pad " << pad << " C " << C;
    }
  }
}

TEST(GemmS16, ThreadCountDoesNotChangeResults) {
  std::mt19937_64 gen(16);
  const ConvDims d{4, 48, 12, 12, 72, 3, 3, 1};
  auto w = Random<int32_t>(gen, d.F * d.C * 9, -70000, 70000);
  auto x = Random<int8_t>(gen, d.B * d.C * d.H * d.W, -128, 127);
  std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo());
  Conv2DForward(x.data(), w.data(), want.data(), d);
  const int64_t B = 64, I = 1000, O = 90;
  auto lw = Random<int32_t>(gen, O * I, -500, 500);
  auto lx = Random<int8_t>(gen, B * I, -128, 127);
  std::vector<int32_t> lwant(B * O);
  LinearForward(lx.data(), lw.data(), lwant.data(), B, I, O);
  for (GemmTier tier : RunnableGemmTiers()) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(testing::Message() << Label(tier) << " threads " << threads);
      tbb::task_arena arena(threads);
      std::vector<int32_t> got(want.size()), lgot(lwant.size());
      arena.execute([&] {
        ASSERT_TRUE(Conv2DForwardS16(x.data(), w.data(), got.data(), d, tier));
        ASSERT_TRUE(LinearForwardS16(lx.data(), lw.data(), lgot.data(), B, I, O, tier));
      });
      EXPECT_EQ(want, got);
      EXPECT_EQ(lwant, lgot);
    }
  }
}

}  // namespace
}  // namespace nitro::kernels
