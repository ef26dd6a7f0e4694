#include "deploy/export_command.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "deploy/model_source.h"
#include "deploy/nitro_inference.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nitro::deploy {
namespace {

using ::testing::HasSubstr;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RunExportC, WritesTheSourcesAndTestVectorsOfAnUntrainedModel) {
  ExportCRequest r;
  r.source.model = "models/mlp1_mnist.pbtxt";
  r.source.seed = 5;
  r.out_dir = std::string(getenv("TEST_TMPDIR")) + "/out/nested";
  r.test_vectors = 7;
  auto result = RunExportC(r);
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string stem = r.out_dir + "/mlp1_mnist";
  EXPECT_EQ(result->files,
            (std::vector<std::string>{stem + ".h", stem + ".c", stem + ".inputs.bin", stem + ".logits.bin"}));
  EXPECT_EQ(ReadBytes(stem + ".h"), result->exported.header);
  EXPECT_EQ(ReadBytes(stem + ".c"), result->exported.source);
  EXPECT_EQ(result->vectors, 7);
  EXPECT_EQ(result->correct, -1);  // random inputs have no labels
  EXPECT_EQ(result->description, "untrained: the model's initialisers, seed 5");

  // The logits file holds nitro's inference of the inputs file.
  const std::string inputs = ReadBytes(stem + ".inputs.bin"), logits = ReadBytes(stem + ".logits.bin");
  ASSERT_EQ(inputs.size(), 7u * 784);
  ASSERT_EQ(logits.size(), 7u * 10);
  auto m = LoadModel(r.source);
  ASSERT_TRUE(m.ok());
  auto inference = BuildInferenceGraph(*m->graph);
  ASSERT_TRUE(inference.ok());
  Tensor x(kInt8, {7, 1, 28, 28});
  std::memcpy(x.raw(), inputs.data(), inputs.size());
  auto want = NitroInference(**inference, m->params, x);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(logits, std::string(static_cast<const char*>(want->raw()), want->bytes()));

  const std::string head =
      "nitro export-c: mlp1_mnist, untrained: the model's initialisers, seed 5\n"
      "  parameters 83,900, flash 84,156 bytes of constant data, scratch RAM 150 bytes, 83,900 "
      "multiply-accumulates per sample\n";
  EXPECT_EQ(ExportCSummary(*result).substr(0, head.size()), head);
  EXPECT_THAT(ExportCSummary(*result), HasSubstr("  7 test vectors with nitro's logits\n  wrote " + stem + ".h\n"));
}

TEST(RunExportC, NeedsAnOutputDirectoryAndAModel) {
  ExportCRequest r;
  r.source.model = "models/mlp1_mnist.pbtxt";
  EXPECT_EQ(RunExportC(r).status().message(), "the output directory (--out=DIR) is required");
  r.out_dir = std::string(getenv("TEST_TMPDIR")) + "/none";
  r.source.model.clear();
  EXPECT_EQ(RunExportC(r).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(r.out_dir));
}

}  // namespace
}  // namespace nitro::deploy
