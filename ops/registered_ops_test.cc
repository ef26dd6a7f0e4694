// The built-in op library registers exactly the ops below, each tested in the *_test.cc next to the
// file that declares it. An op added without a test here fails this test until it is listed.
#include "gmock/gmock.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;

TEST(RegisteredOpsTest, EveryBuiltInOpHasItsTestFile) {
  ASSERT_TRUE(OpRegistry::Global().Validate().ok()) << OpRegistry::Global().Validate();
  EXPECT_THAT(OpRegistry::Global().OpNames(),
              ElementsAre("Add",               // tensor_ops_test
                          "Conv2D",            // conv2d_ops_test
                          "Conv2DInputGrad",   // conv2d_ops_test
                          "Conv2DWeightGrad",  // conv2d_ops_test
                          "ConvBlockGrad",     // conv_block_grad_op_test
                          "ConvScaleRelu",     // conv_scale_relu_op_test
                          "Dropout",           // dropout_op_test
                          "Flatten",           // tensor_ops_test
                          "IntegerSGD",        // integer_sgd_op_test
                          "Linear",            // linear_ops_test
                          "LinearInputGrad",   // linear_ops_test
                          "LinearWeightGrad",  // linear_ops_test
                          "MaxPool2D",         // pool_ops_test
                          "MaxPool2DGrad",     // pool_ops_test
                          "NitroRelu",         // activation_ops_test
                          "NitroReluGrad",     // activation_ops_test
                          "Reshape",           // tensor_ops_test
                          "RssLoss",           // loss_ops_test
                          "RssLossGrad",       // loss_ops_test
                          "Scale"));           // activation_ops_test
}

}  // namespace
}  // namespace nitro
