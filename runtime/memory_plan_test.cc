// PlanMemory on small graphs: chains alternate between two buffers, kept values have their own,
// concurrent branches share only through an added edge. tests/memory_plan_models_test checks the
// plan's invariants on the paper's compiled models.
#include "runtime/memory_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "graph/loader.h"

namespace nitro {
namespace {

Graph Build(const std::string& text, int64_t batch) {
  auto parsed = ParseModelText(text, "chain.pbtxt");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  BuildOptions o;
  o.source = "chain.pbtxt";
  o.batch_size = batch;
  auto g = BuildGraph(std::move(parsed->model), o);
  EXPECT_TRUE(g.ok()) << g.status();
  return std::move(*g);
}

int SlotOf(const Graph& g, const MemoryPlan& plan, const std::string& value) {
  const auto& names = g.value_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) return plan.slot[i];
  }
  ADD_FAILURE() << "no value " << value;
  return -2;
}

// x → a → b → c → d, each a NitroRelu of int8 [batch, 16]: a's only reader (the node of b) runs
// before the node of c in every order, so c may take a's buffer; b and c overlap (c reads b).
constexpr char kChain[] = R"pb(
input { name: "x" dtype: INT8 shape: [16] }
node { op: "NitroRelu" in: "x" out: "a" }
node { op: "NitroRelu" in: "a" out: "b" }
node { op: "NitroRelu" in: "b" out: "c" }
node { op: "NitroRelu" in: "c" out: "d" }
output: "d"
)pb";

TEST(PlanMemory, AChainAlternatesBetweenTwoBuffers) {
  Graph g = Build(kChain, 8);
  MemoryPlan plan = PlanMemory(g, {});
  EXPECT_EQ(SlotOf(g, plan, "x"), -1);  // an input
  EXPECT_EQ(SlotOf(g, plan, "d"), -1);  // the model's output
  EXPECT_GE(SlotOf(g, plan, "a"), 0);
  EXPECT_EQ(SlotOf(g, plan, "a"), SlotOf(g, plan, "c"));
  EXPECT_NE(SlotOf(g, plan, "a"), SlotOf(g, plan, "b"));
  ASSERT_EQ(plan.slot_bytes.size(), 2u);
  EXPECT_EQ(plan.slot_bytes[0], 128);  // int8 [8, 16], a whole number of 64-byte lines
  EXPECT_EQ(plan.own_bytes, 2 * 128);
  EXPECT_EQ(plan.input_param_bytes, 128);
  EXPECT_EQ(plan.shared_value_bytes, 3 * 128);
  EXPECT_EQ(plan.total_bytes(), 4 * 128);
}

TEST(PlanMemory, KeptValuesHaveTheirOwnBuffer) {
  Graph g = Build(kChain, 8);
  MemoryPlan plan = PlanMemory(g, {"a", "not-a-value"});
  EXPECT_EQ(SlotOf(g, plan, "a"), -1);
  EXPECT_NE(SlotOf(g, plan, "b"), SlotOf(g, plan, "c"));
  EXPECT_EQ(plan.own_bytes, 3 * 128);
}

// Two branches from a: r1 may take l1's buffer only after l2's node (l1's reader) has run, which
// the branches do not imply, so the plan adds that edge.
TEST(PlanMemory, ConcurrentBranchesShareOnlyThroughAnAddedEdge) {
  Graph g = Build(R"pb(
input { name: "x" dtype: INT8 shape: [16] }
node { op: "NitroRelu" in: "x" out: "a" }
node { op: "NitroRelu" in: "a" out: "l1" }
node { op: "NitroRelu" in: "l1" out: "l2" }
node { op: "NitroRelu" in: "a" out: "r1" }
node { op: "NitroRelu" in: "r1" out: "r2" }
output: "l2"
output: "r2"
)pb",
                  4);
  MemoryPlan plan = PlanMemory(g, {});
  EXPECT_EQ(plan.order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_NE(SlotOf(g, plan, "a"), SlotOf(g, plan, "l1"));
  EXPECT_EQ(SlotOf(g, plan, "l1"), SlotOf(g, plan, "r1"));
  EXPECT_EQ(plan.extra_deps[3], (std::vector<int>{2}));  // node r1 waits for node l2
  for (int i : {0, 1, 2, 4}) EXPECT_TRUE(plan.extra_deps[i].empty()) << i;
}

TEST(PlanMemory, SeparateBuffersShareNothing) {
  Graph g = Build(kChain, 8);
  MemoryPlan plan = SeparateBuffers(g);
  EXPECT_EQ(plan.order, (std::vector<int>{0, 1, 2, 3}));
  for (int s : plan.slot) EXPECT_EQ(s, -1);
  EXPECT_EQ(plan.total_bytes(), 5 * 128);
  EXPECT_EQ(plan.input_param_bytes, 128);
}

}  // namespace
}  // namespace nitro
