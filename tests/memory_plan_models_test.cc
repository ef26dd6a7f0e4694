// The memory plan's invariants on the paper's compiled training and inference graphs: values share
// a buffer only when the dependencies and the plan's added edges order their lifetimes in every
// execution order, updates are in place only when every other reader of the parameter runs
// first (both checked by an independent reachability search), the schedule is a topological
// order that keeps stochastic nodes in graph order, pinned values keep their own buffers, and the
// byte counts add up.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "passes/compile.h"
#include "runtime/memory_plan.h"

namespace nitro {
namespace {

// The dependencies of node n in the plan: the producers of its inputs and the plan's added edges.
std::vector<int> PlanPreds(const Graph& g, const MemoryPlan& plan, int n) {
  std::vector<int> preds = plan.extra_deps[n];
  for (const auto& in : g.nodes()[n].in()) {
    const ValueInfo& v = g.value(in);
    if (v.kind == ValueKind::kNodeOutput) preds.push_back(v.producer);
  }
  return preds;
}

// Independent check: does node `from` have to finish before node `to` starts? (depth-first
// search over the data dependencies and the plan's added edges)
bool Reaches(const Graph& g, const MemoryPlan& plan, int from, int to) {
  std::vector<int> stack = {to};
  std::vector<bool> seen(g.nodes().size());
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    for (int p : PlanPreds(g, plan, n)) {
      if (seen[p]) continue;
      if (p == from) return true;
      seen[p] = true;
      stack.push_back(p);
    }
  }
  return false;
}

class PaperModelMemoryTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PaperModelMemoryTest, SharedBuffersAndInPlaceUpdatesAreOrderedByTheDependencies) {
  auto model = LoadGraph(GetParam(), 4);
  ASSERT_TRUE(model.ok()) << model.status();
  auto compiled = CompileTrainingGraph(*model);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  for (const Graph* g : {compiled->train.get(), compiled->inference.get()}) {
    MemoryPlan plan = PlanMemory(*g, {});
    const auto& names = g->value_names();
    ASSERT_EQ(plan.slot.size(), names.size());
    // The schedule is a topological order of the dependencies and the added edges, and keeps the
    // stochastic nodes in graph order.
    const int n = static_cast<int>(g->nodes().size());
    ASSERT_EQ(static_cast<int>(plan.order.size()), n);
    std::vector<int> pos(n, -1);
    for (int t = 0; t < n; ++t) pos[plan.order[t]] = t;
    int last_stochastic = -1;
    for (int i = 0; i < n; ++i) {
      ASSERT_GE(pos[i], 0);
      for (int p : PlanPreds(*g, plan, i)) EXPECT_LT(pos[p], pos[i]) << "node " << p << " before node " << i;
      if (!g->op(i).stochastic()) continue;
      if (last_stochastic >= 0) EXPECT_LT(pos[last_stochastic], pos[i]);
      last_stochastic = i;
    }
    absl::flat_hash_set<std::string> pinned(g->model().output().begin(), g->model().output().end());
    int64_t own = 0, shared = 0, in_place = 0, unshared = 0;
    std::vector<std::vector<const ValueInfo*>> by_slot(plan.slot_bytes.size());
    for (size_t i = 0; i < names.size(); ++i) {
      const ValueInfo& v = g->value(names[i]);
      const int64_t bytes = std::max<int64_t>(64, (*Tensor::ByteSize(v.type.dtype, v.type.shape) + 63) / 64 * 64);
      unshared += bytes;
      if (v.kind != ValueKind::kNodeOutput || pinned.contains(v.name)) EXPECT_EQ(plan.slot[i], -1) << v.name;
      if (plan.in_place_of[i] >= 0) {
        EXPECT_EQ(plan.slot[i], -1) << v.name;
        in_place += bytes;
      } else if (plan.slot[i] < 0) {
        own += bytes;
      } else {
        shared += bytes;
        EXPECT_LE(bytes, plan.slot_bytes[plan.slot[i]]) << v.name;
        by_slot[plan.slot[i]].push_back(&v);
      }
    }
    EXPECT_EQ(plan.own_bytes, own);
    EXPECT_EQ(plan.shared_value_bytes, shared);
    EXPECT_EQ(plan.in_place_bytes, in_place);
    EXPECT_EQ(own + shared + in_place, unshared);
    EXPECT_LT(plan.total_bytes(), unshared) << "these graphs always have values to share";
    // Within a buffer, in schedule order, every user of a value finishes before the next value's
    // producer starts.
    for (auto& values : by_slot) {
      std::stable_sort(values.begin(), values.end(),
                       [&](const ValueInfo* a, const ValueInfo* b) { return pos[a->producer] < pos[b->producer]; });
      for (size_t k = 1; k < values.size(); ++k) {
        const ValueInfo& prev = *values[k - 1];
        const ValueInfo& next = *values[k];
        std::vector<int> users = prev.consumers.empty() ? std::vector<int>{prev.producer} : prev.consumers;
        for (int u : users) {
          EXPECT_TRUE(Reaches(*g, plan, u, next.producer))
              << prev.name << " (read by node " << u << ") and " << next.name << " share a buffer";
        }
      }
    }
    // Every update of the training graph is in place: each chain input's other readers finish
    // before the op that overwrites it.
    for (const auto& u : g->model().update()) {
      const ValueInfo* v = g->FindValue(u.value());
      ASSERT_NE(v, nullptr);
      EXPECT_GE(plan.in_place_of[std::find(names.begin(), names.end(), u.value()) - names.begin()], 0) << u.value();
      while (v->kind == ValueKind::kNodeOutput) {
        const std::string& from = g->nodes()[v->producer].in(0);
        for (int reader : g->value(from).consumers) {
          if (reader != v->producer) EXPECT_TRUE(Reaches(*g, plan, reader, v->producer)) << from;
        }
        v = g->FindValue(from);
      }
      EXPECT_EQ(v->name, u.param());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, PaperModelMemoryTest,
                         ::testing::Values("models/mlp1_mnist.pbtxt", "models/mlp4_cifar10.pbtxt", "models/vgg8b_cifar10.pbtxt",
                                           "tests/golden/cnn.pbtxt"));

}  // namespace
}  // namespace nitro
