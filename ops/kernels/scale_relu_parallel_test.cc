// ScaleNitroReluParallel equals Scale followed by NitroRelu and, for each fused pool, the portable
// MaxPoolForward of the activation (max_pool.h), for any thread count, for plane counts and sizes
// around its slice boundaries, and for pools with padding and windows that leave cells out.
#include "ops/kernels/scale_relu_parallel.h"

#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/elementwise.h"
#include "ops/kernels/max_pool.h"
#include "tbb/task_arena.h"

namespace nitro::kernels {
namespace {

std::vector<int32_t> RandomAccumulators(std::mt19937_64& gen, int64_t n) {
  std::vector<int32_t> z(n);
  for (auto& v : z) v = static_cast<int32_t>(gen());
  if (n > 2) {
    z[0] = INT32_MIN;
    z[1] = INT32_MAX;
  }
  return z;
}

TEST(ScaleNitroReluParallel, EqualsSerialKernels) {
  std::mt19937_64 gen(3);
  struct Planes {
    int64_t count, size;
  };
  for (Planes pl : {Planes{0, 1024}, Planes{1, 1}, Planes{65535, 1}, Planes{1, 65536}, Planes{65537, 1},
                    Planes{3, 100000}, Planes{300, 1000}}) {
    const int64_t n = pl.count * pl.size;
    for (int64_t divisor : {int64_t{1}, int64_t{6912}, int64_t{1179648}}) {
      const std::vector<int32_t> z = RandomAccumulators(gen, n);
      std::vector<int8_t> s_want(n), a_want(n);
      Scale(z.data(), s_want.data(), n, divisor);
      NitroRelu(s_want.data(), a_want.data(), n, 4);
      for (int threads : {1, 2}) {
        SCOPED_TRACE(testing::Message() << "planes " << pl.count << "x" << pl.size << " divisor " << divisor
                                        << " threads " << threads);
        std::vector<int8_t> s(n, 99), a(n, 99);
        tbb::task_arena arena(threads);
        arena.execute([&] { ScaleNitroReluParallel(z.data(), s.data(), a.data(), pl.count, pl.size, divisor, 4); });
        EXPECT_EQ(s, s_want);
        EXPECT_EQ(a, a_want);
      }
    }
  }
}

TEST(ScaleNitroReluParallel, FusedPoolsEqualTheReferencePool) {
  std::mt19937_64 gen(5);
  struct Case {
    int64_t planes, H, W;
    std::vector<PoolDims> pools;  // B and C are filled in below
  };
  const Case cases[] = {
      {4 * 256, 32, 32, {{0, 0, 32, 32, 8, 8, 0, 0}, {0, 0, 32, 32, 2, 2, 0, 0}}},  // VGG8B b1: head and pool1
      {2 * 128, 32, 32, {{0, 0, 32, 32, 8, 4, 0, 0}}},                              // b0 head
      {130, 16, 16, {{0, 0, 16, 16, 4, 4, 0, 0}}},                                  // b2 head, odd plane count
      {70, 7, 9, {{0, 0, 7, 9, 3, 2, 1, 1}, {0, 0, 7, 9, 4, 4, 2, 2}}},             // padding, left-out cells
      {1, 300, 300, {{0, 0, 300, 300, 3, 3, 0, 0}}},                                // one plane over a slice
      {5, 1, 1, {{0, 0, 1, 1, 1, 1, 0, 0}}},                                        // tiny
  };
  for (const Case& c : cases) {
    const int64_t plane = c.H * c.W, n = c.planes * plane;
    const std::vector<int32_t> z = RandomAccumulators(gen, n);
    // divisor 1 saturates most values (many ties at ±127 and cells at the pad value 0); 6912 does not.
    for (int64_t divisor : {int64_t{1}, int64_t{6912} << 12}) {
      std::vector<int8_t> s_want(n), a_want(n);
      Scale(z.data(), s_want.data(), n, divisor);
      NitroRelu(s_want.data(), a_want.data(), n, 4);
      std::vector<std::vector<int8_t>> want;
      for (PoolDims d : c.pools) {
        d.B = 1;
        d.C = c.planes;
        want.emplace_back(c.planes * d.Ho() * d.Wo());
        MaxPoolForward(a_want.data(), want.back().data(), d);
      }
      for (int threads : {1, 2, 4}) {
        SCOPED_TRACE(testing::Message() << c.planes << " planes " << c.H << "x" << c.W << " divisor " << divisor
                                        << " threads " << threads);
        std::vector<int8_t> s(n, 99), a(n, 99);
        std::vector<std::vector<int8_t>> got;
        got.reserve(c.pools.size());  // the pools keep pointers into its elements
        std::vector<PlanePool> pools;
        for (const PoolDims& d : c.pools) {
          got.emplace_back(c.planes * d.Ho() * d.Wo(), 99);
          pools.push_back({{1, 1, d.H, d.W, d.KH, d.KW, d.PH, d.PW}, got.back().data()});
        }
        tbb::task_arena arena(threads);
        arena.execute(
            [&] { ScaleNitroReluParallel(z.data(), s.data(), a.data(), c.planes, plane, divisor, 4, pools); });
        EXPECT_EQ(s, s_want);
        EXPECT_EQ(a, a_want);
        EXPECT_EQ(got, want);
      }
    }
  }
}

}  // namespace
}  // namespace nitro::kernels
