// Tests of the element-wise kernels against the spec's worked values and their defining formulas.
#include "ops/kernels/elementwise.h"

#include <climits>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace nitro::kernels {
namespace {

TEST(NitroRelu, WorkedValuesOfTheSpec) {
  // spec §2.4: s = -5 or -4 -> -37; -3, -1, 0 -> -36; 1 -> -35; 126 -> 90; 127 -> 91; -127 -> -67.
  const std::vector<int8_t> s = {-5, -4, -3, -1, 0, 1, 126, 127, -127, -128};
  const std::vector<int8_t> want = {-37, -37, -36, -36, -36, -35, 90, 91, -67, -67};
  std::vector<int8_t> a(s.size());
  NitroRelu(s.data(), a.data(), s.size(), 4);
  EXPECT_EQ(a, want);
}

TEST(NitroRelu, TableEqualsFormulaForEverySlope) {
  for (int alpha : {3, 4, 5, 7, 8, 10, 15, 16, 20}) {
    std::vector<int8_t> s(256), a(256);
    for (int v = 0; v < 256; ++v) s[v] = static_cast<int8_t>(v - 128);
    NitroRelu(s.data(), a.data(), 256, alpha);
    const int c = NitroReluMeanCorrection(alpha);
    for (int v = -128; v < 128; ++v) {
      const int64_t pos = v < 0 ? 0 : v;
      const int64_t clipped = v < -127 ? -127 : (v > 0 ? 0 : v);
      ASSERT_EQ(a[v + 128], static_cast<int8_t>(pos + clipped / alpha - c)) << "alpha " << alpha << " s " << v;
    }
  }
}

TEST(NitroReluGrad, PiecewiseDivisorOfTheReference) {
  // spec §2.4: delta = +-7 gives 1, 1, 1, -1, -1, 7, 7, 7, 0 for s = -127, -5, -4, -3, -1, 0, 1, 126, 127.
  const std::vector<int8_t> s = {-127, -5, -4, -3, -1, 0, 1, 126, 127};
  const std::vector<int32_t> da(s.size(), 7);
  std::vector<int32_t> ds(s.size());
  NitroReluGrad(da.data(), s.data(), ds.data(), s.size(), 4);
  EXPECT_EQ(ds, (std::vector<int32_t>{1, 1, 1, 1, 1, 7, 7, 7, 0}));
  const std::vector<int32_t> neg(s.size(), -7);
  NitroReluGrad(neg.data(), s.data(), ds.data(), s.size(), 4);
  EXPECT_EQ(ds, (std::vector<int32_t>{-1, -1, -1, -1, -1, -7, -7, -7, 0}));
  // At the top and at -128 the divisor is 2^31 - 1: only |delta| >= 2^31 - 1 survives.
  const std::vector<int8_t> top = {127, 127, 127, -128};
  const std::vector<int32_t> big = {INT32_MIN, INT32_MAX, -5, 2147483647};
  std::vector<int32_t> out(4);
  NitroReluGrad(big.data(), top.data(), out.data(), 4, 4);
  EXPECT_EQ(out, (std::vector<int32_t>{-1, 1, 0, 1}));
}

TEST(NitroReluGrad, EqualsTheDefiningQuotientForEveryInput) {
  // ds = trunc(d / g(s)) in int64 arithmetic, for every int8 s and deltas at the edges of int32.
  const std::vector<int32_t> deltas = {0, 1, -1, 3, -3, 4, -4, 5, -5, 123456, -123456, INT32_MAX, INT32_MAX - 1,
                                       INT32_MIN, INT32_MIN + 1, INT32_MIN + 2};
  for (int alpha : {3, 4, 16}) {
    const TruncDivider by_alpha(alpha);
    for (int v = -128; v < 128; ++v) {
      const int64_t g = (v >= 0 && v < 127) ? 1 : (v < 0 && v >= -127 ? alpha : 2147483647);
      for (int32_t d : deltas) {
        ASSERT_EQ(NitroReluGradValue(d, v, by_alpha), static_cast<int32_t>(int64_t{d} / g))
            << "alpha " << alpha << " s " << v << " d " << d;
      }
    }
  }
}

TEST(Scale, TruncatesThenSaturatesSymmetrically) {
  const std::vector<int32_t> z = {0, 255, 256, -255, -256, 1 << 30, INT32_MIN, 127 * 256 + 255};
  std::vector<int8_t> s(z.size());
  Scale(z.data(), s.data(), z.size(), 256);
  EXPECT_EQ(s, (std::vector<int8_t>{0, 0, 1, 0, -1, 127, -127, 127}));
}

TEST(RssError, WrapsInInt8) {
  const std::vector<int8_t> pred = {-127, 0, 100};
  const std::vector<int8_t> target = {32, 32, 0};
  std::vector<int8_t> e(3);
  RssError(pred.data(), target.data(), e.data(), 3);
  EXPECT_EQ(e, (std::vector<int8_t>{97, -32, 100}));  // -159 wraps to +97 (spec §10.1)
}

TEST(Dropout, FactorTableOfTheSpec) {
  EXPECT_EQ(DropoutFactor(50), 1052);
  EXPECT_EQ(DropoutFactor(100), 1111);
  EXPECT_EQ(DropoutFactor(150), 1176);
  EXPECT_EQ(DropoutFactor(200), 1250);
  EXPECT_EQ(DropoutFactor(300), 1428);
  EXPECT_EQ(DropoutFactor(500), 2000);
  EXPECT_EQ(DropoutFactor(950), 20000);
  EXPECT_EQ(DropoutValue<int8_t>(91, 1, 1111), 101);
  EXPECT_EQ(DropoutValue<int8_t>(-67, 1, 1176), -78);
  EXPECT_EQ(DropoutValue<int8_t>(-67, 0, 1176), 0);
}

}  // namespace
}  // namespace nitro::kernels
