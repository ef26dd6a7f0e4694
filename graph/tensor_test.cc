// Tensor: zero-filled aligned storage, fallible allocation (Allocate), the constructor's abort on
// a bad request instead of a null buffer, and the debug-build checks of the accessors.
#include "graph/tensor.h"

#include <cstdint>

#include "graph/address_space_limit.h"
#include "gtest/gtest.h"

#ifdef NITRO_ADDRESS_SANITIZER
// Let ASan's allocator return null for a request above its maximum instead of reporting an error.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

namespace nitro {
namespace {

constexpr int64_t kTwoTo40 = int64_t{1} << 40;

TEST(Tensor, ConstructorZeroFillsAlignedStorage) {
  Tensor t(kInt16, {2, 3});
  EXPECT_EQ(t.dtype(), kInt16);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.dim(1), 3);
  EXPECT_EQ(t.size(), 6);
  EXPECT_EQ(t.bytes(), 12);
  ASSERT_NE(t.raw(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
  for (int64_t i = 0; i < t.size(); ++i) EXPECT_EQ(t.Get(i), 0) << i;
}

TEST(Tensor, ZeroElementsStillOwnABuffer) {
  Tensor t(kInt8, {0, 5});
  EXPECT_EQ(t.size(), 0);
  EXPECT_EQ(t.bytes(), 0);
  EXPECT_NE(t.raw(), nullptr);
  EXPECT_FALSE(t.empty());
  EXPECT_TRUE(Tensor().empty());
}

TEST(Tensor, SetWrapsToTheDtypeAndCopiesAreDeep) {
  Tensor t(kInt8, {3});
  t.Set(0, 127);
  t.Set(1, 128);   // wraps to -128
  t.Set(2, -129);  // wraps to 127
  EXPECT_EQ(t.Get(0), 127);
  EXPECT_EQ(t.Get(1), -128);
  EXPECT_EQ(t.Get(2), 127);
  Tensor copy = t;
  EXPECT_TRUE(copy.Equals(t));
  EXPECT_NE(copy.raw(), t.raw());
  copy.Set(0, 1);
  EXPECT_FALSE(copy.Equals(t));
  EXPECT_EQ(t.Get(0), 127);
}

TEST(Tensor, SharedViewsWriteThroughOneBufferThatOutlivesTheStorage) {
  Tensor view16, view8;
  {
    Tensor storage(kInt32, {4});  // 16 bytes
    auto a = Tensor::SharedView(storage, kInt16, {2, 4});
    ASSERT_TRUE(a.ok()) << a.status();
    auto b = Tensor::SharedView(storage, kInt8, {3});
    ASSERT_TRUE(b.ok()) << b.status();
    view16 = *std::move(a);
    view8 = *std::move(b);
    EXPECT_EQ(view16.raw(), storage.raw());
    EXPECT_EQ(view16.shape(), (Shape{2, 4}));
    EXPECT_EQ(view8.size(), 3);
  }
  view16.Set(0, 0x0102);  // little-endian: byte 0 is 0x02, byte 1 is 0x01
  EXPECT_EQ(view8.Get(0), 2);
  EXPECT_EQ(view8.Get(1), 1);
  Tensor copy = view8;  // a copy of a view owns its buffer
  EXPECT_NE(copy.raw(), view8.raw());
  EXPECT_TRUE(copy.Equals(view8));
}

TEST(Tensor, SharedViewLargerThanItsStorageIsInvalidArgument) {
  Tensor storage(kInt8, {10});
  auto v = Tensor::SharedView(storage, kInt32, {3});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(), "a view of 12 bytes (int32 [3]) does not fit in a buffer of 10 bytes");
  Tensor none;
  EXPECT_EQ(Tensor::SharedView(none, kInt8, {1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::SharedView(storage, kInt8, {-1}).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(Tensor, ByteSizeIsCheckedAndExact) {
  EXPECT_EQ(Tensor::ByteSize(kInt8, {3, 5}).value(), 15);
  EXPECT_EQ(Tensor::ByteSize(kInt64, {kTwoTo40}).value(), int64_t{1} << 43);
  EXPECT_EQ(Tensor::ByteSize(kInt32, {}).value(), 4);  // a scalar
  EXPECT_EQ(Tensor::ByteSize(kInt32, {2, -1}).status().code(), absl::StatusCode::kOutOfRange);
  // 2^41 elements: over the cap, and 2^62 * 2^62 would overflow int64 unchecked.
  EXPECT_EQ(Tensor::ByteSize(kInt8, {int64_t{1} << 21, int64_t{1} << 20}).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Tensor::ByteSize(kInt8, {int64_t{1} << 62, int64_t{1} << 62}).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(Tensor, AllocateRejectsInvalidShapes) {
  auto negative = Tensor::Allocate(kInt32, {4, -2});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(negative.status().message(), "negative dimension in shape [4, -2]");
  auto too_many = Tensor::Allocate(kInt8, {kTwoTo40, 2});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(), "shape [1099511627776, 2] has more than 2^40 elements");
}

TEST(Tensor, AllocateZeroFills) {
  auto t = Tensor::Allocate(kInt64, {4, 4});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->bytes(), 128);
  for (int64_t i = 0; i < t->size(); ++i) EXPECT_EQ(t->data<int64_t>()[i], 0) << i;
}

TEST(Tensor, AllocationLargerThanMemoryIsResourceExhausted) {
  if (!HugeAllocationsFail()) GTEST_SKIP() << "vm.overcommit_memory is 1: a 4 TiB allocation would succeed";
  auto t = Tensor::Allocate(kInt32, {kTwoTo40});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(t.status().message(), "cannot allocate 4,398,046,511,104 bytes for an int32 [1099511627776] tensor");
}

TEST(Tensor, AllocationBeyondTheAddressSpaceLimitIsResourceExhausted) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan reserves more address space than any limit would leave";
  ScopedAddressSpaceLimit limit(int64_t{256} << 20);
  ASSERT_TRUE(limit.ok());
  auto big = Tensor::Allocate(kInt32, {int64_t{1} << 28});  // 1 GiB > 256 MiB of headroom
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(big.status().message(), "cannot allocate 1,073,741,824 bytes for an int32 [268435456] tensor");
  auto small = Tensor::Allocate(kInt32, {1024});
  EXPECT_TRUE(small.ok()) << small.status();
}

TEST(TensorDeathTest, ConstructorAbortsOnABadShapeInsteadOfReturningNoBuffer) {
  EXPECT_DEATH(Tensor(kInt32, {3, -1}), "nitro: Tensor\\(int32, \\[3, -1\\]\\): negative dimension in shape");
}

TEST(TensorDeathTest, ConstructorAbortsWhenTheAllocationFails) {
  if (!HugeAllocationsFail()) GTEST_SKIP() << "vm.overcommit_memory is 1: a 4 TiB allocation would succeed";
  EXPECT_DEATH(Tensor(kInt32, {kTwoTo40}), "cannot allocate 4,398,046,511,104 bytes");
}

#ifdef NDEBUG
constexpr bool kDebugChecks = false;
#else
constexpr bool kDebugChecks = true;
#endif

TEST(TensorDeathTest, DebugBuildsCheckTheAccessorsPreconditions) {
  if (!kDebugChecks) GTEST_SKIP() << "NITRO_DCHECK is off in optimised builds (--config=dbg or asan turns it on)";
  Tensor t(kInt32, {2, 3});
  const Tensor& ct = t;
  EXPECT_DEATH(t.data<int8_t>(), "NITRO_DCHECK failed: DTypeOf<T>::value == dtype_");
  EXPECT_DEATH(ct.data<int64_t>(), "NITRO_DCHECK failed: DTypeOf<T>::value == dtype_");
  EXPECT_DEATH(t.span<int16_t>(), "NITRO_DCHECK failed");
  EXPECT_DEATH(t.Get(6), "NITRO_DCHECK failed: i >= 0 && i < size_");
  EXPECT_DEATH(t.Set(-1, 0), "NITRO_DCHECK failed: i >= 0 && i < size_");
  EXPECT_DEATH(t.dim(2), "NITRO_DCHECK failed: i >= 0 && i < rank");
  EXPECT_DEATH(t.Reshape({5}), "NITRO_DCHECK failed: ElementCount");
  EXPECT_DEATH(Tensor().data<int32_t>(), "NITRO_DCHECK failed");
  // The preconditions met: no abort.
  t.Reshape({3, 2});
  EXPECT_EQ(t.dim(0), 3);
  EXPECT_EQ(t.data<int32_t>(), t.raw());
  EXPECT_EQ(t.Get(5), 0);
}

}  // namespace
}  // namespace nitro
