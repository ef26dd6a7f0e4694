// Benchmark of training steps: img/s of a model's derived training graph on the TBB runtime,
// per-op time and GOPS from a serial profile, and this process's peak RSS. Synthetic inputs (the
// kernels' cost does not depend on the data), parameters from the model's own initialiser.
//
//   bench/train_step_bench --model=models/mlp1_mnist.pbtxt --threads=2 --steps=50 [--profile]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "passes/compile.h"
#include "random/default_random.h"
#include "runtime/flow_executor.h"
#include "runtime/plan.h"
#include "runtime/serial_executor.h"
#include "tbb/task_arena.h"
#include "tools/flags.h"
#include "train/param_init.h"

namespace nitro {
namespace {

constexpr char kDescription[] =
    "Times training steps of a model's derived training graph on the TBB runtime and prints img/s, this "
    "process's peak RSS and the plan's buffer memory; --profile adds per-op time and GMAC/s from a serial run. "
    "Inputs are synthetic (the kernels' cost does not depend on the data), parameters come from the model's own "
    "initialiser. bench/run.sh runs it on the paper's models.";

struct BenchFlags {
  std::string model = "models/mlp1_mnist.pbtxt";
  int threads = 1;
  int64_t steps = 20;
  int64_t batch = 0;  // 0: the model's own
  bool profile = false;
  bool unfused = false;
  bool separate_buffers = false;
  bool serial = false;
};

void DeclareFlags(cli::FlagSet& flags, BenchFlags& f) {
  flags.String("model", &f.model, "the model to time").Value("PATH");
  flags.Int("threads", &f.threads, "worker threads of the TBB runtime");
  flags.Int64("steps", &f.steps, "timed training steps (after two warm-up steps)");
  flags.Int64("batch", &f.batch, "batch size").DefaultText("the model's own");
  flags.Bool("profile", &f.profile, "also time every node serially, three steps, and print ms/step and GMAC/s per op");
  flags.Bool("unfused", &f.unfused, "time the unfused training graph (the trainer fuses conv blocks)");
  flags.Bool("serial", &f.serial,
             "run the nodes one after another (runtime/serial_executor.h) instead of as a TBB flow graph; the kernels "
             "still use --threads");
  flags.Bool("separate-buffers", &f.separate_buffers,
             "one buffer per value, no memory plan (the trainer shares buffers: runtime/memory_plan.h)");
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU time of all this process's threads: the work a node did, whatever else runs on the machine.
int64_t CpuNs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

int64_t PeakRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

absl::StatusOr<CompiledGraphs> Compile(const BenchFlags& f) {
  auto fwd = LoadGraph(f.model, f.batch);
  if (!fwd.ok()) return fwd.status();
  CompileOptions co;
  co.fuse = !f.unfused;  // the trainer fuses
  return CompileTrainingGraph(*fwd, co);
}

// Parameters from the model's initialiser; synthetic inputs: the scalar inputs (learning rates)
// 512, one-hot targets of 32 at a random class below 9, data uniform in [-100, 99].
absl::Status FillPlan(const Graph& g, Plan& p, DefaultRandom& rng) {
  for (const auto& param : g.model().param()) {
    auto w = InitParam(param, rng);
    if (!w.ok()) return w.status();
    absl::Status s = p.Set(param.name(), *w);
    if (!s.ok()) return s;
  }
  for (const auto& in : g.model().input()) {
    Tensor* t = p.Find(in.name());
    if (in.role() == proto::SCALAR) {
      t->Set(0, 512);
    } else if (in.role() == proto::TARGETS) {
      for (int64_t b = 0; b < t->dim(0); ++b) t->Set(b * t->dim(1) + rng.Bounded(9), 32);
    } else {
      for (int64_t i = 0; i < t->size(); ++i) t->Set(i, static_cast<int64_t>(rng.Bounded(200)) - 100);
    }
  }
  return absl::OkStatus();
}

// Two warm-up steps, then the nanoseconds of `steps` training steps with their updates committed.
absl::StatusOr<int64_t> TimeSteps(const std::function<absl::Status()>& run, Plan& p, int64_t steps) {
  for (int w = 0; w < 2; ++w) {
    absl::Status s = run();
    if (!s.ok()) return s;
  }
  const int64_t t0 = NowNs();
  for (int64_t s = 0; s < steps; ++s) {
    absl::Status st = run();
    if (!st.ok()) return st;
    p.CommitUpdates();
  }
  return NowNs() - t0;
}

// The multiply-accumulates of node i: the op's own count for the forward matmuls and convolutions,
// the dense-equivalent work for their gradients, 0 for everything else.
int64_t NodeMacs(const Graph& g, int i) {
  const auto& node = g.nodes()[i];
  if (node.op() == "Linear" || node.op() == "Conv2D" || node.op() == "ConvScaleRelu") {
    std::vector<ValueType> ins, outs;
    for (const auto& v : node.in()) ins.push_back(g.value(v).type);
    for (const auto& v : node.out()) outs.push_back(g.value(v).type);
    return g.op(i).macs()(ins, outs);
  }
  if (node.op() == "LinearWeightGrad" || node.op() == "LinearInputGrad") {
    const Shape& d = g.value(node.in(0)).type.shape;
    const Shape& x = g.value(node.in(1)).type.shape;
    return d[0] * d[1] * x[1];
  }
  if (node.op() == "Conv2DWeightGrad" || node.op() == "ConvBlockGrad") {
    const bool fused = node.op() == "ConvBlockGrad";
    const Shape& d = g.value(node.in(fused ? 1 : 0)).type.shape;  // full-resolution delta shape
    const Shape& w = g.value(node.in(fused ? 4 : 2)).type.shape;
    return d[0] * d[1] * d[2] * d[3] * w[1] * w[2] * w[3];
  }
  return 0;
}

void PrintMs(int64_t ns, int64_t steps) {
  const int64_t ms_x100 = ns / steps / 10000;
  std::printf(" %7lld.%02lld", static_cast<long long>(ms_x100 / 100), static_cast<long long>(ms_x100 % 100));
}

// Serial per-node timing over three steps, grouped by op (kernel threads still apply inside each node).
// ms/step is wall time; cpu ms/step is the CPU time of all threads, i.e. the 1-thread-equivalent cost,
// which a busy shared machine inflates far less than the wall time.
absl::Status PrintProfile(const Graph& g, Plan& p, DefaultRandom& rng) {
  constexpr int64_t kSteps = 3;
  struct Acc {
    int64_t ns = 0, cpu_ns = 0, macs = 0;
  };
  std::map<std::string, Acc> by_op;
  for (int64_t s = 0; s < kSteps; ++s) {
    for (int i : p.order()) {
      const int64_t a = NowNs(), c = CpuNs();
      absl::Status st = p.RunNode(i, true, &rng);
      const int64_t dt = NowNs() - a, dc = CpuNs() - c;
      if (!st.ok()) return st;
      Acc& e = by_op[g.op(i).name()];
      e.ns += dt;
      e.cpu_ns += dc;
      e.macs += NodeMacs(g, i);
    }
  }
  std::printf("  %-18s %10s %10s %10s\n", "op", "ms/step", "cpu ms", "GMAC/s");
  for (const auto& [op, e] : by_op) {
    const int64_t gmacs_x10 = e.ns > 0 ? e.macs * 10 / e.ns : 0;  // MAC per ns = GMAC/s
    std::printf("  %-18s", op.c_str());
    PrintMs(e.ns, kSteps);
    std::printf("   ");
    PrintMs(e.cpu_ns, kSteps);
    std::printf(" %8lld.%lld\n", static_cast<long long>(gmacs_x10 / 10), static_cast<long long>(gmacs_x10 % 10));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  BenchFlags f;
  cli::FlagSet flags("train_step_bench", kDescription);
  DeclareFlags(flags, f);
  if (std::optional<int> exit_code = flags.Parse(std::vector<std::string>(argv + 1, argv + argc))) return *exit_code;

  auto compiled = Compile(f);
  if (!compiled.ok()) return flags.Fail(compiled.status());
  const Graph& g = *compiled->train;
  PlanOptions plan_options;
  plan_options.share_buffers = !f.separate_buffers;
  auto plan = Plan::Create(&g, plan_options);
  if (!plan.ok()) return flags.Fail(plan.status());
  Plan& p = **plan;
  DefaultRandom rng(1);
  absl::Status filled = FillPlan(g, p, rng);
  if (!filled.ok()) return flags.Fail(filled);
  FlowExecutor exec(&p, f.threads);
  tbb::task_arena arena(f.threads);  // for --serial: the kernels' own threads
  auto ns = f.serial ? TimeSteps(
                           [&] {
                             absl::Status s;
                             arena.execute([&] { s = RunSerial(p, true, &rng); });
                             return s;
                           },
                           p, f.steps)
                     : TimeSteps([&] { return exec.Run(true, &rng); }, p, f.steps);
  if (!ns.ok()) return flags.Fail(ns.status());
  const int64_t B = g.batch_size();
  const int64_t img_per_s_x10 = f.steps * B * 10 * int64_t{1000000000} / (*ns > 0 ? *ns : 1);
  std::printf("model %s%s threads %lld batch %lld steps %lld: %lld.%lld img/s, peak RSS %lld MB, plan buffers %lld MB\n",
              f.model.c_str(), f.serial ? " serial" : "", static_cast<long long>(f.threads), static_cast<long long>(B),
              static_cast<long long>(f.steps), static_cast<long long>(img_per_s_x10 / 10),
              static_cast<long long>(img_per_s_x10 % 10), static_cast<long long>(PeakRssKb() / 1024),
              static_cast<long long>(p.buffer_bytes() >> 20));
  if (f.profile) {
    absl::Status s = PrintProfile(g, p, rng);
    if (!s.ok()) return flags.Fail(s);
  }
  return 0;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) { return nitro::Main(argc, argv); }
