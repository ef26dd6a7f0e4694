#include "deploy/nitro_inference.h"

#include "deploy/model_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "random/default_random.h"

namespace nitro::deploy {
namespace {

using ::testing::ElementsAre;

Tensor RandomInputs(int64_t n) {
  Tensor t(kInt8, {n, 1, 8, 8});
  DefaultRandom rng(5);
  for (int64_t i = 0; i < t.size(); ++i) t.Set(i, static_cast<int64_t>(rng.NextU32() & 0xff) - 128);
  return t;
}

TEST(NitroInference, TheBatchSizeDoesNotChangeAnyLogit) {
  auto file = ReadModel("tests/tiny_cnn.pbtxt");
  ASSERT_TRUE(file.ok());
  auto b16 = BuildModel(*file, 0), b1 = BuildModel(*file, 1);
  ASSERT_TRUE(b16.ok() && b1.ok());
  auto params = InitialParams(**b16, 3);
  auto g16 = BuildInferenceGraph(**b16), g1 = BuildInferenceGraph(**b1);
  ASSERT_TRUE(params.ok() && g16.ok() && g1.ok());
  for (auto& [name, t] : *params) {  // larger weights than the initialisers', so the logits vary
    for (int64_t i = 0; i < t.size(); ++i) t.Set(i, t.Get(i) * 40);
  }
  const Tensor inputs = RandomInputs(37);  // two full batches of 16 and a padded one
  auto l16 = NitroInference(**g16, *params, inputs);
  auto l1 = NitroInference(**g1, *params, inputs);
  ASSERT_TRUE(l16.ok()) << l16.status();
  ASSERT_TRUE(l1.ok()) << l1.status();
  EXPECT_EQ(l16->shape(), (Shape{37, 10}));
  EXPECT_TRUE(l16->Equals(*l1));
  bool varies = false;
  for (int64_t i = 10; i < l16->size(); ++i) varies |= l16->Get(i) != l16->Get(i % 10);
  EXPECT_TRUE(varies);
  Tensor wrong(kInt16, {3, 1, 8, 8});
  EXPECT_EQ(NitroInference(**g16, *params, wrong).status().message(),
            "the inputs are int16 [3, 1, 8, 8], the graph reads int8 [16, 1, 8, 8] per batch");
  ParamMap none;
  EXPECT_EQ(NitroInference(**g16, none, inputs).status().message(), "no tensor for parameter 'b0.w'");
}

TEST(Predictions, TheFirstLargestLogitOfEachRow) {
  Tensor logits(kInt8, {3, 4});
  const int v[12] = {1, 5, 5, 0, -3, -2, -9, -2, 7, 7, 7, 7};
  for (int i = 0; i < 12; ++i) logits.Set(i, v[i]);
  EXPECT_THAT(Predictions(logits), ElementsAre(1, 1, 0));
}

}  // namespace
}  // namespace nitro::deploy
