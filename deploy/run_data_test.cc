// The preprocessing and inference that `nitro export-c --test-vectors` and `nitro predict` rebuild
// from a checkpoint give exactly the trainer's own test accuracy (Trainer::FinalTest, what
// `nitro train` and `nitro eval` report), for both random streams.
#include "deploy/run_data.h"

#include <string>

#include "deploy/model_source.h"
#include "deploy/nitro_inference.h"
#include "gtest/gtest.h"
#include "tests/synthetic_data.h"
#include "train/trainer.h"

namespace nitro::deploy {
namespace {

constexpr char kModel[] = "tests/tiny_cnn.pbtxt";

TEST(PreprocessOptionsOf, TakesTheModelsTrainSettings) {
  auto file = ReadModel(kModel);
  ASSERT_TRUE(file.ok());
  auto g = BuildModel(*file, 0);
  ASSERT_TRUE(g.ok());
  const PreprocessOptions po = PreprocessOptionsOf(**g);
  EXPECT_EQ(po.stats_samples, 1024);
  EXPECT_EQ(po.scale, 51);
  EXPECT_EQ(po.one_hot_value, 32);
  EXPECT_EQ(po.num_classes, 10);
}

class RunDataTest : public ::testing::TestWithParam<RngKind> {};

TEST_P(RunDataTest, RebuildsTheTrainersTestAccuracyFromTheCheckpoint) {
  SyntheticOptions d;
  d.n_train = 4000;
  d.n_test = 300;
  d.noise = 220;
  d.seed = 4;
  TrainOptions o;
  o.model_path = kModel;
  o.epochs = 3;
  o.threads = 1;
  o.rng = GetParam();
  o.seed = 17;
  o.val_size = 500;
  o.log = nullptr;
  auto t = Trainer::Create(o, MakeSyntheticData(d));
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE((*t)->Run().ok());
  auto want = (*t)->FinalTest();
  ASSERT_TRUE(want.ok()) << want.status();

  auto file = ReadModel(kModel);
  ASSERT_TRUE(file.ok());
  auto model = BuildModel(*file, 0);
  ASSERT_TRUE(model.ok());
  const proto::Checkpoint& ckpt = (*t)->state();
  auto params = CheckpointParams(ckpt, **model, *file, /*best=*/true, "state");
  ASSERT_TRUE(params.ok()) << params.status();
  auto prep = PreprocessLikeRun(**model, ckpt, MakeSyntheticData(d));
  ASSERT_TRUE(prep.ok()) << prep.status();
  auto inference = BuildInferenceGraph(**model);
  ASSERT_TRUE(inference.ok());
  auto logits = NitroInference(**inference, *params, prep->test_x);
  ASSERT_TRUE(logits.ok()) << logits.status();
  const std::vector<int> predicted = Predictions(*logits);
  int64_t correct = 0;
  for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == prep->test_labels[i];
  EXPECT_EQ(want->total, d.n_test);
  EXPECT_EQ(correct, want->correct);
  EXPECT_GT(correct, d.n_test / 5);  // it learned something, so the comparison means something
}

TEST(PreprocessLikeRun, RefusesAnUnknownGenerator) {
  auto file = ReadModel(kModel);
  ASSERT_TRUE(file.ok());
  auto model = BuildModel(*file, 0);
  ASSERT_TRUE(model.ok());
  proto::Checkpoint c;
  c.set_model_name("tiny_cnn");
  c.set_rng_kind("mersenne");
  EXPECT_EQ(PreprocessLikeRun(**model, c, MakeSyntheticData()).status().message(),
            "checkpoint of tiny_cnn: unknown rng kind 'mersenne'");
}

INSTANTIATE_TEST_SUITE_P(Streams, RunDataTest, ::testing::Values(RngKind::kDefault, RngKind::kNumpy));

}  // namespace
}  // namespace nitro::deploy
