// Benchmark of training steps: img/s of a model's derived training graph on the TBB runtime,
// per-op time and GOPS from a serial profile, and this process's peak RSS. Synthetic inputs (the
// kernels' cost does not depend on the data), parameters from the model's own initialiser.
//
//   bench/train_step_bench --model=models/mlp1_mnist.pbtxt --threads=2 --steps=50 [--profile]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "passes/compile.h"
#include "random/default_random.h"
#include "runtime/flow_executor.h"
#include "train/param_init.h"
#include "runtime/plan.h"

namespace nitro {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t PeakRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int Main(int argc, char** argv) {
  std::string model = "models/mlp1_mnist.pbtxt";
  int64_t threads = 1, steps = 20, batch = 0;
  bool profile = false;
  bool unfused = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* name) { return a.substr(std::string(name).size()); };
    if (a.rfind("--model=", 0) == 0) model = val("--model=");
    else if (a.rfind("--threads=", 0) == 0) absl::SimpleAtoi(val("--threads="), &threads);
    else if (a.rfind("--steps=", 0) == 0) absl::SimpleAtoi(val("--steps="), &steps);
    else if (a.rfind("--batch=", 0) == 0) absl::SimpleAtoi(val("--batch="), &batch);
    else if (a == "--profile") profile = true;
    else if (a == "--unfused") unfused = true;
    else {
      std::fprintf(stderr, "usage: %s --model=PATH [--threads=N] [--steps=N] [--batch=N] [--profile] [--unfused]\n", argv[0]);
      return 2;
    }
  }
  auto fwd = LoadGraph(model, batch);
  if (!fwd.ok()) {
    std::fprintf(stderr, "%s\n", std::string(fwd.status().message()).c_str());
    return 1;
  }
  CompileOptions co;
  co.fuse = !unfused;  // the trainer fuses
  auto compiled = CompileTrainingGraph(*fwd, co);
  if (!compiled.ok()) {
    std::fprintf(stderr, "%s\n", std::string(compiled.status().message()).c_str());
    return 1;
  }
  Graph* g = compiled->train.get();
  auto plan = Plan::Create(g);
  if (!plan.ok()) return 1;
  Plan& p = **plan;
  DefaultRandom rng(1);
  for (const auto& param : g->model().param()) {
    auto w = InitParam(param, rng);
    if (!w.ok() || !p.Set(param.name(), *w).ok()) return 1;
  }
  for (const auto& in : g->model().input()) {
    Tensor* t = p.Find(in.name());
    if (in.role() == proto::SCALAR) {
      t->Set(0, 512);
    } else if (in.role() == proto::TARGETS) {
      for (int64_t b = 0; b < t->dim(0); ++b) t->Set(b * t->dim(1) + rng.Bounded(9), 32);
    } else {
      for (int64_t i = 0; i < t->size(); ++i) t->Set(i, static_cast<int64_t>(rng.Bounded(200)) - 100);
    }
  }
  const int64_t B = g->batch_size();
  FlowExecutor exec(&p, static_cast<int>(threads));
  for (int w = 0; w < 2; ++w) {  // warm-up
    if (!exec.Run(true, &rng).ok()) return 1;
  }
  const int64_t t0 = NowNs();
  for (int64_t s = 0; s < steps; ++s) {
    absl::Status st = exec.Run(true, &rng);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return 1;
    }
    p.CommitUpdates();
  }
  const int64_t ns = NowNs() - t0;
  const int64_t img_per_s_x10 = steps * B * 10 * int64_t{1000000000} / (ns > 0 ? ns : 1);
  std::printf("model %s threads %lld batch %lld steps %lld: %lld.%lld img/s, peak RSS %lld MB, plan buffers %lld MB\n",
              model.c_str(), static_cast<long long>(threads), static_cast<long long>(B), static_cast<long long>(steps),
              static_cast<long long>(img_per_s_x10 / 10), static_cast<long long>(img_per_s_x10 % 10),
              static_cast<long long>(PeakRssKb() / 1024), static_cast<long long>(p.buffer_bytes() >> 20));
  if (profile) {
    // Serial per-node timing, grouped by op (kernel threads still apply inside each node).
    std::map<std::string, std::pair<int64_t, int64_t>> by_op;  // op -> (ns, MACs)
    for (int64_t s = 0; s < 3; ++s) {
      for (int i = 0; i < p.num_nodes(); ++i) {
        const int64_t a = NowNs();
        if (!p.RunNode(i, true, &rng).ok()) return 1;
        const int64_t dt = NowNs() - a;
        auto& e = by_op[g->op(i).name()];
        e.first += dt;
        const auto& node = g->nodes()[i];
        int64_t macs = 0;
        if (node.op() == "Linear" || node.op() == "Conv2D" || node.op() == "ConvScaleRelu") {
          std::vector<ValueType> ins, outs;
          for (const auto& v : node.in()) ins.push_back(g->value(v).type);
          for (const auto& v : node.out()) outs.push_back(g->value(v).type);
          macs = g->op(i).macs()(ins, outs);
        } else if (node.op() == "LinearWeightGrad" || node.op() == "LinearInputGrad") {
          const Shape& d = g->value(node.in(0)).type.shape;
          const Shape& x = g->value(node.in(1)).type.shape;
          macs = d[0] * d[1] * x[1];
        } else if (node.op() == "Conv2DWeightGrad" || node.op() == "ConvBlockGrad") {
          const bool fused = node.op() == "ConvBlockGrad";
          const Shape& d = g->value(node.in(fused ? 1 : 0)).type.shape;  // full-resolution delta shape
          const Shape& w = g->value(node.in(fused ? 4 : 2)).type.shape;
          macs = d[0] * d[1] * d[2] * d[3] * w[1] * w[2] * w[3];  // dense-equivalent work
        }
        e.second += macs;
      }
    }
    std::printf("  %-18s %10s %10s\n", "op", "ms/step", "GMAC/s");
    for (const auto& [op, e] : by_op) {
      const int64_t ms_x100 = e.first / 3 / 10000;
      const int64_t gmacs_x10 = e.first > 0 ? e.second * 10 / e.first : 0;  // MAC per ns = GMAC/s
      std::printf("  %-18s %7lld.%02lld %8lld.%lld\n", op.c_str(), static_cast<long long>(ms_x100 / 100),
                  static_cast<long long>(ms_x100 % 100), static_cast<long long>(gmacs_x10 / 10),
                  static_cast<long long>(gmacs_x10 % 10));
    }
  }
  return 0;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) { return nitro::Main(argc, argv); }
