// Tests of the data-set loaders on small synthetic idx / CIFAR-10 files (plain and gzipped) and
// every error case (the real files are checked by datasets_real_data_test.cc).
#include "dataset/datasets.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/gzip_file.h"
#include "io/sha256.h"

namespace nitro {
namespace {

using ::testing::TempDir;

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string IdxImages(uint32_t n, uint32_t h, uint32_t w, int salt) {
  std::string s = BigEndian(0x803) + BigEndian(n) + BigEndian(h) + BigEndian(w);
  for (uint32_t i = 0; i < n * h * w; ++i) s.push_back(static_cast<char>(i * 13 + salt));
  return s;
}

std::string IdxLabels(const std::vector<uint8_t>& labels) {
  std::string s = BigEndian(0x801) + BigEndian(labels.size());
  for (uint8_t l : labels) s.push_back(static_cast<char>(l));
  return s;
}

// A fresh directory under the test's temp dir.
std::string MakeDir(const std::string& name) {
  const std::string dir = TempDir() + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// Writes the four idx files of a tiny MNIST-like data set (3 train and 2 test images of 2x3);
// returns the checksums of their uncompressed content.
std::map<std::string, std::string> WriteIdxSet(const std::string& dir, bool gzip) {
  const std::map<std::string, std::string> files = {
      {"train-images-idx3-ubyte", IdxImages(3, 2, 3, 1)},
      {"train-labels-idx1-ubyte", IdxLabels({5, 0, 9})},
      {"t10k-images-idx3-ubyte", IdxImages(2, 2, 3, 7)},
      {"t10k-labels-idx1-ubyte", IdxLabels({7, 2})},
  };
  std::map<std::string, std::string> sums;
  for (const auto& [name, bytes] : files) {
    if (gzip) {
      WriteFile(dir + "/" + name + ".gz", *Gzip(bytes));
    } else {
      WriteFile(dir + "/" + name, bytes);
    }
    sums[name] = Sha256Hex(bytes);
  }
  return sums;
}

LoadOptions WithSums(std::map<std::string, std::string> sums) {
  LoadOptions options;
  options.expected_sha256 = std::move(sums);
  return options;
}

TEST(DatasetsTest, LoadsPlainIdxFiles) {
  const std::string dir = MakeDir("plain_idx");
  const LoadOptions options = WithSums(WriteIdxSet(dir, /*gzip=*/false));
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  ASSERT_TRUE(splits.ok()) << splits.status();
  const Dataset& train = splits->train;
  EXPECT_EQ(train.n, 3);
  EXPECT_EQ(train.c, 1);
  EXPECT_EQ(train.h, 2);
  EXPECT_EQ(train.w, 3);
  EXPECT_EQ(train.labels, (std::vector<uint8_t>{5, 0, 9}));
  ASSERT_EQ(train.images.size(), 18u);
  for (int i = 0; i < 18; ++i) EXPECT_EQ(train.images[i], static_cast<uint8_t>(i * 13 + 1));
  EXPECT_EQ(splits->test.n, 2);
  EXPECT_EQ(splits->test.labels, (std::vector<uint8_t>{7, 2}));
  EXPECT_EQ(splits->test.images[0], 7);
}

TEST(DatasetsTest, LoadsGzippedIdxFiles) {
  const std::string dir = MakeDir("gz_idx");
  const LoadOptions options = WithSums(WriteIdxSet(dir, /*gzip=*/true));
  absl::StatusOr<DatasetSplits> splits = LoadDataset("fashion_mnist", dir, options);
  ASSERT_TRUE(splits.ok()) << splits.status();
  EXPECT_EQ(splits->train.n, 3);
  EXPECT_EQ(splits->train.images[17], static_cast<uint8_t>(17 * 13 + 1));
  EXPECT_EQ(splits->test.labels, (std::vector<uint8_t>{7, 2}));
}

TEST(DatasetsTest, MissingFileIsNotFoundWithAHint) {
  const std::string dir = MakeDir("missing");
  const LoadOptions options = WithSums(WriteIdxSet(dir, false));
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kNotFound);
  const std::string msg(splits.status().message());
  EXPECT_TRUE(absl::StrContains(msg, "t10k-labels-idx1-ubyte")) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "tools/fetch_data.sh mnist")) << msg;
}

TEST(DatasetsTest, TruncatedImagesAreDataLoss) {
  const std::string dir = MakeDir("truncated");
  const LoadOptions options = WithSums(WriteIdxSet(dir, false));
  const std::string images = IdxImages(3, 2, 3, 1);
  WriteFile(dir + "/train-images-idx3-ubyte", images.substr(0, images.size() - 1));
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "truncated")) << splits.status();
  WriteFile(dir + "/train-images-idx3-ubyte", images.substr(0, 10));  // a short header
  EXPECT_EQ(LoadDataset("mnist", dir, options).status().code(), absl::StatusCode::kDataLoss);
}

TEST(DatasetsTest, TruncatedGzipIsDataLoss) {
  const std::string dir = MakeDir("truncated_gz");
  const LoadOptions options = WithSums(WriteIdxSet(dir, true));
  const std::string gz = *Gzip(IdxLabels({5, 0, 9}));
  WriteFile(dir + "/train-labels-idx1-ubyte.gz", gz.substr(0, gz.size() - 3));
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "train-labels-idx1-ubyte.gz")) << splits.status();
}

TEST(DatasetsTest, BadMagicIsDataLoss) {
  const std::string dir = MakeDir("magic");
  const LoadOptions options = WithSums(WriteIdxSet(dir, false));
  WriteFile(dir + "/train-labels-idx1-ubyte", IdxImages(1, 1, 3, 0));  // images, not labels
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "bad magic")) << splits.status();
}

TEST(DatasetsTest, InconsistentFilesAreDataLoss) {
  const std::string dir = MakeDir("inconsistent");
  LoadOptions options = WithSums(WriteIdxSet(dir, false));
  const std::string labels = IdxLabels({1, 2});  // 2 labels for 3 images
  WriteFile(dir + "/train-labels-idx1-ubyte", labels);
  options.expected_sha256["train-labels-idx1-ubyte"] = Sha256Hex(labels);
  EXPECT_EQ(LoadDataset("mnist", dir, options).status().code(), absl::StatusCode::kDataLoss);
  const std::string bad_label = IdxLabels({1, 2, 10});
  WriteFile(dir + "/train-labels-idx1-ubyte", bad_label);
  options.expected_sha256["train-labels-idx1-ubyte"] = Sha256Hex(bad_label);
  EXPECT_EQ(LoadDataset("mnist", dir, options).status().code(), absl::StatusCode::kDataLoss);
}

TEST(DatasetsTest, ChecksumMismatchIsDataLoss) {
  const std::string dir = MakeDir("checksum");
  LoadOptions options = WithSums(WriteIdxSet(dir, true));
  options.expected_sha256["t10k-images-idx3-ubyte"] = std::string(64, '0');
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "SHA-256")) << splits.status();
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "t10k-images-idx3-ubyte.gz"));
  options.verify_checksums = false;
  EXPECT_TRUE(LoadDataset("mnist", dir, options).ok());
}

TEST(DatasetsTest, BuiltInTableRejectsNonCanonicalFiles) {
  const std::string dir = MakeDir("builtin");
  WriteIdxSet(dir, false);
  absl::StatusOr<DatasetSplits> splits = LoadDataset("mnist", dir);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(
      absl::StrContains(splits.status().message(), "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"));
}

TEST(DatasetsTest, MissingExpectedChecksumIsInvalidArgument) {
  const std::string dir = MakeDir("no_entry");
  LoadOptions options = WithSums(WriteIdxSet(dir, false));
  options.expected_sha256.erase("train-labels-idx1-ubyte");
  EXPECT_EQ(LoadDataset("mnist", dir, options).status().code(), absl::StatusCode::kInvalidArgument);
}

std::string CifarBatch(const std::vector<uint8_t>& labels, int salt) {
  std::string s;
  for (size_t r = 0; r < labels.size(); ++r) {
    s.push_back(static_cast<char>(labels[r]));
    for (int i = 0; i < 3072; ++i) s.push_back(static_cast<char>(i + 5 * r + salt));
  }
  return s;
}

std::map<std::string, std::string> WriteCifarSet(const std::string& dir) {
  std::map<std::string, std::string> sums;
  for (int b = 1; b <= 6; ++b) {
    const std::string name = b == 6 ? "test_batch.bin" : absl::StrCat("data_batch_", b, ".bin");
    const std::string bytes = CifarBatch({static_cast<uint8_t>(b), static_cast<uint8_t>(9 - b)}, b);
    // Batches 2 and 6 gzipped, the others plain.
    WriteFile(dir + "/" + name + (b % 4 == 2 ? ".gz" : ""), b % 4 == 2 ? *Gzip(bytes) : bytes);
    sums[name] = Sha256Hex(bytes);
  }
  return sums;
}

TEST(DatasetsTest, LoadsCifar10Batches) {
  const std::string dir = MakeDir("cifar");
  absl::StatusOr<DatasetSplits> splits = LoadDataset("cifar10", dir, WithSums(WriteCifarSet(dir)));
  ASSERT_TRUE(splits.ok()) << splits.status();
  const Dataset& train = splits->train;
  EXPECT_EQ(train.n, 10);
  EXPECT_EQ(train.c, 3);
  EXPECT_EQ(train.h, 32);
  EXPECT_EQ(train.w, 32);
  EXPECT_EQ(train.labels, (std::vector<uint8_t>{1, 8, 2, 7, 3, 6, 4, 5, 5, 4}));
  ASSERT_EQ(train.images.size(), 10u * 3072);
  // Image 3 is record 1 of data_batch_2: pixel i holds i + 5 + 2; the planes are R, G, B.
  for (int i : {0, 1023, 1024, 2048, 3071}) {
    EXPECT_EQ(train.images[3 * 3072 + i], static_cast<uint8_t>(i + 7)) << i;
  }
  EXPECT_EQ(splits->test.n, 2);
  EXPECT_EQ(splits->test.labels, (std::vector<uint8_t>{6, 3}));
}

TEST(DatasetsTest, Cifar10ErrorCases) {
  const std::string dir = MakeDir("cifar_bad");
  const LoadOptions options = WithSums(WriteCifarSet(dir));
  const std::string good = CifarBatch({3, 6}, 3);
  WriteFile(dir + "/data_batch_3.bin", good.substr(0, good.size() - 100));
  absl::StatusOr<DatasetSplits> splits = LoadDataset("cifar10", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "data_batch_3.bin"));
  WriteFile(dir + "/data_batch_3.bin", CifarBatch({3, 60}, 3));  // label 60: not CIFAR-10
  EXPECT_EQ(LoadDataset("cifar10", dir, options).status().code(), absl::StatusCode::kDataLoss);
  WriteFile(dir + "/data_batch_3.bin", CifarBatch({3, 7}, 3));  // well formed, other checksum
  EXPECT_EQ(LoadDataset("cifar10", dir, options).status().code(), absl::StatusCode::kDataLoss);
  std::remove((dir + "/data_batch_3.bin").c_str());
  splits = LoadDataset("cifar10", dir, options);
  EXPECT_EQ(splits.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(splits.status().message(), "tools/fetch_data.sh cifar10"));
}

TEST(DatasetsTest, UnknownDatasetIsNotFound) {
  EXPECT_EQ(LoadDataset("imagenet", TempDir()).status().code(), absl::StatusCode::kNotFound);
}

TEST(DatasetsTest, ChecksumTableIsWellFormed) {
  ASSERT_EQ(KnownDatasets().size(), 3u);
  for (const DatasetInfo& info : KnownDatasets()) {
    EXPECT_FALSE(info.urls.empty()) << info.name;
    for (const DatasetFileInfo& f : info.files) {
      EXPECT_EQ(f.sha256.size(), 64u) << f.name;
      EXPECT_GT(f.size, 0) << f.name;
    }
  }
  EXPECT_EQ((*FindDatasetInfo("mnist"))->files.size(), 4u);
  EXPECT_EQ((*FindDatasetInfo("cifar10"))->files.size(), 6u);
}

TEST(DatasetsTest, DefaultDatasetDirHonoursTheEnvironment) {
  setenv("NITRO_DATA_DIR", "/some/where", 1);
  EXPECT_EQ(DefaultDatasetDir("mnist"), "/some/where/mnist");
  unsetenv("NITRO_DATA_DIR");
  EXPECT_EQ(DefaultDatasetDir("cifar10"), "data/cifar10");
}

}  // namespace
}  // namespace nitro
