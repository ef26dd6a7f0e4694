// Checks the loaders on the real data sets that tools/fetch_data.sh fetches (every test skips
// when the data are absent). Tagged "external" so Bazel re-runs it when the data appear.
#include <cstdint>
#include <string>
#include <vector>

#include "dataset/datasets.h"
#include "dataset/test_data_dir.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

std::vector<uint8_t> Head(const std::vector<uint8_t>& v, size_t n) {
  return std::vector<uint8_t>(v.begin(), v.begin() + n);
}

TEST(DatasetsRealDataTest, Mnist) {
  const std::string dir = TestDatasetDir("mnist");
  if (dir.empty()) GTEST_SKIP() << "MNIST not fetched; run tools/fetch_data.sh mnist";
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir);
  ASSERT_TRUE(splits.ok()) << splits.status();
  EXPECT_EQ(splits->train.n, 60000);
  EXPECT_EQ(splits->train.h, 28);
  EXPECT_EQ(splits->test.n, 10000);
  EXPECT_EQ(Head(splits->train.labels, 10), (std::vector<uint8_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
  EXPECT_EQ(Head(splits->test.labels, 10), (std::vector<uint8_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
}

TEST(DatasetsRealDataTest, FashionMnist) {
  const std::string dir = TestDatasetDir("fashion_mnist");
  if (dir.empty()) GTEST_SKIP() << "Fashion-MNIST not fetched; run tools/fetch_data.sh fashion_mnist";
  absl::StatusOr<DatasetSplits> splits = LoadDataset("fashion_mnist", dir);
  ASSERT_TRUE(splits.ok()) << splits.status();
  EXPECT_EQ(splits->train.n, 60000);
  EXPECT_EQ(splits->test.n, 10000);
  EXPECT_EQ(Head(splits->train.labels, 10), (std::vector<uint8_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
}

TEST(DatasetsRealDataTest, Cifar10) {
  const std::string dir = TestDatasetDir("cifar10");
  if (dir.empty()) GTEST_SKIP() << "CIFAR-10 not fetched; run tools/fetch_data.sh cifar10";
  absl::StatusOr<DatasetSplits> splits = LoadDataset("cifar10", dir);
  ASSERT_TRUE(splits.ok()) << splits.status();
  EXPECT_EQ(splits->train.n, 50000);
  EXPECT_EQ(splits->train.c, 3);
  EXPECT_EQ(splits->test.n, 10000);
  // From the data's README: first labels of data_batch_1 and of test_batch.
  EXPECT_EQ(Head(splits->train.labels, 10), (std::vector<uint8_t>{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}));
  EXPECT_EQ(Head(splits->test.labels, 10), (std::vector<uint8_t>{3, 8, 8, 0, 6, 6, 1, 6, 3, 1}));
  std::vector<int64_t> counts(10, 0);
  for (uint8_t l : splits->train.labels) ++counts[l];
  for (int64_t c : counts) EXPECT_EQ(c, 5000);
}

}  // namespace
}  // namespace nitro
