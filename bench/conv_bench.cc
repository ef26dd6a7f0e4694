// Benchmark of the forward convolution, ConvBlockGrad and Linear kernels. Per VGG8B CIFAR-10 conv
// layer (3×3, pad 1) and per Linear shape of the paper models: GMAC/s and the share of this CPU's probed peak
// (bench/mac_peak.h) for the old paths (im2col + the AVX2 Linear kernel; the AVX2 Linear kernel)
// and the int16 GEMM of every tier this CPU runs, at 1 and 2 threads. The share at n threads is
// taken of n times the one-core peak of the tier's instruction. "cpu %" is the same share computed
// from the process's CPU time instead of wall time: on a machine shared with other work it shows
// what the kernel does while it has the cores. Every result is checked against the first path's,
// bit for bit.
//
// The epilogue part times ConvScaleRelu's element-wise tail per layer with and without its fused
// max pools.
//
//   bench/conv_bench [--batch=64] [--reps=5] [--threads=1,2] [--layers=b0,b1,...,fc1,...]
//                    [--parts=conv,grad,epilogue,linear]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/numbers.h"
#include "bench/mac_peak.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/conv2d_im2col.h"
#include "ops/kernels/conv_block_grad.h"
#include "ops/kernels/gemm_s16.h"
#include "ops/kernels/linear_avx2.h"
#include "ops/kernels/max_pool_fast.h"
#include "ops/kernels/scale_relu_parallel.h"
#include "tbb/task_arena.h"
#include "tools/flags.h"

namespace nitro {
namespace {

using kernels::ConvDims;
using kernels::GemmTier;

struct ConvLayer {
  const char* name;
  int64_t C, H, F;    // input channels, image side, filters
  int64_t PKH, PKW;   // the block's head pool (a window per non-zero delta of ConvBlockGrad)
  int64_t next_pool;  // the side of the square pool from the activation to the next block; 0: none
};
// VGG8B CIFAR-10 (models/vgg8b_cifar10.pbtxt).
const ConvLayer kConvLayers[] = {{"b0", 3, 32, 128, 8, 4, 0},   {"b1", 128, 32, 256, 8, 8, 2},
                                 {"b2", 256, 16, 256, 4, 4, 0}, {"b3", 256, 16, 512, 8, 4, 2},
                                 {"b4", 512, 8, 512, 4, 2, 2},  {"b5", 512, 4, 512, 2, 1, 0}};

struct LinearLayer {
  const char* name;
  int64_t I, O;
};
// MLP-1 MNIST's layers, a VGG8B head and VGG8B CIFAR-10's fc layer.
const LinearLayer kLinearLayers[] = {
    {"mlp1.b0", 784, 100}, {"mlp1.b1", 100, 50}, {"head", 4096, 10}, {"fc", 2048, 1024}};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t CpuNs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

// "12.3" from an integer in tenths, "12.34" from one in hundredths.
std::string Tenths(int64_t x10) { return std::to_string(x10 / 10) + "." + std::to_string(x10 % 10); }
std::string Hundredths(int64_t x100) {
  return std::to_string(x100 / 100) + "." + std::to_string(x100 % 100 / 10) + std::to_string(x100 % 10);
}

struct Options {
  int64_t batch = 64, reps = 5;
  std::vector<int> threads = {1, 2};
  std::vector<std::string> only, parts = {"conv", "grad", "epilogue", "linear"};
  bool Wants(const char* name) const { return only.empty() || std::find(only.begin(), only.end(), name) != only.end(); }
  bool Runs(const char* part) const { return std::find(parts.begin(), parts.end(), part) != parts.end(); }
};

// A kernel under test: runs the layer once into its output, false when it does not apply.
struct Path {
  std::string name;
  int64_t peak;  // one-core peak of its instruction, MAC/s
  std::function<bool(std::vector<int32_t>* out)> run;
};

// Times each path at each thread count and prints one row per (path, threads); checks results.
int RunPaths(const char* layer, int64_t macs, const std::vector<Path>& paths, const Options& o) {
  std::vector<int32_t> want, got;
  int mismatches = 0;
  for (const Path& p : paths) {
    for (int threads : o.threads) {
      tbb::task_arena arena(threads);
      std::vector<int64_t> wall;
      int64_t best_cpu = INT64_MAX;
      bool ran = true;
      for (int64_t r = 0; r < o.reps && ran; ++r) {
        arena.execute([&] {
          const int64_t t0 = NowNs(), c0 = CpuNs();
          ran = p.run(&got);
          wall.push_back(std::max<int64_t>(NowNs() - t0, 1));
          best_cpu = std::min(best_cpu, std::max<int64_t>(CpuNs() - c0, 1));
        });
      }
      if (!ran) {
        std::printf("%-8s %-22s %3d   (not available)\n", layer, p.name.c_str(), threads);
        continue;
      }
      if (want.empty()) {
        want = got;
      } else if (got != want) {
        ++mismatches;
        std::printf("MISMATCH: %s %s differs from the first path\n", layer, p.name.c_str());
      }
      std::sort(wall.begin(), wall.end());
      const int64_t best = wall.front(), med = wall[wall.size() / 2];
      const int64_t peak_per_us = p.peak / 1000000;  // one core, MACs per µs
      auto share = [&](int64_t ns, int64_t cores) {
        return peak_per_us > 0 ? FormatPercent(macs * 1000, ns * peak_per_us * cores, 0) : std::string("-");
      };
      std::printf("%-8s %-22s %3d %9s %9s %8s %8s %6s %6s %6s\n", layer, p.name.c_str(), threads,
                  Hundredths(best / 10000).c_str(), Hundredths(med / 10000).c_str(), Tenths(macs * 10 / best).c_str(),
                  Tenths(macs * 10 / med).c_str(), share(best, threads).c_str(), share(med, threads).c_str(),
                  share(best_cpu, 1).c_str());
    }
  }
  return mismatches;
}

struct Peaks {
  int64_t avx2, vnni;
};

std::vector<std::pair<GemmTier, int64_t>> NewTiers(const Peaks& peaks) {
  std::vector<std::pair<GemmTier, int64_t>> tiers;
  for (GemmTier t : kernels::RunnableGemmTiers()) {
    if (t == GemmTier::kAvx2) tiers.push_back({t, peaks.avx2});
    if (t == GemmTier::kAvx512Vnni) tiers.push_back({t, peaks.vnni});
  }
  return tiers;
}

int BenchConv(const ConvLayer& l, const Peaks& peaks, const Options& o, std::mt19937_64& gen) {
  const ConvDims d{o.batch, l.C, l.H, l.H, l.F, 3, 3, 1};
  std::uniform_int_distribution<int> xs(-128, 127), ws(-64, 64);  // int8 activations, init-sized weights
  std::vector<int8_t> x(d.B * d.C * d.H * d.W);
  for (auto& v : x) v = static_cast<int8_t>(xs(gen));
  std::vector<int32_t> w(d.F * d.C * 9);
  for (auto& v : w) v = ws(gen);
  const int64_t n = d.B * d.F * d.Ho() * d.Wo();
  std::vector<Path> paths = {{"im2col+avx2 (old)", peaks.avx2, [&](std::vector<int32_t>* z) {
                                z->resize(n);
                                return kernels::Conv2DForwardIm2col(x.data(), w.data(), z->data(), d);
                              }}};
  for (const auto& [tier, peak] : NewTiers(peaks)) {
    paths.push_back(
        {std::string("gemm_s16 ") + kernels::GemmTierName(tier), peak, [&, t = tier](std::vector<int32_t>* z) {
           z->resize(n);
           return kernels::Conv2DForwardS16(x.data(), w.data(), z->data(), d, t);
         }});
  }
  return RunPaths(l.name, n * d.C * 9, paths, o);
}

// ConvBlockGrad, the fused sparse backward of the block below its head pool: a delta per pool
// window (int32, up to ±2^18 as the head's input delta reaches, so most pairs need both 16-bit
// parts), NITRO-ReLU inputs of both signs. The MACs counted are the sparse ones, one 3×3×C patch
// per window; the share is of the pair-product instruction's peak.
int BenchBlockGrad(const ConvLayer& l, const Peaks& peaks, const Options& o, std::mt19937_64& gen) {
  const ConvDims d{o.batch, l.C, l.H, l.H, l.F, 3, 3, 1};
  const kernels::PoolDims pool{d.B, d.F, d.Ho(), d.Wo(), l.PKH, l.PKW, 0, 0};
  std::uniform_int_distribution<int> bytes(-128, 127), deltas(-(1 << 18), 1 << 18);
  std::vector<int8_t> x(d.B * d.C * d.H * d.W), a(d.B * d.F * d.Ho() * d.Wo()), s(a.size());
  for (auto& v : x) v = static_cast<int8_t>(bytes(gen));
  for (auto& v : a) v = static_cast<int8_t>(bytes(gen));
  for (auto& v : s) v = static_cast<int8_t>(bytes(gen));
  std::vector<int32_t> dy(d.B * d.F * pool.Ho() * pool.Wo());
  for (auto& v : dy) v = deltas(gen);
  const int64_t n = d.F * d.C * 9;
  auto path = [&](std::string name, int64_t peak, GemmTier tier) {
    return Path{std::move(name), peak, [&, tier](std::vector<int32_t>* g) {
                  g->resize(n);
                  kernels::ConvBlockGrad(dy.data(), a.data(), s.data(), x.data(), g->data(), pool, d, 4, tier);
                  return true;
                }};
  };
  std::vector<Path> paths = {path("block_grad portable", 0, GemmTier::kNone)};
  for (const auto& [tier, peak] : NewTiers(peaks)) {
    paths.push_back(path(std::string("block_grad ") + kernels::GemmTierName(tier), peak, tier));
  }
  return RunPaths(l.name, static_cast<int64_t>(dy.size()) * d.C * 9, paths, o);
}

// The element-wise tail of ConvScaleRelu over a layer's whole batch of accumulators: Scale and
// NITRO-ReLU alone, with the block's max pools fused (its head pool and the pool to the next block,
// as passes/fuse_conv_block moves them), and followed by the same pools as MaxPool2D kernels over
// the stored activation (the unfused graph). The fused row minus the first is what the fused pools
// cost; the pooled outputs of the last two are checked against each other.
int BenchEpilogue(const ConvLayer& l, const Options& o, std::mt19937_64& gen) {
  const int64_t planes = o.batch * l.F, plane = l.H * l.H, n = planes * plane;
  std::vector<int32_t> z(n);
  for (auto& v : z) v = static_cast<int32_t>(gen());
  const int64_t divisor = int64_t{256} * l.C * 9 * 64;  // keeps most s inside the clip, both signs
  std::vector<int8_t> s(n), a(n);
  std::vector<kernels::PoolDims> pools = {{o.batch, l.F, l.H, l.H, l.PKH, l.PKW, 0, 0}};
  if (l.next_pool > 0) pools.push_back({o.batch, l.F, l.H, l.H, l.next_pool, l.next_pool, 0, 0});
  std::vector<std::vector<int8_t>> fused_out, separate_out;
  std::vector<kernels::PlanePool> plane_pools;
  for (const kernels::PoolDims& p : pools) {
    fused_out.emplace_back(o.batch * l.F * p.Ho() * p.Wo());
    separate_out.emplace_back(fused_out.back().size());
  }
  for (size_t k = 0; k < pools.size(); ++k) plane_pools.push_back({pools[k], fused_out[k].data()});
  struct Run {
    const char* name;
    std::function<void()> fn;
  };
  const Run runs[] = {
      {"scale+relu", [&] { kernels::ScaleNitroReluParallel(z.data(), s.data(), a.data(), planes, plane, divisor, 4); }},
      {"scale+relu+pools fused",
       [&] { kernels::ScaleNitroReluParallel(z.data(), s.data(), a.data(), planes, plane, divisor, 4, plane_pools); }},
      {"scale+relu, MaxPool2D",
       [&] {
         kernels::ScaleNitroReluParallel(z.data(), s.data(), a.data(), planes, plane, divisor, 4);
         for (size_t k = 0; k < pools.size(); ++k)
           kernels::MaxPoolForwardFast(a.data(), separate_out[k].data(), pools[k]);
       }},
  };
  for (const Run& run : runs) {
    for (int threads : o.threads) {
      tbb::task_arena arena(threads);
      std::vector<int64_t> wall;
      int64_t best_cpu = INT64_MAX;
      for (int64_t r = 0; r < o.reps; ++r) {
        arena.execute([&] {
          const int64_t t0 = NowNs(), c0 = CpuNs();
          run.fn();
          wall.push_back(std::max<int64_t>(NowNs() - t0, 1));
          best_cpu = std::min(best_cpu, std::max<int64_t>(CpuNs() - c0, 1));
        });
      }
      std::sort(wall.begin(), wall.end());
      std::printf("%-8s %-22s %3d %9s %9s %8s %8s %6s %6s %6s   cpu ms %s\n", l.name, run.name, threads,
                  Hundredths(wall.front() / 10000).c_str(), Hundredths(wall[wall.size() / 2] / 10000).c_str(), "-", "-",
                  "-", "-", "-", Hundredths(best_cpu / 10000).c_str());
    }
  }
  if (fused_out != separate_out) {
    std::printf("MISMATCH: %s fused pools differ from MaxPool2D\n", l.name);
    return 1;
  }
  return 0;
}

int BenchLinear(const LinearLayer& l, const Peaks& peaks, const Options& o, std::mt19937_64& gen) {
  const int64_t B = o.batch;
  std::uniform_int_distribution<int> xs(-128, 127), ws(-64, 64);
  std::vector<int8_t> x(B * l.I);
  for (auto& v : x) v = static_cast<int8_t>(xs(gen));
  std::vector<int32_t> w(l.O * l.I);
  for (auto& v : w) v = ws(gen);
  std::vector<Path> paths = {{"linear_avx2 (old)", peaks.avx2, [&](std::vector<int32_t>* z) {
                                z->resize(B * l.O);
                                return kernels::LinearForwardAvx2(x.data(), w.data(), z->data(), B, l.I, l.O);
                              }}};
  for (const auto& [tier, peak] : NewTiers(peaks)) {
    paths.push_back(
        {std::string("gemm_s16 ") + kernels::GemmTierName(tier), peak, [&, t = tier](std::vector<int32_t>* z) {
           z->resize(B * l.O);
           return kernels::LinearForwardS16(x.data(), w.data(), z->data(), B, l.I, l.O, t);
         }});
  }
  int mismatches = RunPaths(l.name, B * l.I * l.O, paths, o);
  // The weight gradient g = dzᵀ·x of the same shape, with int8 deltas (NITRO-D's head deltas).
  std::vector<int8_t> dz(B * l.O);
  for (auto& v : dz) v = static_cast<int8_t>(xs(gen));
  std::vector<Path> grads = {{"wgrad linear_avx2", peaks.avx2, [&](std::vector<int32_t>* g) {
                                g->resize(l.O * l.I);
                                return kernels::LinearWeightGradAvx2(dz.data(), x.data(), g->data(), B, l.I, l.O);
                              }}};
  for (const auto& [tier, peak] : NewTiers(peaks)) {
    grads.push_back(
        {std::string("wgrad gemm_s16 ") + kernels::GemmTierName(tier), peak, [&, t = tier](std::vector<int32_t>* g) {
           g->resize(l.O * l.I);
           return kernels::LinearWeightGradS16(dz.data(), x.data(), g->data(), B, l.I, l.O, t);
         }});
  }
  return mismatches + RunPaths(l.name, B * l.I * l.O, grads, o);
}

// Declares the flags; the comma lists are split after parsing. nullopt: run.
std::optional<int> ParseOptions(int argc, char** argv, Options* o) {
  std::string threads = "1,2", layers, parts = "conv,grad,epilogue,linear";
  cli::FlagSet flags("conv_bench",
                     "Times every VGG8B CIFAR-10 conv layer (and the Linear shapes) through the old im2col path "
                     "and each GEMM tier this CPU has, at each thread count, and checks every result bit for "
                     "bit against the portable kernel. Prints GMAC/s and the share of the probed peak.");
  flags.Int64("batch", &o->batch, "images per call");
  flags.Int64("reps", &o->reps, "timed runs per path; best and median are printed");
  flags.String("threads", &threads, "comma-separated thread counts").Value("N,N");
  flags.String("layers", &layers, "comma-separated layer names (b0, b1, ..., fc, ...)")
      .Value("NAMES")
      .DefaultText("all");
  flags
      .String("parts", &parts,
              "comma-separated kernel kinds: conv (forward), grad (ConvBlockGrad), epilogue (Scale, "
              "NITRO-ReLU and the fused max pools of ConvScaleRelu), linear")
      .Value("KINDS");
  if (std::optional<int> exit_code = flags.Parse(std::vector<std::string>(argv + 1, argv + argc))) return exit_code;
  if (o->batch <= 0 || o->reps <= 0) return flags.UsageError("--batch and --reps must be positive");
  o->threads.clear();
  for (const auto& t : absl::StrSplit(threads, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(t, &n) || n <= 0) return flags.UsageError(absl::StrCat("bad thread count '", t, "'"));
    o->threads.push_back(n);
  }
  if (!layers.empty()) o->only = absl::StrSplit(layers, ',');
  o->parts = absl::StrSplit(parts, ',');
  for (const std::string& p : o->parts) {
    if (p != "conv" && p != "grad" && p != "epilogue" && p != "linear") {
      return flags.UsageError(absl::StrCat("unknown part '", p, "'"));
    }
  }
  return std::nullopt;
}

int Main(int argc, char** argv) {
  Options o;
  if (std::optional<int> exit_code = ParseOptions(argc, argv, &o)) return *exit_code;
  const Peaks peaks{bench::ProbeAvx2MacsPerSecond(), bench::ProbeAvx512VnniMacsPerSecond()};
  std::printf("probed one-core peaks: vpmaddwd %lld GMAC/s, vpdpwssd %lld GMAC/s; batch %lld, %lld runs each\n",
              static_cast<long long>(peaks.avx2 / 1000000000), static_cast<long long>(peaks.vnni / 1000000000),
              static_cast<long long>(o.batch), static_cast<long long>(o.reps));
  std::printf("%-8s %-22s %3s %9s %9s %8s %8s %6s %6s %6s\n", "layer", "path", "thr", "best ms", "med ms", "GMAC/s",
              "med", "peak%", "med%", "cpu%");
  std::mt19937_64 gen(7);
  int mismatches = 0;
  for (const ConvLayer& l : kConvLayers) {
    if (o.Runs("conv") && o.Wants(l.name)) mismatches += BenchConv(l, peaks, o, gen);
  }
  for (const ConvLayer& l : kConvLayers) {
    if (o.Runs("grad") && o.Wants(l.name)) mismatches += BenchBlockGrad(l, peaks, o, gen);
  }
  for (const ConvLayer& l : kConvLayers) {
    if (o.Runs("epilogue") && o.Wants(l.name)) mismatches += BenchEpilogue(l, o, gen);
  }
  for (const LinearLayer& l : kLinearLayers) {
    if (o.Runs("linear") && o.Wants(l.name)) mismatches += BenchLinear(l, peaks, o, gen);
  }
  return mismatches == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) { return nitro::Main(argc, argv); }
