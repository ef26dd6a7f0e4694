// Plan: one zero-filled buffer per value, nodes bound to them; a model whose buffers do not fit in
// memory is ResourceExhausted naming the value and the bytes, never a crash.
#include "runtime/plan.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/address_space_limit.h"
#include "graph/loader.h"
#include "gtest/gtest.h"

#ifdef NITRO_ADDRESS_SANITIZER
// Let ASan's allocator return null for a request above its maximum instead of reporting an error.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

namespace nitro {
namespace {

// z = x·wᵀ with x int8 [batch, 1] and w int32 [features, 1]: z is int32 [batch, features], so the
// output alone is large while x and w stay small.
std::string LinearModel(int64_t features) {
  return absl::StrCat(R"pb(
name: "wide"
input { name: "x" dtype: INT8 shape: [1] }
param { name: "w" shape: [)pb",
                      features, R"pb(, 1] init { zeros: true } }
node { op: "Linear" in: ["x", "w"] out: "z" }
output: "z"
)pb");
}

absl::StatusOr<Graph> Build(const std::string& text, int64_t batch_size) {
  auto parsed = ParseModelText(text, "wide.pbtxt");
  if (!parsed.ok()) return parsed.status();
  BuildOptions options;
  options.source = "wide.pbtxt";
  options.batch_size = batch_size;
  options.node_lines = parsed->node_lines;
  return BuildGraph(std::move(parsed->model), options);
}

TEST(Plan, OneZeroFilledBufferPerValueAndNodesBoundToThem) {
  auto graph = Build(LinearModel(4), 2);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto plan = Plan::Create(&*graph);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // x int8 [2, 1] + w int32 [4, 1] + z int32 [2, 4].
  EXPECT_EQ((*plan)->buffer_bytes(), 2 + 16 + 32);
  const Tensor* z = (*plan)->Find("z");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->dtype(), kInt32);
  EXPECT_EQ(z->shape(), (Shape{2, 4}));
  EXPECT_EQ((*plan)->Find("nope"), nullptr);

  Tensor x(kInt8, {2, 1});
  x.Set(0, 3);
  x.Set(1, -2);
  Tensor w(kInt32, {4, 1});
  for (int k = 0; k < 4; ++k) w.Set(k, 10 * (k + 1));
  ASSERT_TRUE((*plan)->Set("x", x).ok());
  ASSERT_TRUE((*plan)->Set("w", w).ok());
  ASSERT_TRUE((*plan)->RunNode(0, false, nullptr).ok());
  const int64_t want[8] = {30, 60, 90, 120, -20, -40, -60, -80};
  for (int k = 0; k < 8; ++k) EXPECT_EQ(z->Get(k), want[k]) << k;
  EXPECT_EQ((*plan)->Set("x", w).message(), "value 'x' is int8 [2, 1] but got int32 [4, 1]");
}

// z needs 2^40 int32 = 4 TiB: more than any test machine's memory (and than ASan's 1 TiB maximum).
TEST(Plan, AModelLargerThanMemoryIsResourceExhausted) {
  if (!HugeAllocationsFail()) GTEST_SKIP() << "vm.overcommit_memory is 1: a 4 TiB allocation would succeed";
  const int64_t n = int64_t{1} << 20;
  auto graph = Build(LinearModel(n), n);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto plan = Plan::Create(&*graph);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  // Held so far: x (1 MiB of int8) and w (4 MiB of int32).
  EXPECT_EQ(plan.status().message(),
            "wide.pbtxt:5: node 'z' (Linear): value 'z' (int32 [1048576, 1048576]) needs 4,398,046,511,104 bytes and "
            "the allocation failed; the plan holds 5,242,880 bytes so far and needs 4,398,051,753,984 in all: lower "
            "the batch size (now 1048576) or the sizes of the model's layers");
}

// z needs 1 GiB, which would fit the machine but not a 256 MiB address-space allowance.
TEST(Plan, AnAddressSpaceLimitMakesCreateResourceExhausted) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan reserves more address space than any limit would leave";
  auto big = Build(LinearModel(65536), 4096);
  ASSERT_TRUE(big.ok()) << big.status();
  auto small = Build(LinearModel(16), 8);
  ASSERT_TRUE(small.ok()) << small.status();
  ScopedAddressSpaceLimit limit(int64_t{256} << 20);
  ASSERT_TRUE(limit.ok());
  auto plan = Plan::Create(&*big);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  // Held so far: x (4 KiB of int8) and w (256 KiB of int32).
  EXPECT_EQ(plan.status().message(),
            "wide.pbtxt:5: node 'z' (Linear): value 'z' (int32 [4096, 65536]) needs 1,073,741,824 bytes and the "
            "allocation failed; the plan holds 266,240 bytes so far and needs 1,074,008,064 in all: lower the batch "
            "size (now 4096) or the sizes of the model's layers");
  // The limit leaves room for a small model.
  auto small_plan = Plan::Create(&*small);
  EXPECT_TRUE(small_plan.ok()) << small_plan.status();
}

// A graph input that does not fit is named without a node.
TEST(Plan, AnInputTooLargeIsNamedWithoutANode) {
  if (!HugeAllocationsFail()) GTEST_SKIP() << "vm.overcommit_memory is 1: a 4 TiB allocation would succeed";
  auto graph = Build(R"pb(
input { name: "image" dtype: INT32 shape: [1048576] }
param { name: "w" shape: [2, 1048576] init { zeros: true } }
node { op: "Linear" in: ["image", "w"] out: "z" }
)pb",
                     int64_t{1} << 20);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto plan = Plan::Create(&*graph);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(plan.status().message(),
            "wide.pbtxt: value 'image' (int32 [1048576, 1048576]) needs 4,398,046,511,104 bytes and the allocation "
            "failed; the plan holds 0 bytes so far and needs 4,398,063,288,320 in all: lower the batch size (now "
            "1048576) or the sizes of the model's layers");
}

}  // namespace
}  // namespace nitro
