// Tests of integer text formatting: thousands separators, and percentages rounded half up,
// padded, with empty totals.
#include "base/numbers.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(WithThousandsTest, GroupsDigitsInThrees) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(52311), "52,311");
  EXPECT_EQ(WithThousands(9149824), "9,149,824");
  EXPECT_EQ(WithThousands(-1234), "-1,234");
  EXPECT_EQ(WithThousands(INT64_MIN), "-9,223,372,036,854,775,808");
}

TEST(PercentTest, RoundsHalfUp) {
  EXPECT_EQ(FormatPercent(2, 3), "66.67");
  EXPECT_EQ(FormatPercent(1, 3), "33.33");
  EXPECT_EQ(FormatPercent(1, 8), "12.50");
  EXPECT_EQ(FormatPercent(1, 80000), "0.00");  // 0.00125% rounds down
  EXPECT_EQ(FormatPercent(1, 40000), "0.00");  // 0.0025% rounds down
  EXPECT_EQ(FormatPercent(1, 20000), "0.01");  // 0.005% is a half: up
  EXPECT_EQ(FormatPercent(9724, 10000), "97.24");
  EXPECT_EQ(FormatPercent(59999, 60000), "100.00");
}

TEST(PercentTest, Extremes) {
  EXPECT_EQ(FormatPercent(0, 10), "0.00");
  EXPECT_EQ(FormatPercent(10, 10), "100.00");
  EXPECT_EQ(FormatPercent(INT64_MAX, INT64_MAX), "100.00");
  EXPECT_EQ(FormatPercent(INT64_MAX, 1, 0), "922337203685477580700");
}

TEST(PercentTest, Decimals) {
  EXPECT_EQ(FormatPercent(2, 3, 0), "67");
  EXPECT_EQ(FormatPercent(2, 3, 1), "66.7");
  EXPECT_EQ(FormatPercent(701, 1000, 1), "70.1");
  EXPECT_EQ(FormatPercent(52, 100, 1), "52.0");
  EXPECT_EQ(FormatPercent(1, 3, 4), "33.3333");
  EXPECT_EQ(FormatPercent(1, 3, 7), "");
}

TEST(PercentTest, EmptyWhenNoTotal) {
  EXPECT_EQ(FormatPercent(0, 0), "");
  EXPECT_EQ(FormatPercent(1, -1), "");
  EXPECT_EQ(ScaledPercent(0, 0), 0);
}

TEST(PercentTest, Scaled) {
  EXPECT_EQ(ScaledPercent(2, 3), 6667);
  EXPECT_EQ(ScaledPercent(2, 3, 0), 67);
  EXPECT_EQ(ScaledPercent(1, 1), 10000);
}

TEST(PercentTest, Negative) {
  EXPECT_EQ(FormatPercent(-2, 3), "-66.67");
  EXPECT_EQ(ScaledPercent(-1, 20000), -1);
}

}  // namespace
}  // namespace nitro
