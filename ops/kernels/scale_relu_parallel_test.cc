// ScaleNitroReluParallel equals Scale followed by NitroRelu, for any thread count and for sizes
// around its slice boundaries.
#include "ops/kernels/scale_relu_parallel.h"

#include <climits>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/elementwise.h"
#include "tbb/task_arena.h"

namespace nitro::kernels {
namespace {

TEST(ScaleNitroReluParallel, EqualsSerialKernels) {
  std::mt19937_64 gen(3);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{65535}, int64_t{65536}, int64_t{65537}, int64_t{300001}}) {
    for (int64_t divisor : {int64_t{1}, int64_t{6912}, int64_t{1179648}}) {
      std::vector<int32_t> z(n);
      for (auto& v : z) v = static_cast<int32_t>(gen());
      if (n > 2) {
        z[0] = INT32_MIN;
        z[1] = INT32_MAX;
      }
      std::vector<int8_t> s_want(n), a_want(n);
      Scale(z.data(), s_want.data(), n, divisor);
      NitroRelu(s_want.data(), a_want.data(), n, 4);
      for (int threads : {1, 2}) {
        SCOPED_TRACE(testing::Message() << "n " << n << " divisor " << divisor << " threads " << threads);
        std::vector<int8_t> s(n, 99), a(n, 99);
        tbb::task_arena arena(threads);
        arena.execute([&] { ScaleNitroReluParallel(z.data(), s.data(), a.data(), n, divisor, 4); });
        EXPECT_EQ(s, s_want);
        EXPECT_EQ(a, a_want);
      }
    }
  }
}

}  // namespace
}  // namespace nitro::kernels
