// The conv-block fusions (passes/fuse_conv_block: the sparse ConvBlockGrad backward, the
// ConvScaleRelu forward and the max pools moved into it) must train bit-identically to the unfused
// MaxPool2DGrad → NitroReluGrad → Conv2DWeightGrad and Conv2D → Scale → NitroRelu → MaxPool2D chains.
#include <memory>
#include <string>

#include "graph/loader.h"
#include "gtest/gtest.h"
#include "passes/compile.h"
#include "passes/fuse_conv_block.h"
#include "passes/local_gradient.h"
#include "random/default_random.h"
#include "runtime/plan.h"
#include "runtime/serial_executor.h"
#include "train/param_init.h"

namespace nitro {
namespace {

struct Compiled {
  CompiledGraphs graphs;
  std::unique_ptr<Plan> plan;
};

// Compiles through the trainer's pipeline, with or without the conv-block fusions.
Compiled Compile(const Graph& model, bool fuse) {
  CompileOptions options;
  options.fuse = fuse;
  auto graphs = CompileTrainingGraph(model, options);
  EXPECT_TRUE(graphs.ok()) << graphs.status();
  Compiled c;
  c.graphs = std::move(*graphs);
  auto p = Plan::Create(c.graphs.train.get());
  EXPECT_TRUE(p.ok()) << p.status();
  c.plan = std::move(*p);
  return c;
}

void Feed(Compiled& c, int step) {
  DefaultRandom data(500 + step);
  for (const auto& in : c.graphs.train->model().input()) {
    Tensor* t = c.plan->Find(in.name());
    if (in.role() == proto::SCALAR) {
      t->Set(0, 64);
    } else if (in.role() == proto::TARGETS) {
      t->Fill(0);
      for (int64_t b = 0; b < t->dim(0); ++b) t->Set(b * t->dim(1) + data.Bounded(9), 32);
    } else {
      for (int64_t i = 0; i < t->size(); ++i) t->Set(i, static_cast<int64_t>(data.Bounded(255)) - 128);
    }
  }
}

class FusionTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FusionTest, FusedTrainingIsBitIdentical) {
  auto fwd = LoadGraph(GetParam());
  ASSERT_TRUE(fwd.ok()) << fwd.status();
  auto train = DeriveTrainingGraph(*fwd);
  ASSERT_TRUE(train.ok()) << train.status();
  proto::Model fused_model = *train;
  const int fused = FuseConvBlockGrads(&fused_model);
  EXPECT_GE(fused, 2);  // both conv blocks
  EXPECT_GE(FuseConvBlockForwards(&fused_model), 2);
  for (const auto& n : fused_model.node()) EXPECT_NE(n.op(), "Conv2D") << n.name();
  for (const auto& n : fused_model.node()) EXPECT_NE(n.op(), "MaxPool2DGrad") << n.name();
  Compiled plain = Compile(*fwd, /*fuse=*/false);
  Compiled fast = Compile(*fwd, /*fuse=*/true);
  for (const auto& n : fast.graphs.train->nodes()) {
    EXPECT_NE(n.op(), "MaxPool2DGrad") << n.name();
    EXPECT_NE(n.op(), "MaxPool2D") << n.name();  // every pool of these models reads a block's activation
  }
  DefaultRandom init_a(9), init_b(9);
  for (const auto& param : fwd->model().param()) {
    auto wa = InitParam(param, init_a);
    auto wb = InitParam(param, init_b);
    ASSERT_TRUE(plain.plan->Set(param.name(), *wa).ok());
    ASSERT_TRUE(fast.plan->Set(param.name(), *wb).ok());
  }
  for (int step = 0; step < 4; ++step) {
    Feed(plain, step);
    Feed(fast, step);
    ASSERT_TRUE(RunSerial(*plain.plan, true, nullptr).ok());
    ASSERT_TRUE(RunSerial(*fast.plan, true, nullptr).ok());
    for (const auto& u : train->update()) {
      ASSERT_TRUE(plain.plan->Find(u.value())->Equals(*fast.plan->Find(u.value())))
          << "step " << step << " " << u.param();
    }
    plain.plan->CommitUpdates();
    fast.plan->CommitUpdates();
  }
  EXPECT_LT(fast.plan->buffer_bytes(), plain.plan->buffer_bytes());
}

INSTANTIATE_TEST_SUITE_P(Models, FusionTest, ::testing::Values("tests/golden/cnn.pbtxt", "tests/tiny_cnn.pbtxt"));

}  // namespace
}  // namespace nitro
