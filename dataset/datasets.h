// Loading MNIST, Fashion-MNIST (idx files) and CIFAR-10 (binary batches) as uint8 NCHW arrays.
//
// Files may be plain or gzip-compressed (".gz" suffix, detected by content). Every file is checked
// for structure (magic, header, exact size) and, by default, by the SHA-256 of its uncompressed
// content against the table in datasets.cc, so a run never trains on a corrupt or different file.
// tools/fetch_data.sh lays the files out as DATA/mnist/, DATA/fashion_mnist/, DATA/cifar10/.
#ifndef NITRO_DATASET_DATASETS_H_
#define NITRO_DATASET_DATASETS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nitro {

// One split of a data set: n images of c x h x w uint8 pixels and their class labels.
struct Dataset {
  int64_t n = 0, c = 0, h = 0, w = 0;
  std::vector<uint8_t> images;  // n*c*h*w bytes, NCHW, row-major (C order), raw file order
  std::vector<uint8_t> labels;  // n class indices in [0, 10)
};

struct DatasetSplits {
  Dataset train, test;
};

// A file of a known data set, as its canonical release has it.
struct DatasetFileInfo {
  absl::string_view name;    // file name without ".gz", e.g. "train-images-idx3-ubyte"
  int64_t size;              // bytes once uncompressed
  absl::string_view sha256;  // lowercase hex SHA-256 of the uncompressed bytes
};

struct DatasetInfo {
  absl::string_view name;  // "mnist", "fashion_mnist" or "cifar10"
  absl::Span<const DatasetFileInfo> files;
  absl::Span<const absl::string_view> urls;  // canonical downloads, for users with internet
};

// The built-in table of the three supported data sets.
absl::Span<const DatasetInfo> KnownDatasets();
// NotFound for an unknown name.
absl::StatusOr<const DatasetInfo*> FindDatasetInfo(absl::string_view name);

struct LoadOptions {
  // Verify the SHA-256 of every file's uncompressed content.
  bool verify_checksums = true;
  // Expected SHA-256 by file name (without ".gz"). Empty: the built-in table. Tests pass their
  // own so that synthetic files can be loaded and verified.
  std::map<std::string, std::string> expected_sha256;
};

// Loads data set `name` ("mnist", "fashion_mnist" or "cifar10") from the directory `dir` that
// holds its files (e.g. "data/mnist"):
//   mnist, fashion_mnist: {train,t10k}-images-idx3-ubyte and {train,t10k}-labels-idx1-ubyte
//                         -> (N, 1, 28, 28); train has 60000 images and test 10000.
//   cifar10: data_batch_1.bin .. data_batch_5.bin (train, in that order) and test_batch.bin;
//            records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32, row-major),
//            which is already C x H x W -> (N, 3, 32, 32).
// Each file F is read from dir/F, or else dir/F.gz. Errors name the file and say what to do:
// NotFound if it is missing, DataLoss if it is truncated, has a bad magic or header, is a
// corrupt gzip stream, or fails the checksum; NotFound for an unknown data set name.
absl::StatusOr<DatasetSplits> LoadDataset(absl::string_view name, const std::string& dir,
                                          const LoadOptions& options = {});

// The directory tools/fetch_data.sh fills for `name`: $NITRO_DATA_DIR/name if NITRO_DATA_DIR is
// set, else data/name (relative to the working directory).
std::string DefaultDatasetDir(absl::string_view name);

// Parsers of already-uncompressed bytes; `name` is used in error messages.
// An idx3 ubyte image file (magic 0x00000803: n, rows, cols) -> (n, 1, rows, cols), no labels.
absl::StatusOr<Dataset> ParseIdxImages(absl::string_view bytes, absl::string_view name);
// An idx1 ubyte label file (magic 0x00000801: n) -> n labels, each < 10.
absl::StatusOr<std::vector<uint8_t>> ParseIdxLabels(absl::string_view bytes, absl::string_view name);
// Appends the records of one CIFAR-10 binary batch to `out` (which must be empty or 3x32x32).
absl::Status AppendCifar10Batch(absl::string_view bytes, absl::string_view name, Dataset& out);

}  // namespace nitro

#endif  // NITRO_DATASET_DATASETS_H_
