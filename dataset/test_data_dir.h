// Test-only: finds the directory that tools/fetch_data.sh fills, so real-data tests can run.
#ifndef NITRO_DATASET_TEST_DATA_DIR_H_
#define NITRO_DATASET_TEST_DATA_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nitro {

// The data root, first match of: $NITRO_DATA_DIR; <workspace>/data, where <workspace> is found
// by resolving the symlink of this header in the Bazel runfiles tree to the source tree; ./data.
std::string TestDataRoot();

// TestDataRoot()/name if it holds the data set's first file (plain or .gz), else "".
std::string TestDatasetDir(absl::string_view name);

}  // namespace nitro

#endif  // NITRO_DATASET_TEST_DATA_DIR_H_
