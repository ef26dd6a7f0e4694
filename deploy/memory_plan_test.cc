#include "deploy/memory_plan.h"

#include "gtest/gtest.h"

namespace nitro::deploy {
namespace {

TEST(PlanBuffers, AChainOfLayersPingPongsBetweenTwoBuffers) {
  // a (step 0..1) -> b (1..2) -> c (2..3) -> d (3..3): at most two live at once.
  const MemoryPlan p = PlanBuffers({{kInt8, 100, 0, 1}, {kInt8, 50, 1, 2}, {kInt8, 80, 2, 3}, {kInt8, 10, 3, 3}});
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{0, 100, 0, 80}));
  EXPECT_EQ(p.pool_elements.at(kInt8), 150);
  EXPECT_EQ(p.bytes(), 150);
}

TEST(PlanBuffers, BuffersLiveTogetherNeverOverlap) {
  // All three live at step 1.
  const MemoryPlan p = PlanBuffers({{kInt8, 10, 0, 1}, {kInt8, 20, 1, 2}, {kInt8, 30, 1, 1}});
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{50, 30, 0}));
  EXPECT_EQ(p.bytes(), 60);
}

TEST(PlanBuffers, AStepsOutputDoesNotShareItsInputsMemory) {
  // The input's last read and the output's write are the same step, so both are live there.
  const MemoryPlan p = PlanBuffers({{kInt32, 4, 0, 1}, {kInt32, 4, 1, 1}});
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(p.bytes(), 32);
}

TEST(PlanBuffers, FillsAGapLeftByADeadBuffer) {
  // big (0..0) dies before small1 (1..2) and small2 (1..2) are written: both fit where it was.
  const MemoryPlan p = PlanBuffers({{kInt8, 100, 0, 0}, {kInt8, 40, 1, 2}, {kInt8, 40, 1, 2}});
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{0, 0, 40}));
  EXPECT_EQ(p.pool_elements.at(kInt8), 100);
}

TEST(PlanBuffers, EachElementTypeHasItsOwnPool) {
  const MemoryPlan p = PlanBuffers({{kInt32, 10, 0, 1}, {kInt8, 7, 1, 2}, {kInt16, 3, 2, 2}, {kInt8, 5, 2, 3}});
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{0, 0, 0, 7}));
  EXPECT_EQ(p.pool_elements.at(kInt32), 10);
  EXPECT_EQ(p.pool_elements.at(kInt16), 3);
  EXPECT_EQ(p.pool_elements.at(kInt8), 12);
  EXPECT_EQ(p.bytes(), 40 + 6 + 12);
}

TEST(PlanBuffers, NoRequestsNoMemory) {
  const MemoryPlan p = PlanBuffers({});
  EXPECT_TRUE(p.offsets.empty());
  EXPECT_TRUE(p.pool_elements.empty());
  EXPECT_EQ(p.bytes(), 0);
}

}  // namespace
}  // namespace nitro::deploy
