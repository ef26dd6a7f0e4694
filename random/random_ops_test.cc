// Tests of the shared sampling algorithms on a scripted word stream: exact rejection, randint,
// shuffle, the 53-bit draw and the checked randint's sticky error.
#include "random/random_ops.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nitro {
namespace {

// Returns the scripted words in order and counts the draws.
class ScriptedSource : public RandomSource {
 public:
  explicit ScriptedSource(std::vector<uint32_t> words) : words_(words.begin(), words.end()) {}
  uint32_t NextU32() override {
    ++draws_;
    if (words_.empty()) return 0;
    const uint32_t w = words_.front();
    words_.pop_front();
    return w;
  }
  uint32_t Bounded(uint32_t r) override { return MaskedBounded(*this, r); }
  int Bernoulli(int64_t) override { return 0; }
  absl::StatusOr<std::string> SaveState() const override { return std::string(); }
  absl::Status LoadState(absl::string_view) override { return absl::OkStatus(); }
  int draws() const { return draws_; }

 private:
  std::deque<uint32_t> words_;
  int draws_ = 0;
};

TEST(MaskedBoundedTest, RejectsAboveTheBoundUnderTheMask) {
  // r = 5: mask 7. 0xfffffff6 & 7 = 6 > 5 is rejected, 0x0000000f & 7 = 7 too, 0x13 & 7 = 3 kept.
  ScriptedSource rng({0xfffffff6u, 0x0000000fu, 0x13u, 0x2u});
  EXPECT_EQ(MaskedBounded(rng, 5), 3u);
  EXPECT_EQ(rng.draws(), 3);
}

TEST(MaskedBoundedTest, ZeroBoundMakesNoDraw) {
  ScriptedSource rng({1});
  EXPECT_EQ(MaskedBounded(rng, 0), 0u);
  EXPECT_EQ(rng.draws(), 0);
}

TEST(MaskedBoundedTest, FullRangeTakesTheWord) {
  ScriptedSource rng({0xdeadbeefu});
  EXPECT_EQ(MaskedBounded(rng, 0xffffffffu), 0xdeadbeefu);
}

TEST(RandIntTest, LowPlusBounded) {
  ScriptedSource rng({0x2u});  // Bounded(9 - 1 - (-3)) = Bounded(11): mask 15, 2 is kept
  EXPECT_EQ(RandIntUnchecked(rng, -3, 9), -1);
  ScriptedSource one({7});
  EXPECT_EQ(RandIntUnchecked(one, 4, 5), 4);  // a single value: no draw
  EXPECT_EQ(one.draws(), 0);
}

TEST(ShuffleSpanTest, SwapsFromTheEnd) {
  // n = 4: i = 3, j = Bounded(3) = 1; i = 2, j = Bounded(2) = 2 (mask 3, 6 & 3 = 2); i = 1, j = 0.
  ScriptedSource rng({0x1u, 0x6u, 0x0u});
  std::vector<int64_t> v = {10, 11, 12, 13};
  ShuffleSpan(rng, absl::MakeSpan(v));
  EXPECT_EQ(v, (std::vector<int64_t>{13, 10, 12, 11}));
  EXPECT_EQ(rng.draws(), 3);
  ScriptedSource again({0x1u, 0x6u, 0x0u});
  std::vector<int64_t> w = {10, 11, 12, 13};
  ShuffleVector(again, w);
  EXPECT_EQ(w, v);
}

TEST(ShuffleSpanTest, EmptyAndSingleMakeNoDraw) {
  ScriptedSource rng({1, 2});
  std::vector<int64_t> empty, one = {5};
  ShuffleSpan(rng, absl::MakeSpan(empty));
  ShuffleSpan(rng, absl::MakeSpan(one));
  EXPECT_EQ(one, std::vector<int64_t>{5});
  EXPECT_EQ(rng.draws(), 0);
}

TEST(Next53Test, FirstWordIsTheHighPart) {
  ScriptedSource rng({0xffffffffu, 0x0000007fu});
  EXPECT_EQ(Next53(rng), ((uint64_t{0x07ffffff}) << 26) + 1);
  ScriptedSource low({0x0000001fu, 0xffffffffu});
  EXPECT_EQ(Next53(low), (uint64_t{1} << 26) - 1);
  EXPECT_EQ(low.draws(), 2);
}

TEST(CheckRandIntRangeTest, Bounds) {
  EXPECT_TRUE(CheckRandIntRange(0, 1).ok());
  EXPECT_TRUE(CheckRandIntRange(-5, -5 + (int64_t{1} << 32)).ok());
  const absl::Status wide = CheckRandIntRange(0, (int64_t{1} << 32) + 1);
  EXPECT_EQ(wide.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wide.message(), "randint: need low < high <= low + 2^32, got low=0 high=4294967297");
  EXPECT_EQ(CheckRandIntRange(3, 3).message(), "randint: need low < high <= low + 2^32, got low=3 high=3");
  EXPECT_FALSE(CheckRandIntRange(3, 2).ok());
}

TEST(CheckedRandIntTest, InvalidRangeReturnsLowAndKeepsTheFirstError) {
  ScriptedSource rng({0x2u});
  absl::Status sticky;
  EXPECT_EQ(CheckedRandInt(rng, 7, 7, sticky), 7);
  EXPECT_EQ(CheckedRandInt(rng, 9, 1, sticky), 9);
  EXPECT_EQ(rng.draws(), 0);
  EXPECT_EQ(sticky.message(), "randint: need low < high <= low + 2^32, got low=7 high=7");
  EXPECT_EQ(CheckedRandInt(rng, 0, 10, sticky), 2);  // a valid range still draws
  EXPECT_EQ(rng.draws(), 1);
}

TEST(RecordFirstErrorTest, KeepsTheFirst) {
  absl::Status s;
  RecordFirstError(s, absl::OkStatus());
  EXPECT_TRUE(s.ok());
  RecordFirstError(s, absl::InternalError("first"));
  RecordFirstError(s, absl::InvalidArgumentError("second"));
  EXPECT_EQ(s, absl::InternalError("first"));
}

}  // namespace
}  // namespace nitro
