// What qualifies for the conv-block fusions, on hand-written node lists (no shapes needed): the
// rewritten node's inputs, outputs and attributes, and each reason a chain is left alone.
#include "passes/fuse_conv_block.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

proto::Model Parse(const std::string& text) {
  proto::Model m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

std::string Text(const proto::Model& m) {
  std::string s;
  google::protobuf::TextFormat::PrintToString(m, &s);
  return s;
}

// A conv block's backward below its max-pool head, between two unrelated nodes.
constexpr char kGradChain[] = R"pb(
node { name: "before" op: "Flatten" in: "q" out: "before" }
node { name: "b.a/dx" op: "MaxPool2DGrad" in: ["b.head.p/dx", "b.a"] out: "b.a/dx" block: "b"
       attr { name: "kernel" ints { v: [4, 4] } } attr { name: "pad" ints { v: [2, 0] } } }
node { name: "b.a/ds" op: "NitroReluGrad" in: ["b.a/dx", "b.s"] out: "b.a/ds" block: "b"
       attr { name: "alpha_inv" i: 4 } }
node { name: "b.z/dW" op: "Conv2DWeightGrad" in: ["b.a/ds", "x", "b.w"] out: "b.z/dW" block: "b"
       attr { name: "pad" i: 1 } }
node { name: "after" op: "Flatten" in: "b.z/dW" out: "after" }
)pb";

TEST(FuseConvBlockGrads, AChainBecomesOneConvBlockGrad) {
  proto::Model m = Parse(kGradChain);
  EXPECT_EQ(FuseConvBlockGrads(&m), 1);
  EXPECT_EQ(Text(m), Text(Parse(R"pb(
node { name: "before" op: "Flatten" in: "q" out: "before" }
node { name: "b.z/dW" op: "ConvBlockGrad" in: ["b.head.p/dx", "b.a", "b.s", "x", "b.w"] out: "b.z/dW" block: "b"
       attr { name: "kernel" ints { v: [4, 4] } } attr { name: "pad" ints { v: [2, 0] } }
       attr { name: "alpha_inv" i: 4 } attr { name: "conv_pad" i: 1 } }
node { name: "after" op: "Flatten" in: "b.z/dW" out: "after" }
)pb")));
}

// Each mutation leaves the chain as it is.
TEST(FuseConvBlockGrads, IntermediateDeltasMustBePrivateToTheChain) {
  const std::string extra_reader = "node { name: \"spy\" op: \"Flatten\" in: \"b.a/dx\" out: \"spy\" }\n";
  const std::string relu_reader = "node { name: \"spy\" op: \"Flatten\" in: \"b.a/ds\" out: \"spy\" }\n";
  for (const std::string& text : {
           std::string(kGradChain) + extra_reader,                                   // the pool delta read twice
           std::string(kGradChain) + relu_reader,                                    // the ReLU delta read twice
           std::string(kGradChain) + "output: \"b.a/ds\"\n",                         // a model output
           std::string(kGradChain) + "update { param: \"p\" value: \"b.a/dx\" }\n",  // a parameter update
       }) {
    proto::Model m = Parse(text);
    const std::string before = Text(m);
    EXPECT_EQ(FuseConvBlockGrads(&m), 0) << text;
    EXPECT_EQ(Text(m), before);
  }
}

TEST(FuseConvBlockGrads, TheChainMustReadEachDeltaAsItsFirstInput) {
  // NitroReluGrad(s, dx): the pool delta is its second input.
  std::string text = kGradChain;
  text.replace(text.find("in: [\"b.a/dx\", \"b.s\"]"), 21, "in: [\"b.s\", \"b.a/dx\"]");
  proto::Model m = Parse(text);
  EXPECT_EQ(FuseConvBlockGrads(&m), 0);
  // A different op after the ReLU gradient (an input delta instead of the weight gradient).
  text = kGradChain;
  text.replace(text.find("Conv2DWeightGrad"), 16, "Conv2DInputGrad");
  m = Parse(text);
  EXPECT_EQ(FuseConvBlockGrads(&m), 0);
}

constexpr char kForwardChain[] = R"pb(
node { name: "b.z" op: "Conv2D" in: ["x", "b.w"] out: "b.z" block: "b" attr { name: "pad" i: 1 } }
node { name: "b.s" op: "Scale" in: "b.z" out: "b.s" block: "b" attr { name: "divisor" i: 2304 } }
node { name: "b.a" op: "NitroRelu" in: "b.s" out: "b.a" block: "b" attr { name: "alpha_inv" i: 4 } }
node { name: "b.a/ds" op: "NitroReluGrad" in: ["g", "b.s"] out: "b.a/ds" block: "b" }
)pb";

TEST(FuseConvBlockForwards, AChainBecomesOneConvScaleReluKeepingS) {
  proto::Model m = Parse(kForwardChain);
  EXPECT_EQ(FuseConvBlockForwards(&m), 1);
  // s stays a value (the backward reads it); the int32 accumulator b.z is gone.
  EXPECT_EQ(Text(m), Text(Parse(R"pb(
node { name: "b.z" op: "ConvScaleRelu" in: ["x", "b.w"] out: ["b.s", "b.a"] block: "b"
       attr { name: "pad" i: 1 } attr { name: "divisor" i: 2304 } attr { name: "alpha_inv" i: 4 } }
node { name: "b.a/ds" op: "NitroReluGrad" in: ["g", "b.s"] out: "b.a/ds" block: "b" }
)pb")));
}

TEST(FuseConvBlockForwards, TheAccumulatorMustHaveOneReaderAndTheReluTheSameBlock) {
  for (const std::string& text : {
           std::string(kForwardChain) + "node { name: \"spy\" op: \"Flatten\" in: \"b.z\" out: \"spy\" }\n",
           std::string(kForwardChain) + "output: \"b.z\"\n",
       }) {
    proto::Model m = Parse(text);
    EXPECT_EQ(FuseConvBlockForwards(&m), 0) << text;
  }
  std::string other_block = kForwardChain;
  other_block.replace(other_block.find("in: \"b.s\" out: \"b.a\" block: \"b\""), 32,
                      "in: \"b.s\" out: \"b.a\" block: \"c\"");
  proto::Model m = Parse(other_block);
  EXPECT_EQ(FuseConvBlockForwards(&m), 0);
  std::string no_scale = kForwardChain;
  no_scale.replace(no_scale.find("op: \"Scale\""), 11, "op: \"Flatten\"");
  m = Parse(no_scale);
  EXPECT_EQ(FuseConvBlockForwards(&m), 0);
}

// A fused conv block with its head pool, the pool to the next block and other readers of a.
constexpr char kPoolReaders[] = R"pb(
node { name: "b.z" op: "ConvScaleRelu" in: ["x", "b.w"] out: ["b.s", "b.a"] block: "b"
       attr { name: "pad" i: 1 } attr { name: "divisor" i: 2304 } attr { name: "alpha_inv" i: 4 } }
node { name: "b.head.p" op: "MaxPool2D" in: "b.a" out: "b.head.p" block: "b"
       attr { name: "kernel" ints { v: [8, 4] } } attr { name: "pad" ints { v: [1, 0] } } }
node { name: "b.head.f" op: "Flatten" in: "b.head.p" out: "b.head.f" block: "b" }
node { name: "pool1" op: "MaxPool2D" in: "b.a" out: "pool1" attr { name: "kernel" ints { v: [2, 2] } } }
node { name: "b.z/dW" op: "ConvBlockGrad" in: ["g", "b.a", "b.s", "x", "b.w"] out: "b.z/dW" block: "b" }
node { name: "spy" op: "Flatten" in: "b.a" out: "spy" }
node { name: "c.p" op: "MaxPool2D" in: "c.a" out: "c.p" attr { name: "kernel" ints { v: [2, 2] } } }
)pb";

TEST(FuseConvBlockPools, EveryMaxPoolOfTheActivationBecomesAPooledOutput) {
  proto::Model m = Parse(kPoolReaders);
  EXPECT_EQ(FuseConvBlockPools(&m), 2);
  // The pools' outputs keep their names; a pool without a pad attribute has pad 0. Other readers of
  // a, and pools of values no ConvScaleRelu produces, stay.
  EXPECT_EQ(Text(m), Text(Parse(R"pb(
node { name: "b.z" op: "ConvScaleRelu" in: ["x", "b.w"] out: ["b.s", "b.a", "b.head.p", "pool1"] block: "b"
       attr { name: "pad" i: 1 } attr { name: "divisor" i: 2304 } attr { name: "alpha_inv" i: 4 }
       attr { name: "pool_kernels" ints { v: [8, 4, 2, 2] } } attr { name: "pool_pads" ints { v: [1, 0, 0, 0] } } }
node { name: "b.head.f" op: "Flatten" in: "b.head.p" out: "b.head.f" block: "b" }
node { name: "b.z/dW" op: "ConvBlockGrad" in: ["g", "b.a", "b.s", "x", "b.w"] out: "b.z/dW" block: "b" }
node { name: "spy" op: "Flatten" in: "b.a" out: "spy" }
node { name: "c.p" op: "MaxPool2D" in: "c.a" out: "c.p" attr { name: "kernel" ints { v: [2, 2] } } }
)pb")));
  // Applied again, it finds nothing more to move.
  const std::string once = Text(m);
  EXPECT_EQ(FuseConvBlockPools(&m), 0);
  EXPECT_EQ(Text(m), once);
}

TEST(FuseConvBlockPools, PoolsWithoutAKernelOrOfSAreLeftAlone) {
  std::string text = kPoolReaders;
  auto replace = [&text](const std::string& from, const std::string& to, size_t after = 0) {
    text.replace(text.find(from, after), from.size(), to);
  };
  replace("attr { name: \"kernel\" ints { v: [2, 2] } }", "", text.find("\"pool1\""));  // pool1 has no kernel
  replace("in: \"b.a\" out: \"b.head.p\"", "in: \"b.s\" out: \"b.head.p\"");            // the head pools s
  proto::Model m = Parse(text);
  const std::string before = Text(m);
  EXPECT_EQ(FuseConvBlockPools(&m), 0);
  EXPECT_EQ(Text(m), before);
}

}  // namespace
}  // namespace nitro
