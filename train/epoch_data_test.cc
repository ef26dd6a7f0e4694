// Tests of the epoch order (numpy's permutation golden), batch counts, batch filling and counting.
#include "train/epoch_data.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "random/numpy_random.h"

namespace nitro {
namespace {

google::protobuf::RepeatedField<int64_t> Order(const std::vector<int64_t>& v) {
  return google::protobuf::RepeatedField<int64_t>(v.begin(), v.end());
}

std::vector<int64_t> Values(const google::protobuf::RepeatedField<int64_t>& r) { return {r.begin(), r.end()}; }

// An int8 tensor [rows, cols] with element (r, c) = r·16 + c.
Tensor Rows(int64_t rows, int64_t cols) {
  Tensor t(kInt8, {rows, cols});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t.Set(r * cols + c, r * 16 + c);
  }
  return t;
}

std::vector<int64_t> Elements(const Tensor& t) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t.size(); ++i) out.push_back(t.Get(i));
  return out;
}

TEST(ShuffleEpochOrderTest, IsNumpysPermutationAppliedToTheOrder) {
  // np.random.seed(42); np.random.permutation(10) = [8 1 5 0 7 2 9 4 3 6]; order = order[perm].
  NumpyRandom rng(42);
  auto order = Order({9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  ShuffleEpochOrder(rng, &order);
  EXPECT_EQ(Values(order), (std::vector<int64_t>{1, 8, 4, 9, 2, 7, 0, 5, 6, 3}));
  // Nine Bounded draws were made, as numpy's shuffle makes: the stream continues where a shuffle
  // of ten elements leaves it.
  NumpyRandom ref(42);
  std::vector<int64_t> ten(10);
  ref.Shuffle(ten);
  EXPECT_EQ(rng.NextU32(), ref.NextU32());
}

TEST(ShuffleEpochOrderTest, OneSampleMakesNoDraw) {
  NumpyRandom rng(42), ref(42);
  auto order = Order({5});
  ShuffleEpochOrder(rng, &order);
  EXPECT_EQ(Values(order), std::vector<int64_t>{5});
  EXPECT_EQ(rng.NextU32(), ref.NextU32());
}

TEST(BatchCountTest, TrainingDropsThePartialBatch) {
  EXPECT_EQ(TrainingBatches(100, 16, 0), 6);
  EXPECT_EQ(TrainingBatches(96, 16, 0), 6);
  EXPECT_EQ(TrainingBatches(100, 16, 4), 4);
  EXPECT_EQ(TrainingBatches(100, 16, 9), 6);  // a cap above the epoch changes nothing
  EXPECT_EQ(TrainingBatches(15, 16, 0), 0);
}

TEST(BatchCountTest, EvaluationKeepsOrDropsTheRemainder) {
  EXPECT_EQ(EvalBatches(10000, 64, /*drop_remainder=*/true), 156);  // the reference's 9 984 images
  EXPECT_EQ(EvalBatches(10000, 64, false), 157);
  EXPECT_EQ(EvalBatches(128, 64, false), 2);
  EXPECT_EQ(EvalBatches(128, 64, true), 2);
}

TEST(FillTrainingBatchTest, CopiesTheOrderedRows) {
  const Tensor x = Rows(6, 3), y = Rows(6, 2);
  Tensor image(kInt8, {2, 3}), target(kInt8, {2, 2});
  const auto order = Order({4, 0, 5, 2, 1, 3});
  FillTrainingBatch(x, y, order, /*b=*/1, &image, &target);  // rows order[2], order[3] = 5, 2
  EXPECT_EQ(Elements(image), (std::vector<int64_t>{80, 81, 82, 32, 33, 34}));
  EXPECT_EQ(Elements(target), (std::vector<int64_t>{80, 81, 32, 33}));
}

TEST(FillEvalBatchTest, ZeroesThePartialBatchsRest) {
  const Tensor x = Rows(5, 2);
  Tensor image(kInt8, {3, 2});
  for (int64_t i = 0; i < image.size(); ++i) image.Set(i, -1);
  FillEvalBatch(x, /*first=*/3, /*count=*/2, &image);
  EXPECT_EQ(Elements(image), (std::vector<int64_t>{48, 49, 64, 65, 0, 0}));
}

TEST(CountCorrectTest, FirstMaximumAgainstTheLabels) {
  Tensor scores(kInt8, {4, 3});
  const std::vector<int64_t> s = {1,  5,  5,   // tie: the first maximum, class 1
                                  -3, -7, -2,  // class 2
                                  9,  9,  9,   // class 0
                                  0,  1,  2};  // not counted (count = 3)
  for (size_t i = 0; i < s.size(); ++i) scores.Set(i, s[i]);
  const std::vector<uint8_t> labels = {1, 0, 0, 2};
  EXPECT_EQ(CountCorrect(scores, 3, labels), 2);
  EXPECT_EQ(CountCorrect(scores, 4, labels), 3);
  EXPECT_EQ(CountCorrect(scores, 0, labels), 0);
}

}  // namespace
}  // namespace nitro
