// Test-only: finds the directory that tools/fetch_data.sh fills, so real-data tests can run.
#include "dataset/test_data_dir.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dataset/datasets.h"

namespace nitro {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string TestDataRoot() {
  if (const char* env = getenv("NITRO_DATA_DIR"); env != nullptr && env[0] != '\0') return env;
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    constexpr absl::string_view kMarker = "/dataset/test_data_dir.h";
    const std::string link = absl::StrCat(srcdir, "/", workspace, kMarker);
    char resolved[PATH_MAX];
    if (realpath(link.c_str(), resolved) != nullptr && absl::EndsWith(resolved, kMarker)) {
      std::string root(resolved);
      root.resize(root.size() - kMarker.size());
      return root + "/data";
    }
  }
  return "data";
}

std::string TestDatasetDir(absl::string_view name) {
  absl::StatusOr<const DatasetInfo*> info = FindDatasetInfo(name);
  if (!info.ok()) return "";
  const std::string dir = absl::StrCat(TestDataRoot(), "/", name);
  const std::string first = absl::StrCat(dir, "/", (*info)->files[0].name);
  return Exists(first) || Exists(first + ".gz") ? dir : "";
}

}  // namespace nitro
