#include "deploy/predict.h"

#include <fstream>
#include <string>

#include "dataset/test_data_dir.h"
#include "deploy/export_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/sha256.h"
#include "train/checkpoint.h"

namespace nitro::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kMlp1[] = "models/mlp1_mnist.pbtxt";

Image Gray(int64_t h, int64_t w, uint8_t v) { return Image{1, h, w, std::vector<uint8_t>(h * w, v)}; }

TEST(ImagesAsDataset, StacksImagesOfTheModelsInputShape) {
  auto file = ReadModel(kMlp1);
  ASSERT_TRUE(file.ok());
  auto g = BuildModel(*file, 0);
  ASSERT_TRUE(g.ok());
  auto d = ImagesAsDataset({Gray(28, 28, 1), Gray(28, 28, 2)}, {"a", "b"}, **g);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->n, 2);
  EXPECT_EQ(d->c, 1);
  EXPECT_EQ(d->images.size(), 2u * 784);
  EXPECT_EQ(d->images[784], 2);
  EXPECT_THAT(d->labels, ElementsAre(0, 0));
  EXPECT_EQ(ImagesAsDataset({Gray(32, 32, 0)}, {"big.png"}, **g).status().message(),
            "big.png: is 32x32 grayscale; the model reads 28x28 grayscale images");
  Image rgb{3, 28, 28, std::vector<uint8_t>(3 * 784)};
  EXPECT_EQ(ImagesAsDataset({rgb}, {"c.png"}, **g).status().message(),
            "c.png: is 28x28 RGB; the model reads 28x28 grayscale images");
}

TEST(RunPredict, NeedsARunAndImages) {
  PredictRequest r;
  r.images = {"x.pgm"};
  EXPECT_THAT(RunPredict(r).status().message(), HasSubstr("give the run whose parameters classify the images"));
  r.source.run_dir = "/nonexistent";
  r.images.clear();
  EXPECT_EQ(RunPredict(r).status().message(), "give one or more image files");
}

TEST(PredictionLine, ShowsTheClassItsNameAndTheLogits) {
  EXPECT_EQ(PredictionLine({"d.png", 7, "7", {-3, 0, 12}}), "d.png: 7  logits [-3, 0, 12]");
  EXPECT_EQ(PredictionLine({"c.ppm", 3, "cat", {1, 2}}), "c.ppm: 3 (cat)  logits [1, 2]");
}

// On real MNIST: the first test images written as PGM and PNG files classify exactly as the
// export's test vectors (the data set's own test images, preprocessed as in training) say.
TEST(RunPredict, ImageFilesGetTheLogitsOfTheSameTestImagesInTheDataSet) {
  const std::string dir = TestDatasetDir("mnist");
  if (dir.empty()) GTEST_SKIP() << "MNIST not fetched; run tools/fetch_data.sh mnist";
  const std::string tmp = getenv("TEST_TMPDIR");
  auto file = ReadModel(kMlp1);
  ASSERT_TRUE(file.ok());
  auto g = BuildModel(*file, 0);
  ASSERT_TRUE(g.ok());
  proto::Checkpoint c;  // a "run" whose best parameters are the initialisers' for seed 8
  c.set_model_name("mlp1_mnist");
  c.set_model_sha256(Sha256Hex(file->text));
  c.set_rng_kind("numpy");
  c.set_seed(42);
  c.set_epochs_done(1);
  c.set_best_epoch(1);
  const ParamMap params = *InitialParams(**g, 8);
  for (const auto& [name, t] : params) *c.add_best_param() = TensorToProto(name, t);
  ASSERT_TRUE(WriteCheckpoint(tmp + "/checkpoint.pb", c).ok());

  ExportCRequest e;
  e.source = {tmp, "", kMlp1, true, -1};
  e.out_dir = tmp + "/c";
  e.test_vectors = 3;
  e.data_dir = dir;
  auto exported = RunExportC(e);
  ASSERT_TRUE(exported.ok()) << exported.status();
  std::ifstream labels(tmp + "/c/mlp1_mnist.labels.bin", std::ios::binary), logits(tmp + "/c/mlp1_mnist.logits.bin");
  std::string l(3, '\0'), z(30, '\0');
  labels.read(&l[0], 3);
  logits.read(&z[0], 30);
  EXPECT_EQ(l, std::string("\x07\x02\x01", 3));  // the first MNIST test labels

  auto raw = LoadDataset("mnist", dir);
  ASSERT_TRUE(raw.ok());
  PredictRequest r;
  r.source = e.source;
  r.data_dir = dir;
  for (int i = 0; i < 3; ++i) {
    const std::string path = tmp + "/digit" + std::to_string(i) + ".pgm";
    std::ofstream(path, std::ios::binary)
        << "P5\n28 28\n255\n"
        << std::string(raw->test.images.begin() + i * 784, raw->test.images.begin() + (i + 1) * 784);
    r.images.push_back(path);
  }
  auto predictions = RunPredict(r);
  ASSERT_TRUE(predictions.ok()) << predictions.status();
  ASSERT_EQ(predictions->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const Prediction& p = (*predictions)[i];
    ASSERT_EQ(p.logits.size(), 10u);
    int best = 0;
    for (int k = 0; k < 10; ++k) {
      EXPECT_EQ(p.logits[k], static_cast<int8_t>(z[i * 10 + k])) << i << " " << k;
      if (p.logits[k] > p.logits[best]) best = k;
    }
    EXPECT_EQ(p.label, best);
    EXPECT_EQ(p.label_name, std::to_string(best));
  }
}

}  // namespace
}  // namespace nitro::deploy
