// Tests of batch augmentation: crop/flip geometry and the exact draw order (spec Appendix A).
#include "dataset/augment.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/random_source.h"
#include "graph/tensor.h"
#include "gtest/gtest.h"
#include "random/numpy_random.h"

namespace nitro {
namespace {

// Returns scripted values and logs every call, e.g. "B500000" or "U4".
class ScriptedRandom : public RandomSource {
 public:
  explicit ScriptedRandom(std::vector<int64_t> script) : script_(script.begin(), script.end()) {}
  uint32_t NextU32() override {
    log_.push_back("N");
    return static_cast<uint32_t>(Next());
  }
  uint32_t Bounded(uint32_t r) override {
    log_.push_back(absl::StrCat("U", r));
    return static_cast<uint32_t>(Next());
  }
  int Bernoulli(int64_t p) override {
    log_.push_back(absl::StrCat("B", p));
    return static_cast<int>(Next());
  }
  absl::StatusOr<std::string> SaveState() const override { return std::string(); }
  absl::Status LoadState(absl::string_view) override { return absl::OkStatus(); }
  const std::vector<std::string>& log() const { return log_; }
  bool exhausted() const { return script_.empty(); }

 private:
  int64_t Next() {
    if (script_.empty()) {
      ADD_FAILURE() << "script exhausted";
      return 0;
    }
    const int64_t v = script_.front();
    script_.pop_front();
    return v;
  }
  std::deque<int64_t> script_;
  std::vector<std::string> log_;
};

// A [b, c, h, w] batch whose value at (n, ch, y, x) is n*64 + ch*32 + y*4 + x - 100.
Tensor MakeBatch(int64_t b, int64_t c, int64_t h, int64_t w) {
  Tensor t(kInt8, {b, c, h, w});
  int64_t i = 0;
  for (int64_t n = 0; n < b; ++n)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) t.Set(i++, n * 64 + ch * 32 + y * 4 + x - 100);
  return t;
}

int64_t At(const Tensor& t, int64_t n, int64_t c, int64_t y, int64_t x) {
  return t.Get(((n * t.dim(1) + c) * t.dim(2) + y) * t.dim(3) + x);
}

using Log = std::vector<std::string>;

TEST(AugmentTest, CropShiftsEveryImageAndPadsWithTheBatchMinimum) {
  Tensor batch = MakeBatch(2, 2, 4, 4);
  const Tensor original = batch;
  const int64_t min = -100;  // value at (0, 0, 0, 0)
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 2;
  ScriptedRandom rng({1, /*top=*/0, /*left=*/3});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_EQ(rng.log(), (Log{"B500000", "U4", "U4"}));  // RandInt(0, 5) = Bounded(4), twice
  // out[y][x] = in[y + top - pad][x + left - pad] = in[y - 2][x + 1].
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t y = 0; y < 4; ++y)
        for (int64_t x = 0; x < 4; ++x) {
          const int64_t sy = y - 2, sx = x + 1;
          const int64_t expected = (sy >= 0 && sx < 4) ? At(original, n, c, sy, sx) : min;
          EXPECT_EQ(At(batch, n, c, y, x), expected) << n << c << y << x;
        }
}

TEST(AugmentTest, CentredCropIsTheIdentity) {
  Tensor batch = MakeBatch(1, 1, 3, 3);
  const Tensor original = batch;
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 1;
  ScriptedRandom rng({1, 1, 1});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_TRUE(batch.Equals(original));
}

TEST(AugmentTest, NoCropDecisionMeansNoOffsetDraws) {
  Tensor batch = MakeBatch(2, 1, 4, 4);
  const Tensor original = batch;
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 2;
  options.flip = true;
  ScriptedRandom rng({0, 0});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_EQ(rng.log(), (Log{"B500000", "B500000"}));
  EXPECT_TRUE(batch.Equals(original));
}

TEST(AugmentTest, FlipReversesWidth) {
  Tensor batch = MakeBatch(2, 3, 2, 4);
  const Tensor original = batch;
  AugmentOptions options;
  options.flip = true;
  ScriptedRandom rng({1});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_EQ(rng.log(), (Log{"B500000"}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(At(batch, n, c, y, x), At(original, n, c, y, 3 - x));
}

TEST(AugmentTest, CropThenFlipInThatOrder) {
  Tensor batch = MakeBatch(1, 1, 3, 3);
  const Tensor original = batch;
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 1;
  options.flip = true;
  ScriptedRandom rng({1, /*top=*/1, /*left=*/2, /*flip=*/1});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_EQ(rng.log(), (Log{"B500000", "U2", "U2", "B500000"}));
  // Crop: c[y][x] = in[y][x + 1] (or min at x = 2); flip: out[y][x] = c[y][2 - x].
  for (int64_t y = 0; y < 3; ++y) {
    for (int64_t x = 0; x < 3; ++x) {
      const int64_t cx = 2 - x;
      const int64_t expected = cx + 1 < 3 ? At(original, 0, 0, y, cx + 1) : -100;
      EXPECT_EQ(At(batch, 0, 0, y, x), expected) << y << x;
    }
  }
}

TEST(AugmentTest, PerSampleDrawsOnceForEachImageInOrder) {
  Tensor batch = MakeBatch(3, 1, 4, 4);
  const Tensor original = batch;
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 2;
  options.flip = true;
  options.per_sample = true;
  // Image 0: crop (top 2, left 0) and no flip; image 1: no crop, flip; image 2: nothing.
  ScriptedRandom rng({1, 2, 0, 0, /**/ 0, 1, /**/ 0, 0});
  ASSERT_TRUE(AugmentBatch(options, rng, batch).ok());
  EXPECT_EQ(rng.log(), (Log{"B500000", "U4", "U4", "B500000", "B500000", "B500000", "B500000", "B500000"}));
  EXPECT_TRUE(rng.exhausted());
  for (int64_t y = 0; y < 4; ++y) {
    for (int64_t x = 0; x < 4; ++x) {
      // Image 0: out[y][x] = in[y][x - 2]; the pad is the batch minimum, -100.
      EXPECT_EQ(At(batch, 0, 0, y, x), x >= 2 ? At(original, 0, 0, y, x - 2) : -100);
      EXPECT_EQ(At(batch, 1, 0, y, x), At(original, 1, 0, y, 3 - x));
      EXPECT_EQ(At(batch, 2, 0, y, x), At(original, 2, 0, y, x));
    }
  }
}

TEST(AugmentTest, NumpyStreamConsumesTheDocumentedDraws) {
  // The augmentation must leave a NumpyRandom exactly where the same calls made by hand leave it.
  AugmentOptions options;
  options.crop = true;
  options.crop_padding = 4;
  options.flip = true;
  for (uint32_t seed = 0; seed < 20; ++seed) {
    NumpyRandom a(seed), b(seed);
    Tensor batch = MakeBatch(2, 3, 8, 8);
    ASSERT_TRUE(AugmentBatch(options, a, batch).ok());
    if (b.Bernoulli(500000) == 1) {
      b.RandInt(0, 9);
      b.RandInt(0, 9);
    }
    b.Bernoulli(500000);
    EXPECT_EQ(a.NextU32(), b.NextU32()) << "seed " << seed;
  }
}

TEST(AugmentTest, RejectsBadInput) {
  ScriptedRandom rng({});
  AugmentOptions options;
  Tensor wrong_type(kInt32, {1, 1, 2, 2});
  EXPECT_EQ(AugmentBatch(options, rng, wrong_type).code(), absl::StatusCode::kInvalidArgument);
  Tensor wrong_rank(kInt8, {1, 2, 2});
  EXPECT_EQ(AugmentBatch(options, rng, wrong_rank).code(), absl::StatusCode::kInvalidArgument);
  Tensor ok(kInt8, {1, 1, 2, 2});
  options.crop = true;
  options.crop_padding = -1;
  EXPECT_EQ(AugmentBatch(options, rng, ok).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(rng.log().empty());
}

}  // namespace
}  // namespace nitro
