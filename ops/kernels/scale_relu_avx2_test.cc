// ScaleNitroReluAvx2 equals the portable Scale followed by NitroRelu (elementwise.h) bit for bit:
// for divisors across its whole range (1 to 2^24, the paper models' among them) and every
// supported slope, on full-range accumulators and on the values next to every multiple of the
// divisor that decides a quotient (|z| = q·d - 1, q·d, q·d + 1 for q up to 130, both signs),
// INT32_MIN and INT32_MAX, and lengths around its 32-element step.
#include "ops/kernels/scale_relu_avx2.h"

#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/elementwise.h"
#include "ops/kernels/linear_avx2.h"

namespace nitro::kernels {
namespace {

std::vector<int32_t> Accumulators(std::mt19937_64& gen, int64_t d) {
  std::vector<int32_t> z = {INT32_MIN, INT32_MAX, 0, 1, -1};
  for (int64_t q = 0; q <= 130; ++q) {
    for (int64_t e : {-1, 0, 1}) {
      const int64_t v = q * d + e;
      if (v <= INT32_MAX) z.push_back(static_cast<int32_t>(v));
      if (-v >= INT32_MIN) z.push_back(static_cast<int32_t>(-v));
    }
  }
  while (z.size() % 32 != 7) z.push_back(static_cast<int32_t>(gen()));  // a tail for the portable loop
  for (int k = 0; k < 4096; ++k) z.push_back(static_cast<int32_t>(gen()) >> (gen() % 32));  // every magnitude
  return z;
}

TEST(ScaleNitroReluAvx2, EqualsThePortableKernels) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 kernels on this CPU";
  std::mt19937_64 gen(29);
  for (int64_t d :
       {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{7}, int64_t{255}, int64_t{6912}, int64_t{294912}, int64_t{589824},
        int64_t{1048576}, int64_t{1179648}, int64_t{9999991}, (int64_t{1} << 24) - 1, int64_t{1} << 24}) {
    for (int64_t alpha : {3, 4, 5, 7, 8, 10, 15, 16, 20}) {
      SCOPED_TRACE(testing::Message() << "divisor " << d << " alpha_inv " << alpha);
      const std::vector<int32_t> z = Accumulators(gen, d);
      const int64_t n = static_cast<int64_t>(z.size());
      std::vector<int8_t> s_want(n), a_want(n), s(n, 99), a(n, 99);
      Scale(z.data(), s_want.data(), n, d);
      NitroRelu(s_want.data(), a_want.data(), n, alpha);
      ASSERT_TRUE(ScaleNitroReluAvx2(z.data(), s.data(), a.data(), n, d, alpha));
      EXPECT_EQ(s, s_want);
      EXPECT_EQ(a, a_want);
    }
  }
}

TEST(ScaleNitroReluAvx2, ShortRunsAndTails) {
  if (!HasAvx2Kernels()) GTEST_SKIP() << "no AVX2 kernels on this CPU";
  std::mt19937_64 gen(31);
  for (int64_t n : {0, 1, 31, 32, 33, 63, 64, 65}) {
    std::vector<int32_t> z(n);
    for (auto& v : z) v = static_cast<int32_t>(gen());
    std::vector<int8_t> s_want(n), a_want(n), s(n, 99), a(n, 99);
    Scale(z.data(), s_want.data(), n, 6912);
    NitroRelu(s_want.data(), a_want.data(), n, 4);
    ASSERT_TRUE(ScaleNitroReluAvx2(z.data(), s.data(), a.data(), n, 6912, 4));
    EXPECT_EQ(s, s_want) << n;
    EXPECT_EQ(a, a_want) << n;
  }
}

TEST(ScaleNitroReluAvx2, LeavesWhatItCannotDoToThePortableKernels) {
  int32_t z[1] = {5};
  int8_t s[1] = {9}, a[1] = {9};
  EXPECT_FALSE(ScaleNitroReluAvx2(z, s, a, 1, (int64_t{1} << 24) + 1, 4));  // divisor above 2^24
  EXPECT_FALSE(ScaleNitroReluAvx2(z, s, a, 1, 6912, 6));                    // unsupported slope
  EXPECT_EQ(s[0], 9);
  EXPECT_EQ(a[0], 9);
}

}  // namespace
}  // namespace nitro::kernels
