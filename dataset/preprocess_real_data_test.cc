// Checks the preprocessing against the golden facts of the reference run on real MNIST and
// Fashion-MNIST (skips when the data are absent). Tagged "external" so Bazel re-runs it when the
// data appear.
#include <cstdint>
#include <string>
#include <vector>

#include "dataset/datasets.h"
#include "dataset/preprocess.h"
#include "dataset/test_data_dir.h"
#include "graph/tensor.h"
#include "gtest/gtest.h"
#include "io/sha256.h"
#include "random/numpy_random.h"

namespace nitro {
namespace {

std::string TensorSha256(const Tensor& t) { return Sha256Hex(t.raw(), t.bytes()); }

TEST(PreprocessRealDataTest, MnistSeed42MatchesTheGoldenRun) {
  const std::string dir = TestDatasetDir("mnist");
  if (dir.empty()) GTEST_SKIP() << "MNIST not fetched; run tools/fetch_data.sh mnist";
  absl::StatusOr<DatasetSplits> raw = LoadDataset("mnist", dir);
  ASSERT_TRUE(raw.ok()) << raw.status();
  NumpyRandom rng(42);
  absl::StatusOr<PreprocessedData> out = Preprocess(*raw, rng);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->mean, std::vector<int64_t>{-94});
  EXPECT_EQ(out->mad, std::vector<int64_t>{55});
  EXPECT_EQ(out->stats_samples, 25000);
  EXPECT_EQ(out->train_x.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(out->test_x.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_EQ(TensorSha256(out->train_x), "09437cf6a40f5b9b8357848ba46e71751bebedd94bd9e1fc5bc4cb1aa5c9e338");
  EXPECT_EQ(TensorSha256(out->test_x), "973b658d60370cbe002c2a68383da55c6314ae1e29292ce256166d2c62a5a98f");
  // golden/mlp1/step1.txt: input.source_index and input.label.
  EXPECT_EQ(std::vector<int64_t>(out->source_index.begin(), out->source_index.begin() + 8),
            (std::vector<int64_t>{12628, 37730, 39991, 8525, 8279, 51012, 14871, 15127}));
  EXPECT_EQ(std::vector<uint8_t>(out->train_labels.begin(), out->train_labels.begin() + 8),
            (std::vector<uint8_t>{7, 3, 8, 9, 3, 9, 7, 7}));
}

TEST(PreprocessRealDataTest, FashionMnistSeed42MatchesTheSpec) {
  const std::string dir = TestDatasetDir("fashion_mnist");
  if (dir.empty()) GTEST_SKIP() << "Fashion-MNIST not fetched; run tools/fetch_data.sh fashion_mnist";
  absl::StatusOr<DatasetSplits> raw = LoadDataset("fashion_mnist", dir);
  ASSERT_TRUE(raw.ok()) << raw.status();
  NumpyRandom rng(42);
  absl::StatusOr<PreprocessedData> out = Preprocess(*raw, rng);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->mean, std::vector<int64_t>{-54});
  EXPECT_EQ(out->mad, std::vector<int64_t>{82});
  EXPECT_EQ(std::vector<uint8_t>(out->train_labels.begin(), out->train_labels.begin() + 8),
            (std::vector<uint8_t>{8, 8, 7, 4, 8, 4, 1, 0}));
  // Row 14 of normalised test image 0 starts -46 x6, -44, -43, -45, -46 x3, 14, 38, 22.
  const std::vector<int64_t> expected = {-46, -46, -46, -46, -46, -46, -44, -43, -45, -46, -46, -46, 14, 38, 22};
  for (size_t x = 0; x < expected.size(); ++x) {
    EXPECT_EQ(out->test_x.Get(14 * 28 + x), expected[x]) << "x=" << x;
  }
}

}  // namespace
}  // namespace nitro
