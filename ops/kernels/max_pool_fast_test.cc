// Property tests: the fast MaxPool2D kernels equal the portable reference (max_pool.h) bit for bit,
// values and argmax routing, for int8/int16/int32 inputs, with and without padding, on random data
// and on data full of ties and pad-valued cells (where the first maximum decides, or the pad wins);
// and the two-pass int8 kernels (max_pool_tiled.h) against the same reference: windows that tile
// the plane for every width class of the vertical pass and every KW of the horizontal pass, and
// padded windows.
#include "ops/kernels/max_pool_fast.h"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernels/max_pool.h"

namespace nitro::kernels {
namespace {

const PoolDims kDims[] = {
    {3, 5, 32, 32, 8, 4, 0, 0},  // VGG8B block-0 head
    {2, 4, 32, 32, 8, 8, 0, 0},  // block-1 head
    {2, 3, 16, 16, 2, 2, 0, 0},  // between blocks
    {1, 2, 7, 9, 3, 2, 1, 1},    // odd sizes, padding, trailing rows/columns outside every window
    {2, 2, 5, 6, 4, 4, 2, 2},    // padding half the kernel
    {1, 1, 1, 1, 1, 1, 0, 0},    // tiny
};

template <typename X>
std::vector<X> Data(std::mt19937_64& gen, int64_t n, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<X> v(n);
  for (auto& e : v) e = static_cast<X>(dist(gen));
  return v;
}

template <typename X>
void CheckOne(const PoolDims& d, const std::vector<X>& x, std::mt19937_64& gen) {
  const int64_t n_out = d.B * d.C * d.Ho() * d.Wo(), n_in = d.B * d.C * d.H * d.W;
  std::vector<X> want(n_out), got(n_out);
  MaxPoolForward(x.data(), want.data(), d);
  MaxPoolForwardFast(x.data(), got.data(), d);
  EXPECT_EQ(want, got);
  const std::vector<int32_t> dy = Data<int32_t>(gen, n_out, -(1 << 30), 1 << 30);
  std::vector<int32_t> dx_want(n_in, 7), dx_got(n_in, 9);
  MaxPoolBackward(x.data(), dy.data(), dx_want.data(), d);
  MaxPoolBackwardFast(x.data(), dy.data(), dx_got.data(), d);
  EXPECT_EQ(dx_want, dx_got);
}

template <typename X>
void CheckAll() {
  std::mt19937_64 gen(17);
  const int64_t lo = std::numeric_limits<X>::min(), hi = std::numeric_limits<X>::max();
  for (const PoolDims& d : kDims) {
    SCOPED_TRACE(testing::Message() << "H " << d.H << " W " << d.W << " K " << d.KH << "x" << d.KW << " P " << d.PH
                                    << "," << d.PW);
    const int64_t n = d.B * d.C * d.H * d.W;
    CheckOne<X>(d, Data<X>(gen, n, lo, hi), gen);      // full range
    CheckOne<X>(d, Data<X>(gen, n, -2, 1), gen);       // ties everywhere, many cells equal to the pad 0
    CheckOne<X>(d, Data<X>(gen, n, lo, lo + 1), gen);  // all below or at the pad value of int32
    CheckOne<X>(d, std::vector<X>(n, X{0}), gen);      // all equal to the pad value
  }
}

TEST(MaxPoolFast, Int8MatchesReference) { CheckAll<int8_t>(); }
TEST(MaxPoolFast, Int16MatchesReference) { CheckAll<int16_t>(); }
TEST(MaxPoolFast, Int32MatchesReference) { CheckAll<int32_t>(); }

// kernel(x, y, planes, d, scratch) equals MaxPoolForward on each of `dims` (d.C planes) for
// full-range data, ties around the pad value 0, and all-negative data (the pad 0 then wins every
// window that reaches a pad cell). scratch_bytes(d) sizes the kernel's scratch.
template <size_t N, typename Kernel, typename ScratchBytes>
void ExpectTwoPassMatches(const PoolDims (&dims)[N], Kernel kernel, ScratchBytes scratch_bytes) {
  std::mt19937_64 gen(23);
  for (const PoolDims& d : dims) {
    SCOPED_TRACE(testing::Message() << d.C << " planes " << d.H << "x" << d.W << " K " << d.KH << "x" << d.KW << " P "
                                    << d.PH << "," << d.PW);
    ASSERT_TRUE(d.Valid());
    const int64_t n = d.C * d.H * d.W, n_out = d.C * d.Ho() * d.Wo();
    for (const std::vector<int8_t>& x :
         {Data<int8_t>(gen, n, -128, 127), Data<int8_t>(gen, n, -2, 1), Data<int8_t>(gen, n, -128, -1)}) {
      std::vector<int8_t> want(n_out), got(n_out, 99), scratch(scratch_bytes(d));
      MaxPoolForward(x.data(), want.data(), d);
      kernel(x.data(), got.data(), d.C, d, scratch.data());
      EXPECT_EQ(got, want);
    }
  }
}

TEST(MaxPoolTiled, Int8MatchesReference) {
  // Widths 32, 16, 8 and 4 (whole vector rows), 12 and 6 (other widths); KW 1, 2, 4, 8 (the
  // lane-halving passes) and 3, 6 (the plain loop); plane counts that leave tails in both passes.
  const PoolDims dims[] = {
      {1, 7, 32, 32, 2, 2, 0, 0}, {1, 5, 32, 32, 8, 8, 0, 0}, {1, 3, 32, 32, 8, 4, 0, 0}, {1, 9, 16, 16, 4, 4, 0, 0},
      {1, 3, 16, 16, 8, 4, 0, 0}, {1, 33, 8, 8, 4, 2, 0, 0},  {1, 17, 8, 8, 2, 2, 0, 0},  {1, 11, 4, 4, 2, 1, 0, 0},
      {1, 6, 12, 12, 3, 3, 0, 0}, {1, 5, 6, 6, 3, 6, 0, 0},   {1, 4, 8, 32, 1, 8, 0, 0},  {1, 1, 1, 1, 1, 1, 0, 0},
  };
  for (const PoolDims& d : dims) EXPECT_TRUE(PoolTilesPlane(d));
  ExpectTwoPassMatches(dims, MaxPoolTiledS8, [](const PoolDims& d) { return d.C * (d.H / d.KH) * d.W; });
  EXPECT_FALSE(PoolTilesPlane({1, 1, 7, 9, 3, 2, 1, 1}));  // padded
  EXPECT_FALSE(PoolTilesPlane({1, 1, 9, 8, 2, 2, 0, 0}));  // a last row outside every window
}

TEST(MaxPoolPadded, Int8MatchesReference) {
  // The VGG8B MNIST heads (28×28 and smaller, padded), windows that leave the last rows and columns
  // out, padding of half the kernel, one-row planes, and windows tiling the plane with pad 0.
  const PoolDims dims[] = {
      {1, 5, 28, 28, 8, 4, 4, 0}, {1, 3, 28, 28, 8, 8, 4, 4}, {1, 7, 14, 14, 4, 4, 2, 2}, {1, 9, 14, 14, 8, 4, 4, 2},
      {1, 9, 7, 7, 4, 2, 2, 1},   {1, 4, 3, 3, 2, 1, 1, 0},   {1, 6, 9, 11, 2, 2, 0, 0},  {1, 3, 7, 9, 3, 2, 1, 1},
      {1, 2, 5, 6, 4, 4, 2, 2},   {1, 2, 1, 40, 1, 3, 0, 1},  {1, 3, 32, 32, 8, 4, 0, 0}, {1, 1, 1, 1, 1, 1, 0, 0},
  };
  ExpectTwoPassMatches(dims, MaxPoolPaddedS8, [](const PoolDims& d) { return d.C * d.Ho() * d.Wo() * d.KW; });
}

TEST(MaxPoolFast, ArgmaxIsTheFirstMaximum) {
  // One 2×2 window, all cells equal: the delta goes to (0, 0).
  const PoolDims d{1, 1, 2, 2, 2, 2, 0, 0};
  const std::vector<int8_t> x = {5, 5, 5, 5};
  const std::vector<int32_t> dy = {3};
  std::vector<int32_t> dx(4, -1);
  MaxPoolBackwardFast(x.data(), dy.data(), dx.data(), d);
  EXPECT_EQ(dx, (std::vector<int32_t>{3, 0, 0, 0}));
}

TEST(MaxPoolFast, DeltaOnPaddingIsLost) {
  // Padded 3×3 window over a 2×2 input of negatives: the first maximum is the pad 0, so dx is 0.
  const PoolDims d{1, 1, 2, 2, 3, 3, 1, 1};
  const std::vector<int8_t> x = {-1, -2, -3, -4};
  const std::vector<int32_t> dy = {3};
  std::vector<int8_t> y(1, 1);
  std::vector<int32_t> dx(4, -1);
  MaxPoolForwardFast(x.data(), y.data(), d);
  MaxPoolBackwardFast(x.data(), dy.data(), dx.data(), d);
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(dx, (std::vector<int32_t>(4, 0)));
}

}  // namespace
}  // namespace nitro::kernels
