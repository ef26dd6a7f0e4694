#include "deploy/c_source.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace nitro::deploy {
namespace {

Tensor Values(DType dtype, std::vector<int64_t> v) {
  Tensor t(dtype, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.Set(static_cast<int64_t>(i), v[i]);
  return t;
}

TEST(CIdentifier, KeepsLettersDigitsUnderscoresAndReplacesTheRest) {
  EXPECT_EQ(CIdentifier("b0.head.w"), "b0_head_w");
  EXPECT_EQ(CIdentifier("mlp1_mnist"), "mlp1_mnist");
  EXPECT_EQ(CIdentifier("fc.w@2/dW"), "fc_w_2_dW");
  EXPECT_EQ(CIdentifier("9lives"), "_9lives");
  EXPECT_EQ(CIdentifier(""), "_");
  EXPECT_EQ(CIdentifier("caf\xc3\xa9"), "caf__");
}

TEST(CTypeOf, NamesTheStdintTypes) {
  EXPECT_STREQ(CTypeOf(kInt8), "int8_t");
  EXPECT_STREQ(CTypeOf(kInt16), "int16_t");
  EXPECT_STREQ(CTypeOf(kInt32), "int32_t");
  EXPECT_STREQ(CTypeOf(kInt64), "int64_t");
}

TEST(NarrowestDType, PicksTheSmallestTypeHoldingEveryValue) {
  EXPECT_EQ(NarrowestDType(Values(kInt32, {-128, 127, 0})), kInt8);
  EXPECT_EQ(NarrowestDType(Values(kInt32, {-129, 5})), kInt16);
  EXPECT_EQ(NarrowestDType(Values(kInt32, {128})), kInt16);
  EXPECT_EQ(NarrowestDType(Values(kInt32, {-32768, 32767})), kInt16);
  EXPECT_EQ(NarrowestDType(Values(kInt32, {32768})), kInt32);
  EXPECT_EQ(NarrowestDType(Values(kInt32, {std::numeric_limits<int32_t>::min()})), kInt32);
  EXPECT_EQ(NarrowestDType(Values(kInt64, {int64_t{1} << 31})), kInt64);
  EXPECT_EQ(NarrowestDType(Tensor(kInt32, {0})), kInt8);
}

TEST(CIntLiteral, MeansTheSameValueInEveryC99Implementation) {
  EXPECT_EQ(CIntLiteral(0), "0");
  EXPECT_EQ(CIntLiteral(-128), "-128");
  EXPECT_EQ(CIntLiteral(2147483647), "2147483647");
  EXPECT_EQ(CIntLiteral(-2147483647), "-2147483647");
  EXPECT_EQ(CIntLiteral(std::numeric_limits<int32_t>::min()), "(-2147483647 - 1)");
  EXPECT_EQ(CIntLiteral(int64_t{1} << 31), "INT64_C(2147483648)");
  EXPECT_EQ(CIntLiteral(std::numeric_limits<int64_t>::min()), "(-INT64_C(9223372036854775807) - 1)");
}

TEST(CConstArray, WritesEveryElementInTheGivenType) {
  EXPECT_EQ(CConstArray("w", Values(kInt32, {1, -2, 3}), kInt8), "static const int8_t w[3] = {\n  1, -2, 3\n};\n");
  std::vector<int64_t> many(17, 5);
  many[16] = -32768;
  EXPECT_EQ(CConstArray("big", Values(kInt32, many), kInt16),
            "static const int16_t big[17] = {\n  5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,\n  -32768\n};\n");
}

TEST(CCode, IndentsTwoSpacesPerOpenBlock) {
  CCode c;
  c.Open("for (;;)");
  c.Line("x = 1;");
  c.Line("");
  c.Open("");
  c.Line("y = 2;");
  c.Close();
  c.Close(";");
  EXPECT_EQ(c.str(), "for (;;) {\n  x = 1;\n\n  {\n    y = 2;\n  }\n};\n");
  CCode outer;
  outer.Open("void f(void)");
  outer.Append(c);
  outer.Close();
  EXPECT_EQ(outer.str(), "void f(void) {\n  for (;;) {\n    x = 1;\n    {\n      y = 2;\n    }\n  };\n}\n");
}

}  // namespace
}  // namespace nitro::deploy
