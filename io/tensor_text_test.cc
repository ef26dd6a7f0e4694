// The tensor text format: round trip, and every malformed record refused with its line.
#include "io/tensor_text.h"

#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

void ExpectError(const std::string& text, absl::StatusCode code, const std::string& message) {
  auto parsed = ParseTensorText(text, "t.txt");
  ASSERT_FALSE(parsed.ok()) << text;
  EXPECT_EQ(parsed.status().code(), code) << parsed.status();
  EXPECT_EQ(parsed.status().message(), message);
}

TEST(TensorTextTest, RoundTripsEveryDtype) {
  Tensor a(kInt8, {2, 3});
  for (int64_t i = 0; i < a.size(); ++i) a.Set(i, i - 3);
  Tensor b(kInt32, {2});
  b.Set(0, -2147483648LL);
  b.Set(1, 2147483647);
  Tensor c(kInt64, {1});
  c.Set(0, -5);
  std::ostringstream out;
  WriteTensorText(out, "a", a);
  WriteTensorText(out, "b", b);
  WriteTensorText(out, "c", c);
  EXPECT_EQ(out.str(), "a int8 2 3\n-3 -2 -1 0 1 2\nb int32 2\n-2147483648 2147483647\nc int64 1\n-5\n");
  auto parsed = ParseTensorText(out.str(), "t.txt");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].name, "a");
  EXPECT_TRUE((*parsed)[0].tensor.Equals(a));
  EXPECT_TRUE((*parsed)[1].tensor.Equals(b));
  EXPECT_TRUE((*parsed)[2].tensor.Equals(c));
}

TEST(TensorTextTest, MalformedRecordsNameTheLine) {
  ExpectError("w\n1\n", absl::StatusCode::kInvalidArgument, "t.txt:1: expected `<name> <dtype> <dims...>`");
  ExpectError("w int32 2 x\n1 2\n", absl::StatusCode::kInvalidArgument, "t.txt:1: bad dimension 'x'");
  ExpectError("w int32 -2\n1 2\n", absl::StatusCode::kInvalidArgument, "t.txt:1: bad dimension '-2'");
  ExpectError("w int32 2\n", absl::StatusCode::kDataLoss, "t.txt:1: record 'w' has no values line");
  ExpectError("w int32 3\n1 2\n", absl::StatusCode::kDataLoss, "t.txt:2: record 'w' has 2 values, its shape needs 3");
  ExpectError("w int8 2\n1 128\n", absl::StatusCode::kInvalidArgument, "t.txt:2: value 128 does not fit int8");
  ExpectError("w int8 2\n1 z\n", absl::StatusCode::kInvalidArgument, "t.txt:2: bad value 'z'");
}

TEST(TensorTextTest, AHugeShapeWithoutItsValuesAllocatesNothing) {
  // 2^39 int64 elements would be 4 TiB: refused by the values count before any allocation.
  ExpectError("w int64 524288 1048576\n1 2\n", absl::StatusCode::kDataLoss,
              "t.txt:2: record 'w' has 2 values, its shape needs 549755813888");
}

TEST(TensorTextTest, UnknownDtypeIsRefused) {
  auto parsed = ParseTensorText("w float32 2\n1 2\n", "t.txt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "t.txt:1: ")) << parsed.status();
}

}  // namespace
}  // namespace nitro
