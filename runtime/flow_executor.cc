#include "runtime/flow_executor.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "tbb/flow_graph.h"
#include "tbb/task_arena.h"

namespace nitro {

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

  Impl(Plan* p, int threads) : plan(p), arena(threads < 1 ? 1 : threads) {}

  void Body(int i) {
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
    for (int i = 0; i < n; ++i) {
      impl->nodes.push_back(std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
          *impl->graph, [impl, i](const tbb::flow::continue_msg&) { impl->Body(i); }));
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
  impl->arena.execute([impl] {
    impl->start->try_put(tbb::flow::continue_msg());
    impl->graph->wait_for_all();
  });
  return impl->error;
}

}  // namespace nitro
