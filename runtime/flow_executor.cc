#include "runtime/flow_executor.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "base/tsan.h"
#include "tbb/flow_graph.h"
#include "tbb/task_arena.h"

namespace nitro {

// ThreadSanitizer cannot see the synchronisation inside libtbb (an uninstrumented Debian library):
// without help, every hand-off along a flow-graph edge would be reported as a race. A node's body
// releases its token when it ends and acquires its predecessors' (or the start's) tokens when it
// begins; Run releases the start token before the graph starts and acquires every token after
// wait_for_all. Races between nodes that no edge orders are still reported (base/tsan.h; no-ops
// unless built with -fsanitize=thread). What remains inside TBB's templates: tools/tsan.supp.
namespace {
// Every node body starts after its Run started (TSan: a node reads its captures, which the
// constructor wrote, before it can reach its own tokens; a global needs no capture).
char g_run_started_token = 0;
}  // namespace

struct FlowExecutor::Impl {
  Plan* plan;
  tbb::task_arena arena;
  std::unique_ptr<tbb::flow::graph> graph;
  std::unique_ptr<tbb::flow::broadcast_node<tbb::flow::continue_msg>> start;
  std::vector<std::unique_ptr<tbb::flow::continue_node<tbb::flow::continue_msg>>> nodes;
  // Per-run state read by the node bodies.
  bool training = false;
  RandomSource* rng = nullptr;
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  int error_node = -1;
  absl::Status error;
  // ThreadSanitizer tokens (see above): one per node, one for the start, and each node's predecessors.
  std::vector<char> tokens;
  char start_token = 0;
  std::vector<std::vector<int>> preds;

  Impl(Plan* p, int threads) : plan(p), arena(threads < 1 ? 1 : threads) {}

  void Body(int i) {
    if (preds[i].empty()) TsanHappensAfter(&start_token);
    for (int p : preds[i]) TsanHappensAfter(&tokens[p]);
    RunBody(i);
    TsanHappensBefore(&tokens[i]);
  }

  void RunBody(int i) {
    if (failed.load(std::memory_order_relaxed)) return;
    absl::Status s = plan->RunNode(i, training, rng);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (error_node < 0 || i < error_node) {
        error_node = i;
        error = s;
      }
      failed.store(true, std::memory_order_relaxed);
    }
  }
};

FlowExecutor::FlowExecutor(Plan* plan, int threads) : impl_(std::make_unique<Impl>(plan, threads)) {
  Impl* impl = impl_.get();
  impl->arena.execute([impl] {
    impl->graph = std::make_unique<tbb::flow::graph>();
    impl->start = std::make_unique<tbb::flow::broadcast_node<tbb::flow::continue_msg>>(*impl->graph);
    const int n = impl->plan->num_nodes();
    impl->nodes.reserve(n);
    impl->tokens.assign(n, 0);
    impl->preds.assign(n, {});
    for (int i = 0; i < n; ++i) {
      impl->nodes.push_back(std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
          *impl->graph, [impl, i](const tbb::flow::continue_msg&) {
            TsanHappensAfter(&g_run_started_token);
            impl->Body(i);
          }));
    }
    int last_stochastic = -1;
    for (int i = 0; i < n; ++i) {
      std::vector<int> preds = impl->plan->deps(i);
      if (impl->plan->graph().op(i).stochastic()) {
        if (last_stochastic >= 0) preds.push_back(last_stochastic);
        last_stochastic = i;
      }
      if (preds.empty()) {
        tbb::flow::make_edge(*impl->start, *impl->nodes[i]);
      } else {
        std::sort(preds.begin(), preds.end());
        preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
        for (int p : preds) tbb::flow::make_edge(*impl->nodes[p], *impl->nodes[i]);
      }
      impl->preds[i] = preds;
    }
  });
}

FlowExecutor::~FlowExecutor() {
  Impl* impl = impl_.get();
  impl->arena.execute([impl] {
    impl->graph->wait_for_all();
    impl->nodes.clear();
    impl->start.reset();
    impl->graph.reset();
  });
}

int FlowExecutor::threads() const { return impl_->arena.max_concurrency(); }

absl::Status FlowExecutor::Run(bool training, RandomSource* rng) {
  Impl* impl = impl_.get();
  impl->training = training;
  impl->rng = rng;
  impl->failed.store(false);
  impl->error_node = -1;
  impl->error = absl::OkStatus();
  TsanHappensBefore(&g_run_started_token);
  TsanHappensBefore(&impl->start_token);
  impl->arena.execute([impl] {
    impl->start->try_put(tbb::flow::continue_msg());
    impl->graph->wait_for_all();
  });
  for (const char& token : impl->tokens) TsanHappensAfter(&token);
  return impl->error;
}

}  // namespace nitro
