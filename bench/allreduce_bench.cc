// Benchmark of the gradient all-reduce of data-parallel training (docs/scaling.md): the AllReduce
// sizes of a model's sharded training graph (one per parameter and visit, as a step issues them),
// reduced `reps` times over MPI_COMM_WORLD; rank 0 prints the bytes and the time per step.
//
//   mpirun -np 2 bazel-bin/bench/allreduce_bench models/vgg8b_cifar10.pbtxt 20
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dist/data_parallel.h"
#include "dist/mpi_communicator.h"
#include "graph/loader.h"
#include "passes/compile.h"

namespace nitro {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "allreduce_bench: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: allreduce_bench MODEL [REPS]\n");
    return 2;
  }
  const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
  auto comm = NewCommunicatorForProcess();
  if (!comm.ok()) return Fail(comm.status());
  Communicator& c = **comm;
  auto model = LoadGraph(argv[1]);
  if (!model.ok()) return Fail(model.status());
  auto compiled = CompileTrainingGraph(*model);
  if (!compiled.ok()) return Fail(compiled.status());
  auto shard = ShardTrainingGraph(*compiled->train, RankSlice{c.rank(), std::max(c.size(), 2)});
  if (!shard.ok()) return Fail(shard.status());
  std::vector<std::vector<uint32_t>> grads;
  for (const auto& n : (*shard)->nodes()) {
    if (n.op() == "AllReduce") grads.emplace_back(NumElements((*shard)->value(n.in(0)).type.shape), 1u);
  }
  std::vector<double> ms;
  for (int r = 0; r <= reps; ++r) {  // rep 0 warms up
    if (absl::Status s = c.Barrier(); !s.ok()) return Fail(s);
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& g : grads) {
      if (absl::Status s = c.AllReduceSumU32(g, absl::MakeSpan(g)); !s.ok()) return Fail(s);
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  if (c.rank() == 0) {
    std::sort(ms.begin(), ms.end());
    const int64_t bytes = AllReduceBytesPerStep(**shard);
    std::printf(
        "%s: %d ranks, %zu all-reduces, %lld bytes of gradients per step; median %.1f ms, min %.1f ms per "
        "step (%d reps)\n",
        argv[1], c.size(), grads.size(), static_cast<long long>(bytes), ms[ms.size() / 2], ms[0], reps);
  }
  return 0;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) { return nitro::Main(argc, argv); }
