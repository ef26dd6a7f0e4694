// The TBB flow-graph runtime must give bit-identical results to the serial executor for every
// thread count: several training steps of three models (MLP, CNN with a double-visited FC block,
// MLP with Dropout drawing from the random stream), every buffer compared.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "passes/local_gradient.h"
#include "random/default_random.h"
#include "runtime/flow_executor.h"
#include "runtime/plan.h"
#include "runtime/serial_executor.h"
#include "train/param_init.h"

namespace nitro {
namespace {

struct Compiled {
  std::unique_ptr<Graph> graph;
  std::unique_ptr<Plan> plan;
};

Compiled Compile(const std::string& path, const PlanOptions& options = {}) {
  auto fwd = LoadGraph(path);
  EXPECT_TRUE(fwd.ok()) << fwd.status();
  auto train = DeriveTrainingGraph(*fwd);
  EXPECT_TRUE(train.ok()) << train.status();
  BuildOptions o;
  o.batch_size = fwd->batch_size();
  auto g = BuildGraph(*train, o);
  EXPECT_TRUE(g.ok()) << g.status();
  Compiled r;
  r.graph = std::make_unique<Graph>(std::move(*g));
  auto plan = Plan::Create(r.graph.get(), options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  r.plan = std::move(*plan);
  return r;
}

// The values a plan with shared buffers keeps observable: parameters, the model's outputs, the
// losses and correct counts.
std::vector<std::string> ObservableValues(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& p : g.model().param()) out.push_back(p.name());
  for (const auto& o : g.model().output()) out.push_back(o);
  return out;
}

// Deterministic parameters and data for step `step`.
void Feed(const Graph& g, Plan& p, int step, bool init_params) {
  DefaultRandom data(1000 + step);
  for (const auto& in : g.model().input()) {
    Tensor* t = p.Find(in.name());
    if (in.role() == proto::SCALAR) {
      t->Set(0, 512);
    } else if (in.role() == proto::TARGETS) {
      t->Fill(0);
      const int64_t k = t->dim(1);
      for (int64_t b = 0; b < t->dim(0); ++b) t->Set(b * k + data.Bounded(static_cast<uint32_t>(k - 1)), 32);
    } else {
      for (int64_t i = 0; i < t->size(); ++i) t->Set(i, static_cast<int64_t>(data.Bounded(255)) - 128);
    }
  }
  if (init_params) {
    DefaultRandom init(7);
    for (const auto& param : g.model().param()) {
      auto w = InitParam(param, init);
      ASSERT_TRUE(w.ok());
      ASSERT_TRUE(p.Set(param.name(), *w).ok());
    }
  }
}

class ParallelRuntimeTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ParallelRuntimeTest, BitIdenticalToSerialForEveryThreadCount) {
  const std::string path = GetParam();
  constexpr int kSteps = 3;
  Compiled serial = Compile(path);
  std::vector<Compiled> parallel;
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE(absl::StrCat(path, " with ", threads, " threads"));
    Compiled par = Compile(path);
    FlowExecutor exec(par.plan.get(), threads);
    DefaultRandom rng_s(99), rng_p(99);
    for (int step = 0; step < kSteps; ++step) {
      if (threads == 1) {
        Feed(*serial.graph, *serial.plan, step, step == 0);
        ASSERT_TRUE(RunSerial(*serial.plan, true, &rng_s).ok());
      }
      Feed(*par.graph, *par.plan, step, step == 0);
      absl::Status s = exec.Run(true, &rng_p);
      ASSERT_TRUE(s.ok()) << s;
      if (threads == 1) {
        // Compare every value after each step.
        for (const auto& name : serial.graph->value_names()) {
          ASSERT_TRUE(serial.plan->Find(name)->Equals(*par.plan->Find(name))) << "step " << step << " value " << name;
        }
        serial.plan->CommitUpdates();
      }
      par.plan->CommitUpdates();
    }
    parallel.push_back(std::move(par));
  }
  // After all steps, every thread count holds the same state as the serial run.
  for (const auto& par : parallel) {
    for (const auto& name : serial.graph->value_names()) {
      ASSERT_TRUE(serial.plan->Find(name)->Equals(*par.plan->Find(name))) << "value " << name;
    }
  }
}

// The memory plan (shared buffers, in-place updates, added edges, its own schedule) changes no
// result: serially and at 1, 2 and 4 threads, the parameters and outputs after each step equal
// those of plans with one buffer per value.
TEST_P(ParallelRuntimeTest, SharedBuffersChangeNoResult) {
  const std::string path = GetParam();
  constexpr int kSteps = 3;
  PlanOptions shared;
  shared.share_buffers = true;
  Compiled reference = Compile(path);
  ASSERT_GT(reference.plan->buffer_bytes(), Compile(path, shared).plan->buffer_bytes());
  DefaultRandom rng_ref(99);
  std::vector<std::vector<Tensor>> want;  // per step, the observable values
  for (int step = 0; step < kSteps; ++step) {
    Feed(*reference.graph, *reference.plan, step, step == 0);
    ASSERT_TRUE(RunSerial(*reference.plan, true, &rng_ref).ok());
    reference.plan->CommitUpdates();
    want.emplace_back();
    for (const auto& name : ObservableValues(*reference.graph)) want.back().push_back(*reference.plan->Find(name));
  }
  for (int threads : {0, 1, 2, 4}) {  // 0: the serial executor
    SCOPED_TRACE(absl::StrCat(path, threads == 0 ? " serially" : absl::StrCat(" with ", threads, " threads")));
    Compiled c = Compile(path, shared);
    std::unique_ptr<FlowExecutor> exec;
    if (threads > 0) exec = std::make_unique<FlowExecutor>(c.plan.get(), threads);
    DefaultRandom rng(99);
    for (int step = 0; step < kSteps; ++step) {
      Feed(*c.graph, *c.plan, step, step == 0);
      absl::Status s = exec ? exec->Run(true, &rng) : RunSerial(*c.plan, true, &rng);
      ASSERT_TRUE(s.ok()) << s;
      c.plan->CommitUpdates();
      const auto names = ObservableValues(*c.graph);
      for (size_t k = 0; k < names.size(); ++k) {
        const Tensor* t = c.plan->Find(names[k]);
        ASSERT_NE(t, nullptr) << names[k];
        ASSERT_TRUE(t->Equals(want[step][k])) << "step " << step << " value " << names[k];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ParallelRuntimeTest,
                         ::testing::Values("tests/golden/mlp1.pbtxt", "tests/golden/cnn.pbtxt",
                                           "tests/dropout_mlp.pbtxt"));

TEST(FlowExecutorTest, KernelErrorNamesTheNode) {
  Compiled r = Compile("tests/golden/mlp1.pbtxt");
  Feed(*r.graph, *r.plan, 0, true);
  r.plan->Find(kLrInvInput)->Set(0, 0);  // IntegerSGD rejects lr_inv = 0
  FlowExecutor exec(r.plan.get(), 2);
  absl::Status s = exec.Run(true, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("IntegerSGD"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("lr_inv must be positive"), absl::string_view::npos) << s;
}

TEST(FlowExecutorTest, DropoutWithoutRandomSourceFailsCleanly) {
  Compiled r = Compile("tests/dropout_mlp.pbtxt");
  Feed(*r.graph, *r.plan, 0, true);
  FlowExecutor exec(r.plan.get(), 2);
  absl::Status s = exec.Run(true, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("drop0"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace nitro
