// Tests that NumpyRandom reproduces numpy's legacy RandomState; the expected values come from
// numpy facts (first MT19937 outputs, the golden MNIST shuffle, permutation(10) for seed 42) and
// from the pure-Python reference in tools/gen_binomial_thresholds.py --reference.
#include "random/numpy_random.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(NumpyRandomTest, FirstOutputsForSeed42) {
  NumpyRandom rng(42);
  EXPECT_EQ(rng.NextU32(), 1608637542u);
  EXPECT_EQ(rng.NextU32(), 3421126067u);
  EXPECT_EQ(rng.NextU32(), 4083286876u);
  EXPECT_EQ(rng.NextU32(), 787846414u);
  EXPECT_EQ(rng.NextU32(), 3143890026u);
}

TEST(NumpyRandomTest, ReferenceMt19937ForDefaultSeed) {
  NumpyRandom rng(5489);  // mt19937ar's default seed; its first output is well known
  EXPECT_EQ(rng.NextU32(), 3499211612u);
}

TEST(NumpyRandomTest, OutputAfterTheFirstTwist) {
  NumpyRandom rng(42);
  for (int i = 0; i < 701; ++i) rng.NextU32();
  EXPECT_EQ(rng.NextU32(), 2151949919u);
}

TEST(NumpyRandomTest, SeedRestartsTheStream) {
  NumpyRandom rng(1);
  rng.NextU32();
  rng.Seed(42);
  EXPECT_EQ(rng.NextU32(), 1608637542u);
}

TEST(NumpyRandomTest, NextDouble53IsNumpysDoubleTimes2To53) {
  NumpyRandom rng(42);
  EXPECT_EQ(rng.NextDouble53(), 3373557479352566u);
  EXPECT_EQ(rng.NextDouble53(), 8563273192166996u);
  EXPECT_EQ(rng.NextDouble53(), 6593215287158609u);
}

TEST(NumpyRandomTest, BoundedMaskedRejection) {
  NumpyRandom rng(42);
  const std::vector<uint32_t> ranges = {0, 1, 2, 6, 9, 59999, 4294967294u};
  const std::vector<uint32_t> expected = {0, 0, 0, 6, 7, 44732, 2563451924u};
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_EQ(rng.Bounded(ranges[i]), expected[i]) << "r=" << ranges[i];
  }
}

TEST(NumpyRandomTest, BoundedZeroMakesNoDraw) {
  NumpyRandom rng(42);
  EXPECT_EQ(rng.Bounded(0), 0u);
  EXPECT_EQ(rng.NextU32(), 1608637542u);
}

TEST(NumpyRandomTest, BoundedStaysInRange) {
  NumpyRandom rng(3);
  for (uint32_t r : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 100u, 65535u, 65536u}) {
    for (int i = 0; i < 2000; ++i) EXPECT_LE(rng.Bounded(r), r);
  }
}

TEST(NumpyRandomTest, RandIntIsLowPlusBounded) {
  NumpyRandom a(42), b(42);
  for (int i = 0; i < 100; ++i) {
    const int64_t v = a.RandInt(-7, 10);
    EXPECT_EQ(v, -7 + static_cast<int64_t>(b.Bounded(16)));
    EXPECT_GE(v, -7);
    EXPECT_LT(v, 10);
  }
  EXPECT_TRUE(a.status().ok());
}

TEST(NumpyRandomTest, RandIntWithEmptyRangeRecordsAnError) {
  NumpyRandom rng(42);
  EXPECT_EQ(rng.RandInt(5, 5), 5);
  EXPECT_EQ(rng.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rng.NextU32(), 1608637542u);  // no draw was made
  rng.Seed(42);
  EXPECT_TRUE(rng.status().ok());
}

TEST(NumpyRandomTest, ShuffleOfTen) {
  // np.random.seed(42); np.random.permutation(10)
  NumpyRandom rng(42);
  std::vector<int64_t> v(10);
  std::iota(v.begin(), v.end(), 0);
  rng.Shuffle(v);
  EXPECT_EQ(v, (std::vector<int64_t>{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}));
}

TEST(NumpyRandomTest, ShuffleMatchesTheGoldenMnistOrder) {
  // input.source_index of step 1 in the golden mlp1 trace: np.random.seed(42) then
  // np.random.shuffle(arange(60000)).
  NumpyRandom rng(42);
  std::vector<int64_t> v(60000);
  std::iota(v.begin(), v.end(), 0);
  rng.Shuffle(v);
  EXPECT_EQ(std::vector<int64_t>(v.begin(), v.begin() + 8),
            (std::vector<int64_t>{12628, 37730, 39991, 8525, 8279, 51012, 14871, 15127}));
  EXPECT_EQ(v.back(), 56422);
  EXPECT_EQ(rng.NextU32(), 1116216237u);  // the stream position after the shuffle
  std::vector<int64_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 60000; ++i) ASSERT_EQ(sorted[i], i);
}

TEST(NumpyRandomTest, ShuffleOfZeroOrOneElementMakesNoDraw) {
  NumpyRandom rng(42);
  std::vector<int64_t> empty, one = {7};
  rng.Shuffle(empty);
  rng.Shuffle(one);
  EXPECT_EQ(one, std::vector<int64_t>{7});
  EXPECT_EQ(rng.NextU32(), 1608637542u);
}

std::string Draws(NumpyRandom& rng, int64_t p, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s.push_back(static_cast<char>('0' + rng.Bernoulli(p)));
  return s;
}

int64_t CountOnes(NumpyRandom& rng, int64_t p, int count) {
  int64_t ones = 0;
  for (int i = 0; i < count; ++i) ones += rng.Bernoulli(p);
  return ones;
}

struct BinomialCase {
  int64_t p_per_million;
  const char* first32;
  int64_t ones_in_next_100000;
};

TEST(NumpyRandomTest, BernoulliMatchesNumpyBinomial) {
  // np.random.seed(7); [np.random.binomial(1, p) for ...], p as the reference computes it.
  const BinomialCase cases[] = {
      {500000, "01011110001100010010110110111000", 49970}, {850000, "11110111111111101101101101111111", 84852},
      {900000, "11110111111111101101101101111111", 89948}, {50000, "00001000000000000000010000000000", 4956},
      {0, "00000000000000000000000000000000", 0},          {1000000, "11111111111111111111111111111111", 100000},
  };
  for (const BinomialCase& c : cases) {
    NumpyRandom rng(7);
    EXPECT_EQ(Draws(rng, c.p_per_million, 32), c.first32) << "p=" << c.p_per_million;
    EXPECT_EQ(CountOnes(rng, c.p_per_million, 100000), c.ones_in_next_100000) << "p=" << c.p_per_million;
    EXPECT_TRUE(rng.status().ok());
  }
}

TEST(NumpyRandomTest, BernoulliConsumesOne53BitDrawEvenForZeroAndOne) {
  for (int64_t p : {0, 500000, 1000000}) {
    NumpyRandom a(42), b(42);
    a.Bernoulli(p);
    b.NextDouble53();
    EXPECT_EQ(a.NextU32(), b.NextU32()) << "p=" << p;
  }
}

TEST(NumpyRandomTest, SupportedProbabilities) {
  for (int64_t rate = 0; rate <= 1000000; rate += 50000) {
    EXPECT_TRUE(NumpyRandom::SupportsBernoulli(1000000 - rate)) << rate;
  }
  EXPECT_FALSE(NumpyRandom::SupportsBernoulli(123456));
  EXPECT_FALSE(NumpyRandom::SupportsBernoulli(-1));
  EXPECT_FALSE(NumpyRandom::SupportsBernoulli(1000001));
}

TEST(NumpyRandomTest, BernoulliFrequencyIsCloseToP) {
  // 10^5 draws: the standard deviation of the count is at most 159; allow 5 of them.
  for (int64_t p = 0; p <= 1000000; p += 50000) {
    NumpyRandom rng(11);
    const int64_t ones = CountOnes(rng, p, 100000);
    const int64_t expected = p / 10;  // p / 10^6 * 10^5
    EXPECT_LE(std::abs(ones - expected), 800) << "p=" << p;
  }
}

TEST(NumpyRandomTest, UnsupportedProbabilityIsExactButFlagged) {
  NumpyRandom rng(5);
  const int64_t ones = CountOnes(rng, 123456, 100000);
  EXPECT_LE(std::abs(ones - 12346), 800);
  EXPECT_EQ(rng.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(std::string(rng.status().message()).find("123456"), std::string::npos);
}

TEST(NumpyRandomTest, OutOfRangeProbabilityIsClampedAndFlagged) {
  NumpyRandom rng(5);
  EXPECT_EQ(rng.Bernoulli(2000000), 1);
  EXPECT_EQ(rng.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rng.Bernoulli(-5), 0);
  EXPECT_EQ(rng.status().code(), absl::StatusCode::kInvalidArgument);  // the first error sticks
}

TEST(NumpyRandomTest, UsableThroughTheRandomSourceInterface) {
  NumpyRandom rng(42);
  RandomSource& source = rng;
  EXPECT_EQ(source.NextU32(), 1608637542u);
  EXPECT_EQ(source.Bounded(0), 0u);
}

}  // namespace
}  // namespace nitro

namespace nitro {
namespace {

TEST(NumpyRandomState, SaveAndLoadContinueTheStream) {
  NumpyRandom a(42);
  for (int i = 0; i < 1000; ++i) a.NextU32();
  auto saved = a.SaveState();
  ASSERT_TRUE(saved.ok());
  std::vector<uint32_t> expected;
  for (int i = 0; i < 2000; ++i) expected.push_back(a.NextU32());
  NumpyRandom b(7);
  ASSERT_TRUE(b.LoadState(*saved).ok());
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(b.NextU32(), expected[i]) << i;
  EXPECT_FALSE(b.LoadState("garbage").ok());
  EXPECT_FALSE(b.LoadState(saved->substr(0, saved->size() - 1)).ok());
}

}  // namespace
}  // namespace nitro
