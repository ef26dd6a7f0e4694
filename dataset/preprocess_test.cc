// Tests of the integer preprocessing (spec §6.2) on hand-computed data (the golden facts on real
// data are in preprocess_real_data_test.cc).
#include "dataset/preprocess.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "dataset/datasets.h"
#include "graph/tensor.h"
#include "gtest/gtest.h"
#include "random/numpy_random.h"

namespace nitro {
namespace {

// Bounded() always returns 0, so shuffling arange(4) gives [1, 2, 3, 0].
class ZeroRandom : public RandomSource {
 public:
  uint32_t NextU32() override { return 0; }
  uint32_t Bounded(uint32_t) override { return 0; }
  int Bernoulli(int64_t) override { return 0; }
  absl::StatusOr<std::string> SaveState() const override { return std::string(); }
  absl::Status LoadState(absl::string_view) override { return absl::OkStatus(); }
};

Dataset MakeDataset(int64_t c, int64_t h, int64_t w, std::vector<uint8_t> images, std::vector<uint8_t> labels) {
  Dataset d;
  d.n = static_cast<int64_t>(labels.size());
  d.c = c;
  d.h = h;
  d.w = w;
  d.images = std::move(images);
  d.labels = std::move(labels);
  return d;
}

std::vector<int64_t> Values(const Tensor& t) {
  std::vector<int64_t> v(t.size());
  for (int64_t i = 0; i < t.size(); ++i) v[i] = t.Get(i);
  return v;
}

TEST(PreprocessTest, HandComputedStatisticsAndNormalisation) {
  DatasetSplits raw;
  // x16 = x - 128: img0 [0, 2], img1 [-8, 72], img2 [-128, 127], img3 [3, 1].
  raw.train = MakeDataset(1, 1, 2, {128, 130, 120, 200, 0, 255, 131, 129}, {0, 1, 2, 3});
  raw.test = MakeDataset(1, 1, 2, {128, 143}, {9});
  ZeroRandom rng;
  PreprocessOptions options;
  options.stats_samples = 2;  // loaded rows 0, 1 = raw images 1, 2
  absl::StatusOr<PreprocessedData> out = Preprocess(raw, rng, options);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->source_index, (std::vector<int64_t>{1, 2, 3, 0}));
  EXPECT_EQ(out->stats_samples, 2);
  // sum = -8 + 72 - 128 + 127 = 63, mean = trunc(63 / 4) = 15;
  // sum |x - 15| = 23 + 57 + 143 + 112 = 335, mad = trunc(335 / 4) = 83.
  EXPECT_EQ(out->mean, std::vector<int64_t>{15});
  EXPECT_EQ(out->mad, std::vector<int64_t>{83});
  // trunc((x16 - 15) * 51 / 83); -7293 / 83 = -87.9 truncates to -87 (floor would give -88).
  EXPECT_EQ(out->train_x.shape(), (Shape{4, 1, 1, 2}));
  EXPECT_EQ(out->train_x.dtype(), kInt8);
  EXPECT_EQ(Values(out->train_x), (std::vector<int64_t>{-14, 35, -87, 68, -7, -8, -9, -7}));
  EXPECT_EQ(out->train_labels, (std::vector<uint8_t>{1, 2, 3, 0}));
  // Test image: x16 = [0, 15] -> [-9, 0].
  EXPECT_EQ(Values(out->test_x), (std::vector<int64_t>{-9, 0}));
  EXPECT_EQ(out->test_labels, std::vector<uint8_t>{9});
  EXPECT_EQ(out->train_y.shape(), (Shape{4, 10}));
  std::vector<int64_t> y0(10, 0);
  y0[1] = 32;
  const std::vector<int64_t> train_y = Values(out->train_y);
  EXPECT_EQ(std::vector<int64_t>(train_y.begin(), train_y.begin() + 10), y0);
  std::vector<int64_t> ty(10, 0);
  ty[9] = 32;
  EXPECT_EQ(Values(out->test_y), ty);
}

TEST(PreprocessTest, TruncatedMeanAndClipping) {
  DatasetSplits raw;
  // x16 = [0, 0, 0, 127] and [0, 0, 0, -128]: sum -1 -> mean trunc(-1/8) = 0 (floor: -1);
  // mad = trunc(255 / 8) = 31; 127*51/31 = 208 -> 127, -128*51/31 = -210 -> -128.
  raw.train = MakeDataset(1, 2, 2, {128, 128, 128, 255, 128, 128, 128, 0}, {3, 4});
  raw.test = MakeDataset(1, 2, 2, {129, 127, 255, 0}, {5});
  ZeroRandom rng;
  absl::StatusOr<PreprocessedData> out = Preprocess(raw, rng);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->stats_samples, 2);
  EXPECT_EQ(out->mean, std::vector<int64_t>{0});
  EXPECT_EQ(out->mad, std::vector<int64_t>{31});
  EXPECT_EQ(Values(out->train_x), (std::vector<int64_t>{0, 0, 0, -128, 0, 0, 0, 127}));
  // 51/31 = 1.6 -> 1, -51/31 -> -1.
  EXPECT_EQ(Values(out->test_x), (std::vector<int64_t>{1, -1, 127, -128}));
}

TEST(PreprocessTest, PerChannelStatistics) {
  DatasetSplits raw;
  // One image of 2 channels of 1x2: channel 0 x16 = [10, 20], channel 1 x16 = [-4, -9].
  raw.train = MakeDataset(2, 1, 2, {138, 148, 124, 119}, {0});
  raw.test = MakeDataset(2, 1, 2, {138, 148, 124, 119}, {0});
  ZeroRandom rng;
  absl::StatusOr<PreprocessedData> out = Preprocess(raw, rng);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->mean, (std::vector<int64_t>{15, -6}));  // trunc(-13/2) = -6
  EXPECT_EQ(out->mad, (std::vector<int64_t>{5, 2}));     // |2| + |-3| = 5 -> 2
  EXPECT_EQ(Values(out->train_x), (std::vector<int64_t>{-51, 51, 51, -76}));
}

TEST(PreprocessTest, ShuffleIsNumpysShuffle) {
  DatasetSplits raw;
  std::vector<uint8_t> images(10), labels(10);
  for (int i = 0; i < 10; ++i) {
    images[i] = static_cast<uint8_t>(100 + i * 7);
    labels[i] = static_cast<uint8_t>(i);
  }
  raw.train = MakeDataset(1, 1, 1, images, labels);
  raw.test = MakeDataset(1, 1, 1, {1}, {0});
  NumpyRandom rng(42);
  absl::StatusOr<PreprocessedData> out = Preprocess(raw, rng);
  ASSERT_TRUE(out.ok()) << out.status();
  // np.random.seed(42); np.random.permutation(10)
  EXPECT_EQ(out->source_index, (std::vector<int64_t>{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}));
  EXPECT_EQ(out->train_labels, (std::vector<uint8_t>{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}));
}

TEST(PreprocessTest, ErrorCases) {
  ZeroRandom rng;
  DatasetSplits constant;
  constant.train = MakeDataset(1, 1, 2, {7, 7, 7, 7}, {0, 1});
  constant.test = MakeDataset(1, 1, 2, {7, 7}, {0});
  EXPECT_EQ(Preprocess(constant, rng).status().code(), absl::StatusCode::kFailedPrecondition);

  DatasetSplits mismatched;
  mismatched.train = MakeDataset(1, 1, 2, {1, 2, 3, 4}, {0, 1});
  mismatched.test = MakeDataset(1, 2, 1, {7, 7}, {0});
  EXPECT_EQ(Preprocess(mismatched, rng).status().code(), absl::StatusCode::kInvalidArgument);

  DatasetSplits short_images = mismatched;
  short_images.test = MakeDataset(1, 1, 2, {7}, {0});
  EXPECT_EQ(Preprocess(short_images, rng).status().code(), absl::StatusCode::kInvalidArgument);

  DatasetSplits bad_label = mismatched;
  bad_label.test = MakeDataset(1, 1, 2, {7, 8}, {10});
  EXPECT_EQ(Preprocess(bad_label, rng).status().code(), absl::StatusCode::kInvalidArgument);

  DatasetSplits empty;
  EXPECT_EQ(Preprocess(empty, rng).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PreprocessTest, HeldOutSplitTakesTheLastRows) {
  DatasetSplits raw;
  std::vector<uint8_t> images(10 * 2), labels(10);
  for (int i = 0; i < 20; ++i) images[i] = static_cast<uint8_t>(i * 12);
  for (int i = 0; i < 10; ++i) labels[i] = static_cast<uint8_t>(i);
  raw.train = MakeDataset(1, 1, 2, images, labels);
  raw.test = MakeDataset(1, 1, 2, {0, 1}, {0});
  ZeroRandom rng;
  PreprocessOptions options;
  options.stats_samples = 6;
  absl::StatusOr<PreprocessedData> data = Preprocess(raw, rng, options);
  ASSERT_TRUE(data.ok()) << data.status();

  absl::StatusOr<HeldOutData> split = HeldOutSplit(*data, 3);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train_x.shape(), (Shape{7, 1, 1, 2}));
  EXPECT_EQ(split->val_x.shape(), (Shape{3, 1, 1, 2}));
  EXPECT_EQ(split->val_y.shape(), (Shape{3, 10}));
  const std::vector<int64_t> all = Values(data->train_x);
  EXPECT_EQ(Values(split->train_x), std::vector<int64_t>(all.begin(), all.begin() + 14));
  EXPECT_EQ(Values(split->val_x), std::vector<int64_t>(all.begin() + 14, all.end()));
  EXPECT_EQ(split->val_labels, std::vector<uint8_t>(data->train_labels.begin() + 7, data->train_labels.end()));
  const std::vector<int64_t> y = Values(data->train_y);
  EXPECT_EQ(Values(split->val_y), std::vector<int64_t>(y.begin() + 70, y.end()));

  // 5 validation rows would include loaded row 5, which the statistics used.
  EXPECT_EQ(HeldOutSplit(*data, 5).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(HeldOutSplit(*data, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HeldOutSplit(*data, 10).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nitro
