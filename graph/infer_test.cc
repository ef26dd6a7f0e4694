#include "graph/infer.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

proto::Model Parse(const std::string& text) {
  proto::Model m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

absl::Status Infer(proto::Model& m, std::vector<std::string>* warnings = nullptr) {
  std::vector<int> lines;
  return InferOmitted(m, lines, "m.pbtxt", warnings);
}

int64_t IntAttr(const proto::Node& n, const std::string& name) {
  for (const auto& a : n.attr()) {
    if (a.name() == name) return a.i();
  }
  return -1;
}

std::vector<int64_t> IntsAttr(const proto::Node& n, const std::string& name) {
  for (const auto& a : n.attr()) {
    if (a.name() == name) return {a.ints().v().begin(), a.ints().v().end()};
  }
  return {};
}

// Spec §7.2's head pooling tables, (C, S) -> (kh, kw, ph, pw, D), as tools/gen_models.py checks them.
TEST(HeadPool, ReproducesTheSpecTables) {
  const std::map<std::pair<int64_t, int64_t>, std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>> spec = {
      {{128, 28}, {8, 4, 4, 0, 3584}}, {{256, 28}, {8, 8, 4, 4, 4096}}, {{256, 14}, {4, 4, 2, 2, 4096}},
      {{512, 14}, {8, 4, 4, 2, 4096}}, {{512, 7}, {4, 2, 2, 1, 4096}},  {{512, 3}, {2, 1, 1, 0, 3072}},
      {{128, 32}, {8, 4, 0, 0, 4096}}, {{256, 32}, {8, 8, 0, 0, 4096}}, {{256, 16}, {4, 4, 0, 0, 4096}},
      {{512, 16}, {8, 4, 0, 0, 4096}}, {{512, 8}, {4, 2, 0, 0, 4096}},  {{512, 4}, {2, 1, 0, 0, 4096}},
  };
  for (const auto& [cs, want] : spec) {
    const HeadPoolShape h = HeadPool(cs.first, cs.second, 4096);
    EXPECT_EQ(std::make_tuple(h.kh, h.kw, h.ph, h.pw, h.d), want) << cs.first << "x" << cs.second;
  }
  const HeadPoolShape small = HeadPool(4, 8, 4096);  // 256 <= 4096: no pooling
  EXPECT_EQ(small.kh, 1);
  EXPECT_EQ(small.kw, 1);
  EXPECT_EQ(small.d, 256);
}

constexpr char kInputs[] = R"pb(
input { name: "image" dtype: INT8 shape: [3, 16, 16] }
input { name: "target" dtype: INT8 shape: [10] role: TARGETS }
)pb";

TEST(InferOmitted, DerivesShapesDivisorsAndPooling) {
  proto::Model m = Parse(std::string(kInputs) + R"pb(
    param { name: "c.w" init { kaiming {} } }
    param { name: "h.w" init { kaiming {} } }
    node { op: "Conv2D" in: ["image", "c.w"] out: "c.z"
           attr { name: "filters" i: 64 } attr { name: "kernel_size" i: 3 } }
    node { op: "Scale" in: "c.z" out: "c.s" }
    node { op: "NitroRelu" in: "c.s" out: "c.a" }
    node { op: "MaxPool2D" in: "c.a" out: "p" attr { name: "decoder_size" i: 4096 } }
    node { op: "Flatten" in: "p" out: "f" }
    node { op: "Linear" in: ["f", "h.w"] out: "h.z" attr { name: "units" i: 10 } }
    node { op: "Scale" in: "h.z" out: "h.y" attr { name: "divisor" i: 1000 } }
  )pb");
  ASSERT_TRUE(Infer(m).ok()) << Infer(m);
  EXPECT_EQ(std::vector<int64_t>(m.param(0).shape().begin(), m.param(0).shape().end()),
            (std::vector<int64_t>{64, 3, 3, 3}));
  EXPECT_EQ(IntAttr(m.node(1), "divisor"), 256 * 27);
  // 64 × 16 × 16 = 16384 > 4096: the rule pools 2×2 (64 × 8 × 8 = 4096).
  EXPECT_EQ(IntsAttr(m.node(3), "kernel"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(IntsAttr(m.node(3), "pad"), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(IntAttr(m.node(3), "decoder_size"), -1);
  EXPECT_EQ(std::vector<int64_t>(m.param(1).shape().begin(), m.param(1).shape().end()),
            (std::vector<int64_t>{10, 4096}));
  EXPECT_EQ(IntAttr(m.node(5), "units"), -1);
  EXPECT_EQ(IntAttr(m.node(6), "divisor"), 1000);  // explicit wins
}

TEST(InferOmitted, AHeadThatNeedsNoPoolingReadsTheBlockOutput) {
  proto::Model m = Parse(std::string(kInputs) + R"pb(
    node { op: "MaxPool2D" in: "image" out: "p" attr { name: "decoder_size" i: 4096 } }
    node { op: "Flatten" in: "p" out: "f" }
    output: "p"
  )pb");
  ASSERT_TRUE(Infer(m).ok());
  ASSERT_EQ(m.node_size(), 1);
  EXPECT_EQ(m.node(0).in(0), "image");
  EXPECT_EQ(m.output(0), "image");
}

TEST(InferOmitted, AModelThatOmitsNothingIsUnchanged) {
  proto::Model m = Parse(std::string(kInputs) + R"pb(
    param { name: "w" shape: [4, 3, 3, 3] init { kaiming {} } }
    node { op: "Conv2D" in: ["image", "w"] out: "z" }
    node { op: "Scale" in: "z" out: "s" attr { name: "divisor" i: 6912 } }
    node { op: "Scale" in: "image" out: "bad" }
  )pb");
  const proto::Model before = m;
  std::vector<std::string> warnings;
  ASSERT_TRUE(Infer(m, &warnings).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(before, m));
  EXPECT_TRUE(warnings.empty());
}

TEST(InferOmitted, ConflictsAndImpossibleDerivationsAreErrors) {
  struct Case {
    std::string nodes, message;
  };
  const Case cases[] = {
      {R"pb(param { name: "w" shape: [8, 3, 3, 3] }
            node { op: "Conv2D" in: ["image", "w"] out: "z" attr { name: "filters" i: 4 } })pb",
       "parameter 'w' is declared with shape [8, 3, 3, 3], but the node's `filters` and its input give [4, 3, 3, 3]"},
      {R"pb(node { op: "MaxPool2D" in: "image" out: "p" attr { name: "decoder_size" i: 16 }
                   attr { name: "kernel" ints { v: [2, 2] } } })pb",
       "`kernel` is given, but the head pooling rule for decoder size 16 gives [8, 8]"},
      {R"pb(node { op: "Linear" in: ["image", "image"] out: "z" attr { name: "units" i: 4 } })pb",
       "`units` needs a [batch, features] input"},
      {R"pb(param { name: "w" } node { op: "Linear" in: ["target", "w"] out: "z" attr { name: "units" i: 0 } })pb",
       "every dimension must be positive"},
  };
  for (const Case& c : cases) {
    proto::Model m = Parse(std::string(kInputs) + c.nodes);
    const absl::Status s = Infer(m);
    EXPECT_TRUE(absl::StrContains(s.message(), c.message)) << c.nodes << "\n" << s;
  }
}

TEST(InferOmitted, WarnsOnlyWhenTheDivisorSaturates) {
  for (int64_t divisor : {4, 6912}) {
    proto::Model m = Parse(std::string(kInputs) + R"pb(
      param { name: "w" shape: [4, 3, 3, 3] init { kaiming {} } }
      node { op: "Conv2D" in: ["image", "w"] out: "z" }
      node { op: "Scale" in: "z" out: "s" attr { name: "divisor" i: )pb" +
                           std::to_string(divisor) + " } }");
    std::vector<std::string> warnings;
    ASSERT_TRUE(Infer(m, &warnings).ok());
    EXPECT_EQ(warnings.size(), divisor == 4 ? 1u : 0u) << divisor;
  }
}

}  // namespace
}  // namespace nitro
