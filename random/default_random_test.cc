// Tests of DefaultRandom, nitro's PCG32 stream, against the PCG reference demo outputs.
#include "random/default_random.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(DefaultRandomTest, MatchesPcg32Reference) {
  // pcg32-demo: pcg32_srandom_r(&rng, 42u, 54u), then six pcg32_random_r outputs.
  DefaultRandom rng(42, 54);
  const uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (uint32_t e : expected) EXPECT_EQ(rng.NextU32(), e);
}

TEST(DefaultRandomTest, SeedAndStreamSelectTheSequence) {
  DefaultRandom a(42), b(42), c(43), d(42, 1);
  const uint32_t first = a.NextU32();
  EXPECT_EQ(first, b.NextU32());
  EXPECT_EQ(first, 565663470u);
  EXPECT_NE(first, c.NextU32());
  EXPECT_NE(first, d.NextU32());
  a.Seed(42);
  EXPECT_EQ(a.NextU32(), first);
}

TEST(DefaultRandomTest, BoundedAndRandIntStayInRange) {
  DefaultRandom rng(1);
  for (uint32_t r : {0u, 1u, 2u, 9u, 1000u, 4294967295u}) {
    for (int i = 0; i < 1000; ++i) EXPECT_LE(rng.Bounded(r), r);
  }
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = rng.RandInt(-3, 4);
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 4);
  }
  EXPECT_TRUE(rng.status().ok());
  rng.RandInt(4, 3);
  EXPECT_EQ(rng.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DefaultRandomTest, ShuffleIsAPermutation) {
  DefaultRandom rng(9);
  std::vector<int64_t> v(1000);
  std::iota(v.begin(), v.end(), 0);
  rng.Shuffle(v);
  std::vector<int64_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  int fixed = 0;
  for (int64_t i = 0; i < 1000; ++i) fixed += v[i] == i;
  EXPECT_LT(fixed, 10);
}

TEST(DefaultRandomTest, BernoulliFrequency) {
  for (int64_t p : {1, 150000, 500000, 850000, 999999}) {
    DefaultRandom rng(p);
    int64_t ones = 0;
    for (int i = 0; i < 100000; ++i) ones += rng.Bernoulli(p);
    EXPECT_LE(std::abs(ones - p / 10), 800) << "p=" << p;
  }
}

TEST(DefaultRandomTest, BernoulliExtremesAreExactAndDrawNothing) {
  DefaultRandom a(5), b(5);
  EXPECT_EQ(a.Bernoulli(0), 0);
  EXPECT_EQ(a.Bernoulli(1000000), 1);
  EXPECT_EQ(a.NextU32(), b.NextU32());
  EXPECT_TRUE(DefaultRandom::SupportsBernoulli(123456));
  EXPECT_FALSE(DefaultRandom::SupportsBernoulli(-1));
  EXPECT_EQ(a.Bernoulli(1000001), 1);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nitro

namespace nitro {
namespace {

TEST(DefaultRandomState, SaveAndLoadContinueTheStream) {
  DefaultRandom a(42);
  for (int i = 0; i < 1000; ++i) a.NextU32();
  auto saved = a.SaveState();
  ASSERT_TRUE(saved.ok());
  std::vector<uint32_t> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(a.NextU32());
  DefaultRandom b(7);
  ASSERT_TRUE(b.LoadState(*saved).ok());
  for (int i = 0; i < 100; ++i) ASSERT_EQ(b.NextU32(), expected[i]) << i;
  EXPECT_FALSE(b.LoadState("PCG32").ok());
}

}  // namespace
}  // namespace nitro
