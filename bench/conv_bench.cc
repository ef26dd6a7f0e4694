// Benchmark of the forward convolution kernels on the VGG8B CIFAR-10 conv layers (3×3, pad 1):
// per layer, GMAC/s and the share of this CPU's probed peak (bench/mac_peak.h) for the old path
// (im2col + the AVX2 Linear kernel) and the int16 GEMM of every tier this CPU runs, at 1 and 2
// threads. The share at n threads is taken of n times the one-core peak of the tier's instruction.
// Every result is checked against the old path's, bit for bit.
//
//   bench/conv_bench [--batch=64] [--reps=5] [--threads=1,2] [--layers=b0,b1,...]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/numbers.h"
#include "bench/mac_peak.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_im2col.h"
#include "ops/kernels/gemm_s16.h"
#include "tbb/task_arena.h"

namespace nitro {
namespace {

using kernels::ConvDims;
using kernels::GemmTier;

struct Layer {
  const char* name;
  int64_t C, H, F;
};
// VGG8B CIFAR-10 (models/vgg8b_cifar10.pbtxt): input channels, image side, filters.
const Layer kLayers[] = {{"b0", 3, 32, 128},  {"b1", 128, 32, 256}, {"b2", 256, 16, 256},
                         {"b3", 256, 16, 512}, {"b4", 512, 8, 512},  {"b5", 512, 4, 512}};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "12.3": an integer rate in tenths.
std::string Tenths(int64_t x10) { return std::to_string(x10 / 10) + "." + std::to_string(x10 % 10); }

struct Path {
  std::string name;
  GemmTier tier;      // kNone: the old im2col path
  int64_t peak_macs;  // one-core peak of its instruction, MAC/s
};

int Main(int argc, char** argv) {
  int64_t batch = 64, reps = 5;
  std::vector<int> thread_counts = {1, 2};
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--batch=", 0) == 0 && absl::SimpleAtoi(a.substr(8), &batch) && batch > 0) continue;
    if (a.rfind("--reps=", 0) == 0 && absl::SimpleAtoi(a.substr(7), &reps) && reps > 0) continue;
    if (a.rfind("--layers=", 0) == 0) {
      only = absl::StrSplit(a.substr(9), ',');
      continue;
    }
    if (a.rfind("--threads=", 0) == 0) {
      thread_counts.clear();
      for (const auto& t : absl::StrSplit(a.substr(10), ',')) {
        int n = 0;
        if (absl::SimpleAtoi(t, &n) && n > 0) thread_counts.push_back(n);
      }
      if (!thread_counts.empty()) continue;
    }
    std::fprintf(stderr, "usage: %s [--batch=64] [--reps=5] [--threads=1,2] [--layers=b0,b1,...]\n", argv[0]);
    return 2;
  }
  const int64_t avx2_peak = bench::ProbeAvx2MacsPerSecond();
  const int64_t vnni_peak = bench::ProbeAvx512VnniMacsPerSecond();
  std::printf("probed one-core peaks: vpmaddwd %lld GMAC/s, vpdpwssd %lld GMAC/s; batch %lld, best and median of %lld\n",
              static_cast<long long>(avx2_peak / 1000000000), static_cast<long long>(vnni_peak / 1000000000),
              static_cast<long long>(batch), static_cast<long long>(reps));
  std::vector<Path> paths = {{"im2col+avx2 (old)", GemmTier::kNone, avx2_peak}};
  for (GemmTier t : kernels::RunnableGemmTiers()) {
    if (t == GemmTier::kAvx2) paths.push_back({"gemm_s16 avx2", t, avx2_peak});
    if (t == GemmTier::kAvx512Vnni) paths.push_back({"gemm_s16 avx512-vnni", t, vnni_peak});
  }
  std::printf("%-6s %-22s %3s %9s %9s %9s %9s %s\n", "layer", "path", "thr", "best ms", "med ms", "GMAC/s", "med", "of peak");
  std::mt19937_64 gen(7);
  int mismatches = 0;
  for (const Layer& l : kLayers) {
    if (!only.empty() && std::find(only.begin(), only.end(), l.name) == only.end()) continue;
    const ConvDims d{batch, l.C, l.H, l.H, l.F, 3, 3, 1};
    std::uniform_int_distribution<int> xs(-128, 127), ws(-64, 64);
    std::vector<int8_t> x(d.B * d.C * d.H * d.W);
    for (auto& v : x) v = static_cast<int8_t>(xs(gen));
    std::vector<int32_t> w(d.F * d.C * 9);
    for (auto& v : w) v = ws(gen);
    const int64_t macs = d.B * d.F * d.Ho() * d.Wo() * d.C * 9;
    std::vector<int32_t> want(d.B * d.F * d.Ho() * d.Wo()), got(want.size());
    bool have_want = false;
    for (const Path& path : paths) {
      for (int threads : thread_counts) {
        tbb::task_arena arena(threads);
        std::vector<int64_t> times;
        bool ran = true;
        for (int64_t r = 0; r < reps && ran; ++r) {
          arena.execute([&] {
            const int64_t t0 = NowNs();
            ran = path.tier == GemmTier::kNone ? kernels::Conv2DForwardIm2col(x.data(), w.data(), got.data(), d)
                                               : kernels::Conv2DForwardS16(x.data(), w.data(), got.data(), d, path.tier);
            times.push_back(NowNs() - t0);
          });
        }
        if (!ran) {
          std::printf("%-6s %-22s %3d   (not available)\n", l.name, path.name.c_str(), threads);
          continue;
        }
        if (!have_want) {
          want = got;
          have_want = true;
        } else if (got != want) {
          ++mismatches;
          std::printf("MISMATCH: %s %s differs from the first path\n", l.name, path.name.c_str());
        }
        std::sort(times.begin(), times.end());
        const int64_t best = std::max<int64_t>(times.front(), 1), med = std::max<int64_t>(times[times.size() / 2], 1);
        const int64_t peak_per_ns_x1000 = path.peak_macs * threads / 1000000;  // MACs per µs
        std::printf("%-6s %-22s %3d %9s %9s %9s %9s %s\n", l.name, path.name.c_str(), threads,
                    Tenths(best / 100000).c_str(), Tenths(med / 100000).c_str(), Tenths(macs * 10 / best).c_str(),
                    Tenths(macs * 10 / med).c_str(),
                    path.peak_macs > 0 ? FormatPercent(macs * 1000, best * peak_per_ns_x1000, 0).c_str() : "-");
      }
    }
  }
  return mismatches == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) { return nitro::Main(argc, argv); }
