// Tests of `nitro export-tensors`: file and run-directory arguments, --best, and errors.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "io/tensor_text.h"
#include "tools/commands.h"
#include "train/checkpoint.h"

namespace nitro::cli {
namespace {

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string templ = std::string(d != nullptr ? d : "/tmp") + "/export_XXXXXX";
  EXPECT_NE(::mkdtemp(templ.data()), nullptr);
  return templ;
}

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Export(const std::vector<std::string>& args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = RunExportTensors(args);
  Result r{code, "", ""};
  r.out = testing::internal::GetCapturedStdout();
  r.err = testing::internal::GetCapturedStderr();
  return r;
}

Tensor Make(DType dtype, Shape shape, std::vector<int64_t> values) {
  Tensor t(dtype, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.Set(static_cast<int64_t>(i), values[i]);
  return t;
}

proto::Checkpoint Sample() {
  proto::Checkpoint c;
  c.set_model_name("tiny");
  *c.add_param() = TensorToProto("fc/w", Make(kInt8, {2, 3}, {1, -2, 3, -128, 127, 0}));
  *c.add_param() = TensorToProto("fc/b", Make(kInt32, {2}, {-70000, 5}));
  *c.add_param() = TensorToProto("a_scalar", Make(kInt64, {}, {int64_t{1} << 40}));
  c.set_best_epoch(2);
  *c.add_best_param() = TensorToProto("fc/w", Make(kInt8, {2, 3}, {9, 8, 7, 6, 5, 4}));
  return c;
}

constexpr char kExpected[] =
    "fc/w int8 2 3\n"
    "1 -2 3 -128 127 0\n"
    "fc/b int32 2\n"
    "-70000 5\n"
    "a_scalar int64 1\n"
    "1099511627776\n";

TEST(ExportTensorsTest, FileAndRunDirectory) {
  const std::string dir = TempDir();
  const std::string path = dir + "/checkpoint.pb";
  ASSERT_TRUE(WriteCheckpoint(path, Sample()).ok());
  Result r = Export({path});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, kExpected);
  EXPECT_EQ(r.err, "");
  r = Export({dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, kExpected);
  // The output parses back as the same tensors.
  auto parsed = ParseTensorText(r.out, "stdout");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[1].name, "fc/b");
  EXPECT_TRUE((*parsed)[1].tensor.Equals(Make(kInt32, {2}, {-70000, 5})));
}

TEST(ExportTensorsTest, Best) {
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteCheckpoint(dir + "/checkpoint.pb", Sample()).ok());
  Result r = Export({"--best", dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "fc/w int8 2 3\n9 8 7 6 5 4\n");

  proto::Checkpoint no_best = Sample();
  no_best.clear_best_param();
  no_best.set_best_epoch(0);
  ASSERT_TRUE(WriteCheckpoint(dir + "/checkpoint.pb", no_best).ok());
  r = Export({dir, "--best"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(absl::StrContains(r.err, "no best parameters")) << r.err;
}

TEST(ExportTensorsTest, Help) {
  Result r = Export({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(absl::StartsWith(r.out, "usage: nitro export-tensors")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "checkpoint.pb"));
}

TEST(ExportTensorsTest, Errors) {
  const std::string dir = TempDir();
  // Usage errors exit 2 with one line that points at --help.
  Result r = Export({});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "nitro export-tensors: missing CHECKPOINT_OR_RUN_DIR; see 'nitro export-tensors --help'\n");

  r = Export({"--bogus", dir});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown flag '--bogus'")) << r.err;

  r = Export({"a", "b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "unexpected argument 'b'")) << r.err;

  // Errors at run time exit 1.

  r = Export({dir});  // a directory without checkpoint.pb
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, dir + "/checkpoint.pb")) << r.err;
  EXPECT_EQ(r.out, "");

  const std::string bad = dir + "/bad.pb";
  FILE* f = std::fopen(bad.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("not a checkpoint at all, just some text of decent length......", f);
  std::fclose(f);
  r = Export({bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "bad magic")) << r.err;

  // A corrupt tensor inside a valid frame: nothing is printed.
  proto::Checkpoint c = Sample();
  c.mutable_param(1)->mutable_data()->pop_back();
  ASSERT_TRUE(WriteCheckpoint(dir + "/c.pb", c).ok());
  r = Export({dir + "/c.pb"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(absl::StrContains(r.err, "'fc/b'")) << r.err;
}

}  // namespace
}  // namespace nitro::cli
