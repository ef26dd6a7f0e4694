// Tests of the integer primitives: TruncDivider equals C's truncating division everywhere.
#include "ops/int_math.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(TruncDivider, MatchesDivisionOnEdgesAndRandomValues) {
  std::mt19937_64 gen(3);
  std::vector<int64_t> divisors = {1,     2,     3,     4,      7,      500,     512,        1000,       3000,
                                   12000, 25600, 30000, 200704, 327680, 1048576, 2149908479, 2147483647, 1073741825};
  for (int k = 0; k < 200; ++k) divisors.push_back(1 + static_cast<int64_t>(gen() % 2147483647));
  std::vector<int32_t> numerators = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1};
  for (int k = 0; k < 2000; ++k) numerators.push_back(static_cast<int32_t>(gen()));
  for (int64_t d : divisors) {
    if (d > INT32_MAX) continue;
    const TruncDivider div(d);
    for (int32_t n : numerators)
      ASSERT_EQ(div(n), static_cast<int32_t>(static_cast<int64_t>(n) / d)) << n << " / " << d;
    for (int64_t m = -3; m <= 3; ++m) {  // around multiples of d
      for (int64_t q : {int64_t{1}, int64_t{2}, int64_t{1000}, INT32_MAX / d}) {
        const int64_t n = q * d + m;
        if (n < INT32_MIN || n > INT32_MAX) continue;
        ASSERT_EQ(div(static_cast<int32_t>(n)), static_cast<int32_t>(n / d)) << n << " / " << d;
        ASSERT_EQ(div(static_cast<int32_t>(-n)), static_cast<int32_t>(-n / d)) << -n << " / " << d;
      }
    }
  }
}

TEST(IntMath, WrapAndClip) {
  EXPECT_EQ(Wrap8(-127 - 32), 97);  // the spec's wrapped RSS error example
  EXPECT_EQ(Wrap32(int64_t{1} << 31), INT32_MIN);
  EXPECT_EQ(Clip(-200, -127, 127), -127);
  EXPECT_EQ(TruncDiv(-7, 2), -3);
}

}  // namespace
}  // namespace nitro
