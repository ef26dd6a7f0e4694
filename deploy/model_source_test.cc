#include "deploy/model_source.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/sha256.h"
#include "train/checkpoint.h"
#include "train/param_init.h"

namespace nitro::deploy {
namespace {

using ::testing::HasSubstr;

constexpr char kMlp1[] = "models/mlp1_mnist.pbtxt";

std::unique_ptr<Graph> Mlp1Graph(ModelFile* file) {
  auto f = ReadModel(kMlp1);
  EXPECT_TRUE(f.ok()) << f.status();
  *file = *f;
  auto g = BuildModel(*file, 0);
  EXPECT_TRUE(g.ok()) << g.status();
  return std::move(*g);
}

// A checkpoint of mlp1 whose best parameters are the initialisers' values for seed 1 and whose
// last parameters are those for seed 2.
proto::Checkpoint FakeCheckpoint(const Graph& model, const std::string& text) {
  proto::Checkpoint c;
  c.set_model_name("mlp1_mnist");
  c.set_model_sha256(Sha256Hex(text));
  c.set_rng_kind("default");
  c.set_seed(3);
  c.set_epochs_done(4);
  c.set_best_epoch(2);
  const ParamMap best = *InitialParams(model, 1), last = *InitialParams(model, 2);
  for (const auto& [name, t] : best) *c.add_best_param() = TensorToProto(name, t);
  for (const auto& [name, t] : last) *c.add_param() = TensorToProto(name, t);
  return c;
}

TEST(ReadModel, MissingFileIsNotFound) {
  EXPECT_EQ(ReadModel("/nonexistent.pbtxt").status().code(), absl::StatusCode::kNotFound);
}

TEST(InitialParams, EveryParameterFromItsInitialiserDeterministically) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  auto a = InitialParams(*g, 9), b = InitialParams(*g, 9), c = InitialParams(*g, 10);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->size(), 5u);  // heads included
  const int64_t bound = KaimingBound(784);
  int64_t lo = 0, hi = 0;
  for (int64_t i = 0; i < a->at("b0.w").size(); ++i) {
    lo = std::min(lo, a->at("b0.w").Get(i));
    hi = std::max(hi, a->at("b0.w").Get(i));
  }
  EXPECT_EQ(lo, -bound);
  EXPECT_EQ(hi, bound);
  EXPECT_TRUE(a->at("out.w").Equals(b->at("out.w")));
  EXPECT_FALSE(a->at("out.w").Equals(c->at("out.w")));
}

TEST(CheckpointParams, SelectsTheBestOrTheLastEpochsParameters) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  const proto::Checkpoint c = FakeCheckpoint(*g, file.text);
  auto best = CheckpointParams(c, *g, file, true, "ck");
  auto last = CheckpointParams(c, *g, file, false, "ck");
  ASSERT_TRUE(best.ok() && last.ok()) << best.status() << last.status();
  EXPECT_TRUE(best->at("b1.w").Equals(InitialParams(*g, 1)->at("b1.w")));
  EXPECT_TRUE(last->at("b1.w").Equals(InitialParams(*g, 2)->at("b1.w")));
}

TEST(CheckpointParams, RefusesAnotherModelAndMissingOrMisshapenParameters) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  proto::Checkpoint c = FakeCheckpoint(*g, file.text);
  ModelFile changed = file;
  changed.text += " ";
  auto other = CheckpointParams(c, *g, changed, true, "ck");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.status().message(), HasSubstr("ck: was written for another model, or another version of it"));
  proto::Checkpoint missing = c;
  missing.mutable_best_param()->RemoveLast();
  EXPECT_EQ(CheckpointParams(missing, *g, file, true, "ck").status().message(),
            "ck: parameter 'out.w' is missing");
  proto::Checkpoint misshapen = c;
  *misshapen.mutable_best_param(0) = TensorToProto("b0.w", Tensor(kInt32, {784, 100}));
  EXPECT_EQ(CheckpointParams(misshapen, *g, file, true, "ck").status().message(),
            "ck: parameter 'b0.w' is int32 [784, 100], the model has int32 [100, 784]");
  proto::Checkpoint untrained = c;
  untrained.clear_param();
  EXPECT_EQ(CheckpointParams(untrained, *g, file, false, "ck").status().message(),
            "ck: no epoch has been trained");
}

TEST(LoadModel, FromACheckpointFileOrTheInitialisers) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/ck.pb";
  ASSERT_TRUE(WriteCheckpoint(path, FakeCheckpoint(*g, file.text)).ok());
  auto run = LoadModel({"", path, kMlp1, true, -1});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->description, "best parameters (epoch 2 of 4) of " + path);
  EXPECT_TRUE(run->checkpoint.has_value());
  auto fresh = LoadModel({"", "", kMlp1, true, -1});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->description, "untrained: the model's initialisers, seed 42");  // the model's train.seed
  EXPECT_FALSE(fresh->checkpoint.has_value());
  EXPECT_TRUE(fresh->params.at("b0.w").Equals(InitialParams(*g, 42)->at("b0.w")));
  EXPECT_EQ(LoadModel({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadModel({"/nonexistent", "", "", true, -1}).status().code(), absl::StatusCode::kNotFound);
}

TEST(TensorFileParams, MatchesEveryParameterByName) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  std::vector<NamedTensor> records;
  const ParamMap init = *InitialParams(*g, 4);
  for (const auto& [name, t] : init) records.push_back({name, t});
  records.push_back({"unused", Tensor(kInt8, {1})});
  auto params = TensorFileParams(*g, records, "p.txt");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->size(), 5u);
  EXPECT_TRUE(params->at("b0.head.w").Equals(records[0].tensor));  // the map's order: b0.head.w first
  records[1].tensor = Tensor(kInt16, {100, 784});
  EXPECT_EQ(TensorFileParams(*g, records, "p.txt").status().message(),
            "p.txt: tensor 'b0.w' is int16 [100, 784], the model needs int32 [100, 784]");
  records.erase(records.begin() + 1);
  EXPECT_EQ(TensorFileParams(*g, records, "p.txt").status().message(), "p.txt: has no tensor for parameter 'b0.w'");
}

TEST(BuildInferenceGraph, KeepsTheForwardNodesWithTheirModelFileLines) {
  ModelFile file;
  auto g = Mlp1Graph(&file);
  auto inference = BuildInferenceGraph(*g, file.parsed.node_lines);
  ASSERT_TRUE(inference.ok()) << inference.status();
  ASSERT_EQ((*inference)->nodes().size(), 9u);  // Flatten, 3 x (Linear, Scale), 2 x NitroRelu
  EXPECT_EQ((*inference)->batch_size(), 64);
  bool found = false;
  for (int i = 0; i < 9; ++i) {
    if ((*inference)->nodes()[i].name() == "b0.z") {
      EXPECT_EQ((*inference)->Where(i), "models/mlp1_mnist.pbtxt:25: node 'b0.z' (Linear)");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace nitro::deploy
