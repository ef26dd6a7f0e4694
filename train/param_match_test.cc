// Tests of MatchParams: presence, dtype, shape, duplicates, order of refusals, caller wording.
#include "train/param_match.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "train/checkpoint.h"

namespace nitro {
namespace {

Tensor Filled(DType dtype, Shape shape, int64_t value) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t.Set(i, value + i);
  return t;
}

ParamMatchWords Words() {
  ParamMatchWords w;
  w.code = absl::StatusCode::kDataLoss;
  w.missing = [](absl::string_view name) { return absl::StrCat("no '", name, "'"); };
  w.mismatch = [](absl::string_view name, const Tensor& have, const Tensor& want) {
    return absl::StrCat("'", name, "' is ", DTypeAndShape(have), ", wants ", DTypeAndShape(want));
  };
  w.unreadable = [](const absl::Status& error) { return absl::StrCat("unreadable: ", error.message()); };
  return w;
}

class MatchParamsTest : public ::testing::Test {
 protected:
  // The model: w int32 [2, 3], b int32 [2].
  Tensor w_ = Filled(kInt32, {2, 3}, 0), b_ = Filled(kInt32, {2}, 0);
  NamedTensorRefs params_ = {{"w", &w_}, {"b", &b_}};
};

TEST_F(MatchParamsTest, DTypeAndShapeText) {
  EXPECT_EQ(DTypeAndShape(w_), "int32 [2, 3]");
  EXPECT_EQ(DTypeAndShape(Tensor(kInt8, {})), "int8 []");
}

TEST_F(MatchParamsTest, MatchesByNameInParameterOrder) {
  const Tensor w = Filled(kInt32, {2, 3}, 10), b = Filled(kInt32, {2}, 20), extra = Filled(kInt8, {7}, 0);
  auto m = MatchParams(params_, {{"extra", &extra}, {"b", &b}, {"w", &w}}, Words());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (std::vector<const Tensor*>{&w, &b}));
}

TEST_F(MatchParamsTest, TheLastOfSeveralIsTheMatch) {
  const Tensor b1 = Filled(kInt32, {2}, 1), b2 = Filled(kInt32, {2}, 2), w = Filled(kInt32, {2, 3}, 0);
  auto m = MatchParams(params_, {{"b", &b1}, {"w", &w}, {"b", &b2}}, Words());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)[1], &b2);
}

TEST_F(MatchParamsTest, MissingParameter) {
  const Tensor w = Filled(kInt32, {2, 3}, 0);
  auto m = MatchParams(params_, {{"w", &w}}, Words());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(m.status().message(), "no 'b'");
}

TEST_F(MatchParamsTest, OtherDTypeOrShape) {
  const Tensor w8 = Filled(kInt8, {2, 3}, 0), w_t = Filled(kInt32, {3, 2}, 0), b = Filled(kInt32, {2}, 0);
  auto m = MatchParams(params_, {{"w", &w8}, {"b", &b}}, Words());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(m.status().message(), "'w' is int8 [2, 3], wants int32 [2, 3]");
  m = MatchParams(params_, {{"w", &w_t}, {"b", &b}}, Words());
  EXPECT_EQ(m.status().message(), "'w' is int32 [3, 2], wants int32 [2, 3]");
}

TEST_F(MatchParamsTest, EveryTensorOfTheNameIsChecked) {
  const Tensor bad = Filled(kInt32, {3}, 0), b = Filled(kInt32, {2}, 0), w = Filled(kInt32, {2, 3}, 0);
  auto m = MatchParams(params_, {{"w", &w}, {"b", &bad}, {"b", &b}}, Words());
  EXPECT_EQ(m.status().message(), "'b' is int32 [3], wants int32 [2]");
}

TEST_F(MatchParamsTest, FirstFailureInParameterOrder) {
  // b is misshapen and w is missing: w comes first among the parameters.
  const Tensor bad = Filled(kInt32, {3}, 0);
  auto m = MatchParams(params_, {{"b", &bad}}, Words());
  EXPECT_EQ(m.status().message(), "no 'w'");
}

TEST_F(MatchParamsTest, CallerChoosesTheCode) {
  ParamMatchWords words = Words();
  words.code = absl::StatusCode::kInvalidArgument;
  auto m = MatchParams(params_, NamedTensorRefs{}, words);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), "no 'w'");
}

TEST_F(MatchParamsTest, StoredTensorsAreDecoded) {
  google::protobuf::RepeatedPtrField<proto::TensorData> stored;
  *stored.Add() = TensorToProto("w", Filled(kInt32, {2, 3}, 5));
  *stored.Add() = TensorToProto("b", Filled(kInt32, {2}, 1));
  *stored.Add() = TensorToProto("b", Filled(kInt32, {2}, 7));
  auto m = MatchParams(params_, stored, Words());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].Get(5), 10);
  EXPECT_EQ((*m)[1].Get(0), 7);  // the last "b"
  EXPECT_EQ((*m)[1].Get(1), 8);
}

TEST_F(MatchParamsTest, UnreadableStoredTensor) {
  google::protobuf::RepeatedPtrField<proto::TensorData> stored;
  *stored.Add() = TensorToProto("w", Filled(kInt32, {2, 3}, 5));
  *stored.Add() = TensorToProto("b", Filled(kInt32, {2}, 1));
  stored.Mutable(1)->mutable_data()->resize(3);
  auto m = MatchParams(params_, stored, Words());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(m.status().message(), "unreadable: checkpoint: tensor 'b': has 3 bytes of data, int32 [2] needs 8");
  // An unreadable tensor no parameter names is not looked at.
  stored.Mutable(1)->set_name("other");
  *stored.Add() = TensorToProto("b", Filled(kInt32, {2}, 1));
  EXPECT_TRUE(MatchParams(params_, stored, Words()).ok());
}

TEST_F(MatchParamsTest, StoredTensorOfAnotherShape) {
  google::protobuf::RepeatedPtrField<proto::TensorData> stored;
  *stored.Add() = TensorToProto("w", Filled(kInt32, {6}, 5));
  auto m = MatchParams(params_, stored, Words());
  EXPECT_EQ(m.status().message(), "'w' is int32 [6], wants int32 [2, 3]");
}

}  // namespace
}  // namespace nitro
