// ShardTrainingGraph (dist/data_parallel.h) on compiled training graphs: an AllReduce before every
// IntegerSGD, one per visit of a double-visited block, Dropout slices, the bytes per step; one rank
// changes nothing; batch sizes that do not divide are refused.
#include "dist/data_parallel.h"

#include <map>
#include <string>

#include "graph/loader.h"
#include "gtest/gtest.h"
#include "passes/compile.h"

namespace nitro {
namespace {

std::unique_ptr<Graph> CompiledTrainGraph(const std::string& path, int64_t batch) {
  absl::StatusOr<Graph> model = LoadGraph(path, batch);
  EXPECT_TRUE(model.ok()) << model.status();
  absl::StatusOr<CompiledGraphs> compiled = CompileTrainingGraph(*model);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return std::move(compiled->train);
}

int CountOp(const Graph& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.op() == op;
  return n;
}

TEST(ShardTrainingGraphTest, EveryUpdateReadsAReducedGradient) {
  for (const char* path : {"tests/dropout_mlp.pbtxt", "tests/dp_cnn.pbtxt"}) {
    SCOPED_TRACE(path);
    std::unique_ptr<Graph> train = CompiledTrainGraph(path, 8);
    absl::StatusOr<std::unique_ptr<Graph>> shard = ShardTrainingGraph(*train, RankSlice{1, 2});
    ASSERT_TRUE(shard.ok()) << shard.status();
    const Graph& g = **shard;
    EXPECT_EQ(g.batch_size(), 8);
    EXPECT_EQ(CountOp(g, "AllReduce"), CountOp(*train, "IntegerSGD"));
    int64_t bytes = 0;
    for (int i = 0; i < static_cast<int>(g.nodes().size()); ++i) {
      const proto::Node& n = g.nodes()[i];
      if (n.op() == "IntegerSGD") {
        const std::string& gradient = n.in(1);
        ASSERT_EQ(g.value(gradient).producer >= 0, true);
        EXPECT_EQ(g.nodes()[g.value(gradient).producer].op(), "AllReduce") << n.name();
        bytes += NumElements(g.value(n.in(0)).type.shape) * 4;
      }
      if (n.op() == "Dropout") {
        EXPECT_EQ(g.attrs(i).GetInt("batch_slices"), 2);
        EXPECT_EQ(g.attrs(i).GetInt("batch_slice"), 1);
      }
    }
    EXPECT_EQ(AllReduceBytesPerStep(g), bytes);
    EXPECT_EQ(AllReduceBytesPerStep(*train), 0);
  }
}

TEST(ShardTrainingGraphTest, ADoubleVisitedBlockReducesBeforeEachUpdate) {
  std::unique_ptr<Graph> train = CompiledTrainGraph("tests/dp_cnn.pbtxt", 8);
  absl::StatusOr<std::unique_ptr<Graph>> shard = ShardTrainingGraph(*train, RankSlice{0, 4});
  ASSERT_TRUE(shard.ok()) << shard.status();
  // Each visit's gradients get their own AllReduce, in the block (fc: 2 parameters x 2 visits).
  std::map<std::string, int> reduces_per_block;
  for (const auto& n : (*shard)->nodes()) {
    if (n.op() == "AllReduce") ++reduces_per_block[n.block()];
  }
  EXPECT_EQ(reduces_per_block["fc"], 4);
  EXPECT_EQ(reduces_per_block["b0"], 2);
  EXPECT_EQ(reduces_per_block["out"], 1);
}

TEST(ShardTrainingGraphTest, OneRankChangesNothing) {
  std::unique_ptr<Graph> train = CompiledTrainGraph("tests/dropout_mlp.pbtxt", 16);
  absl::StatusOr<std::unique_ptr<Graph>> shard = ShardTrainingGraph(*train, RankSlice{0, 1});
  ASSERT_TRUE(shard.ok()) << shard.status();
  EXPECT_EQ((*shard)->model().SerializeAsString(), train->model().SerializeAsString());
  EXPECT_FALSE(ShardTrainingGraph(*train, RankSlice{2, 2}).ok());
}

TEST(SliceBatchSizeTest, TheBatchMustDivideByTheRanks) {
  EXPECT_EQ(*SliceBatchSize(64, 4, "m"), 16);
  EXPECT_EQ(*SliceBatchSize(64, 1, "m"), 64);
  absl::StatusOr<int64_t> bad = SliceBatchSize(64, 3, "models/x.pbtxt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("models/x.pbtxt: the batch size 64 does not divide by the 3 ranks"),
            absl::string_view::npos);
  EXPECT_FALSE(SliceBatchSize(64, 0, "m").ok());
}

}  // namespace
}  // namespace nitro
