// Every zoo model in the short form (models/short/, calls into models/lib/nitro_blocks.pbtxt with
// derived shapes, divisors and head pooling) expands to exactly the graph of its long file in
// models/: the same validated model proto (values, parameters, init, amp/decay, blocks, attributes)
// and the same derived training and inference graphs.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "graph/loader.h"
#include "graph/model_printer.h"
#include "gtest/gtest.h"
#include "passes/compile.h"

namespace nitro {
namespace {

const std::vector<std::string> kModels = {{"mlp1_mnist", "mlp2_fmnist", "mlp3_mnist", "mlp3_fmnist", "mlp4_cifar10",
                                           "vgg8b_mnist", "vgg8b_fmnist", "vgg8b_cifar10", "vgg11b_cifar10"}};

void ExpectSame(const proto::Model& want, const proto::Model& got, const std::string& what) {
  google::protobuf::util::MessageDifferencer diff;
  std::string report;
  diff.ReportDifferencesToString(&report);
  EXPECT_TRUE(diff.Compare(want, got)) << what << " differs:\n" << report;
}

class ShortForm : public ::testing::TestWithParam<std::string> {};

TEST_P(ShortForm, ExpandsToTheLongFile) {
  const std::string name = GetParam();
  auto long_graph = LoadGraph(absl::StrCat("models/", name, ".pbtxt"), 2);
  ASSERT_TRUE(long_graph.ok()) << long_graph.status();
  std::vector<std::string> warnings;
  auto short_graph = LoadGraph(absl::StrCat("models/short/", name, ".pbtxt"), 2, &warnings);
  ASSERT_TRUE(short_graph.ok()) << short_graph.status();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  // The expanded text is the long file's model, written out in full.
  EXPECT_EQ(ModelToText(long_graph->model()), ModelToText(short_graph->model()));
  ExpectSame(long_graph->model(), short_graph->model(), "the built model");

  auto long_compiled = CompileTrainingGraph(*long_graph);
  auto short_compiled = CompileTrainingGraph(*short_graph);
  ASSERT_TRUE(long_compiled.ok()) << long_compiled.status();
  ASSERT_TRUE(short_compiled.ok()) << short_compiled.status();
  ExpectSame(long_compiled->train->model(), short_compiled->train->model(), "the derived training graph");
  ExpectSame(long_compiled->inference->model(), short_compiled->inference->model(), "the inference graph");
}

INSTANTIATE_TEST_SUITE_P(Zoo, ShortForm, ::testing::ValuesIn(kModels),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ShortForm, VggFitsOnAPage) {
  auto parsed = ReadModelFile("models/short/vgg8b_cifar10.pbtxt");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // Expanded: 6 conv blocks of 8 nodes, 4 pools, 2 dropouts, a flatten, 6 FC nodes, 3 output nodes.
  EXPECT_EQ(parsed->model.node_size(), 6 * 8 + 4 + 2 + 1 + 6 + 3);
  EXPECT_EQ(parsed->model.function_size(), 0);
  EXPECT_EQ(parsed->model.imports_size(), 0);
  // The loader keeps the imported library's text (a checkpoint's model hash covers it).
  ASSERT_EQ(parsed->import_texts.size(), 1u);
  std::ifstream lib("models/lib/nitro_blocks.pbtxt");
  std::stringstream text;
  text << lib.rdbuf();
  EXPECT_EQ(parsed->import_texts[0], text.str());
}

}  // namespace
}  // namespace nitro
