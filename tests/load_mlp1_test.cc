// Loads the hand-written MLP-1 model and checks the inferred shapes.
#include "graph/loader.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(LoadMlp1, ShapesAreInferred) {
  auto g = LoadGraph("models/mlp1_mnist.pbtxt");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->batch_size(), 64);
  EXPECT_EQ(g->value("b0.z").type.shape, (Shape{64, 100}));
  EXPECT_EQ(g->value("logits").type.dtype, kInt8);
  EXPECT_EQ(g->value("out.correct").type.shape, Shape{});
}

}  // namespace
}  // namespace nitro
