// Tests of the test-only KernelRunner: it must build, run and differentiate one node through the
// real graph builder, plan and gradient rule, and hand every error back as a Status.
#include "testing/kernel_runner.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLinear[] = R"(op: "Linear" in: "x" in: "w" out: "y")";

KernelRunner Linear() {
  return KernelRunner::Create(kLinear, {{"x", Int8({2, 3}, {1, 2, 3, 4, 5, 6})}, {"w", Int32({1, 3}, {1, 0, -1})}})
      .value();
}

TEST(KernelRunnerTest, RunsTheKernelOnTheFedTensors) {
  KernelRunner r = Linear();
  EXPECT_EQ(r.Output("y"), Int32({2, 1}, {0, 0}));  // typed by the shape function, zero before Run
  ASSERT_TRUE(r.Run().ok());
  EXPECT_EQ(r.Output("y"), Int32({2, 1}, {1 - 3, 4 - 6}));
  EXPECT_EQ(r.Output("x"), Int8({2, 3}, {1, 2, 3, 4, 5, 6}));  // inputs are readable too
  EXPECT_TRUE(r.Output("nope").empty());
}

TEST(KernelRunnerTest, RunKernelCreatesRunsAndReturnsOneOutput) {
  absl::StatusOr<Tensor> y =
      RunKernel(kLinear, {{"x", Int8({2, 3}, {1, 2, 3, 4, 5, 6})}, {"w", Int32({1, 3}, {1, 0, -1})}}, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Int32({2, 1}, {-2, -2}));
  EXPECT_EQ(RunKernel(kLinear, {{"x", Int8({2, 3}, {1, 2, 3, 4, 5, 6})}, {"w", Int32({1, 3}, {1, 0, -1})}}, "z")
                .status()
                .message(),
            "kernel_runner: the graph has no value 'z'");
  EXPECT_THAT(
      RunKernel(kLinear, {{"x", Int8({2, 2}, {1, 2, 3, 4})}, {"w", Int32({1, 3}, {1, 0, -1})}}, "y").status().message(),
      HasSubstr("input x has 2 features"));
}

TEST(KernelRunnerTest, GradientRunsTheRuleAndTheEmittedOps) {
  KernelRunner r = Linear();
  absl::StatusOr<Gradients> g = r.Gradient("y", Int32({2, 1}, {1, -1}));  // runs the forward first
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("LinearInputGrad", "LinearWeightGrad"));
  EXPECT_THAT(g->emitted[0].in(), ElementsAre("y/grad", "w"));
  EXPECT_EQ(g->emitted[0].out(0), "y/dx");
  EXPECT_EQ(g->Of("x"), Int32({2, 3}, {1, 0, -1, -1, 0, 1}));   // dz·w
  EXPECT_EQ(g->Of("w"), Int32({1, 3}, {1 - 4, 2 - 5, 3 - 6}));  // dzᵀ·x
  EXPECT_TRUE(g->Of("nope").empty());
}

TEST(KernelRunnerTest, WrtLimitsTheInputsThatNeedAGradient) {
  KernelRunner r = Linear();
  absl::StatusOr<Gradients> g = r.Gradient("y", Int32({2, 1}, {1, -1}), {"w"});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->EmittedOps(), ElementsAre("LinearWeightGrad"));
  EXPECT_TRUE(g->Of("x").empty());
  EXPECT_EQ(r.Gradient("y", Int32({2, 1}, {1, -1}), {"q"}).status().message(),
            "kernel_runner:1: node 'y' (Linear): the node has no input 'q'");
}

TEST(KernelRunnerTest, IdentityRuleEmitsNothingAndPassesTheDelta) {
  KernelRunner r = KernelRunner::Create(R"(op: "Scale" in: "z" out: "s" attr { name: "divisor" i: 2 })",
                                        {{"z", Int32({3}, {5, -5, 300})}})
                       .value();
  absl::StatusOr<Gradients> g = r.Gradient("s", Int32({3}, {7, 8, 9}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->emitted, IsEmpty());
  EXPECT_EQ(g->Of("z"), Int32({3}, {7, 8, 9}));
  EXPECT_EQ(r.Output("s"), Int8({3}, {2, -2, 127}));
}

TEST(KernelRunnerTest, ShapeErrorsComeBackFromCreate) {
  absl::StatusOr<KernelRunner> r =
      KernelRunner::Create(kLinear, {{"x", Int8({2, 2}, {1, 2, 3, 4})}, {"w", Int32({1, 3}, {1, 0, -1})}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "kernel_runner:1: node 'y' (Linear): input x has 2 features but weight w [1, 3] expects 3");
}

TEST(KernelRunnerTest, GraphBuilderErrorsComeBackFromCreate) {
  EXPECT_THAT(KernelRunner::Create(kLinear, {{"x", Int8({2, 3}, {1, 2, 3, 4, 5, 6})}}).status().message(),
              HasSubstr("input 1 'w' is not defined by any input, parameter or node"));
  EXPECT_THAT(KernelRunner::Create(kLinear, {{"x", Int32({1, 1}, {1})}, {"w", Int8({1, 1}, {1})}}).status().message(),
              HasSubstr("input 'w' ('w') has dtype int8, expected int32"));
  EXPECT_THAT(KernelRunner::Create(R"(op: "Scale" in: "z" out: "s")", {{"z", Int32({1}, {1})}}).status().message(),
              HasSubstr("missing required attribute 'divisor'"));
  EXPECT_THAT(KernelRunner::Create(R"(op: "Linear" in: "x" out: )", {}).status().message(),
              HasSubstr("kernel_runner:1:"));
  EXPECT_EQ(KernelRunner::Create(R"(op: "Nope" in: "x" out: "y")", {{"x", Int8({1}, {1})}}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KernelRunnerTest, KernelErrorsComeBackFromRun) {
  KernelRunner r = KernelRunner::Create(R"(op: "IntegerSGD" in: "w" in: "g" in: "lr" out: "w1")",
                                        {{"w", Int32({1}, {1})}, {"g", Int32({1}, {1})}, {"lr", Int64({}, {0})}})
                       .value();
  EXPECT_EQ(r.Run().message(), "kernel_runner:1: node 'w1' (IntegerSGD): lr_inv must be positive, got 0");
}

TEST(KernelRunnerTest, GradientErrors) {
  KernelRunner sgd = KernelRunner::Create(R"(op: "IntegerSGD" in: "w" in: "g" in: "lr" out: "w1")",
                                          {{"w", Int32({1}, {1})}, {"g", Int32({1}, {1})}, {"lr", Int64({}, {1})}})
                         .value();
  absl::Status s = sgd.Gradient("w1", Int32({1}, {1})).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(
      s.message(),
      "kernel_runner:1: node 'w1' (IntegerSGD): op 'IntegerSGD' has no gradient rule (it is declared NoGradient)");
  EXPECT_EQ(sgd.LossGradient().status().code(), absl::StatusCode::kInvalidArgument);

  KernelRunner r = Linear();
  EXPECT_EQ(r.Gradient("z", Int32({2, 1}, {1, 1})).status().message(),
            "kernel_runner:1: node 'y' (Linear): the node has no output 'z'");
  // A delta of the wrong shape reaches the emitted op's shape function.
  EXPECT_EQ(
      r.Gradient("y", Int32({2, 2}, {1, 1, 1, 1})).status().message(),
      "kernel_runner (backward): node 'y/dx' (LinearInputGrad): delta dz and weight w disagree on the output size");
}

TEST(KernelRunnerTest, TensorBuildersRejectWrongCountsAndRanges) {
  EXPECT_NONFATAL_FAILURE(Int8({2, 2}, {1, 2, 3}), "int8 [2, 2] holds 4 values, got 3");
  EXPECT_NONFATAL_FAILURE(Int8({1}, {128}), "value 128 (element 0) does not fit int8");
  EXPECT_NONFATAL_FAILURE(Int16({1}, {-32769}), "does not fit int16");
  EXPECT_EQ(Int64({}, {-5}).size(), 1);
}

TEST(KernelRunnerTest, ValuesWidenEveryElement) {
  EXPECT_THAT(Values(Int8({2, 2}, {-128, 127, 0, -1})), ElementsAre(-128, 127, 0, -1));
  EXPECT_THAT(Values(Tensor()), IsEmpty());
}

TEST(KernelRunnerTest, PrintsTensorsInFull) {
  std::ostringstream os;
  PrintTo(Int32({2, 2}, {1, -2, 3, -4}), &os);
  EXPECT_EQ(os.str(), "int32 [2, 2] {1, -2, 3, -4}");
  std::ostringstream none;
  PrintTo(Tensor(), &none);
  EXPECT_EQ(none.str(), "<no tensor>");
  EXPECT_NE(Int8({1}, {1}), Int16({1}, {1}));
}

}  // namespace
}  // namespace nitro
