#include "graph/expand.h"

#include <string>
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

constexpr char kLib[] = R"pb(
function {
  name: "Inner"
  input: "x"
  output: "y"
  attr { name: "d" default_i: 7 }
  node { op: "Scale" in: "x" out: "y" attr { name: "divisor" ref: "d" } }
}
function {
  name: "Outer"
  input: "x"
  output: "y"
  attr { name: "d" }
  attr { name: "eta" default_i: 5 }
  param { name: "w" shape: [2, 2] amp: 3 decay_inv_attr: "eta" }
  node { op: "Linear" in: ["x", "w"] out: "z" }
  node { name: "inner" op: "Inner" in: "z" out: "y" attr { name: "d" ref: "d" } }
}
)pb";

TEST(ExpandFunctions, ModelWithoutCallsIsUnchanged) {
  proto::Model m = Parse(R"pb(node { op: "Flatten" in: "x" out: "y" } block { name: "b" })pb");
  const proto::Model before = m;
  std::vector<int> lines = {3};
  ASSERT_TRUE(ExpandFunctions(m, lines, "m.pbtxt").ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(before, m));
  EXPECT_EQ(lines, std::vector<int>{3});
}

TEST(ExpandFunctions, NamesSayWhereEachNodeCameFrom) {
  proto::Model m = Parse(std::string(kLib) + R"pb(
    attr { name: "eta" i: 9 }
    node { op: "Flatten" in: "image" out: "x" }
    node { block: "b1" op: "Outer" in: "x" out: "b1.y" attr { name: "d" i: 64 } }
  )pb");
  std::vector<int> lines = {10, 11};
  ASSERT_TRUE(ExpandFunctions(m, lines, "m.pbtxt").ok());
  ASSERT_EQ(m.node_size(), 3);
  EXPECT_EQ(m.node(1).in(1), "b1.w");
  EXPECT_EQ(m.node(1).out(0), "b1.z");
  EXPECT_EQ(m.node(2).op(), "Scale");  // the body of the nested call b1.inner
  EXPECT_EQ(m.node(2).in(0), "b1.z");
  EXPECT_EQ(m.node(2).out(0), "b1.y");
  EXPECT_EQ(m.node(2).attr(0).i(), 64);  // the call's value, through two functions
  EXPECT_EQ(m.node(2).block(), "b1");
  EXPECT_EQ(lines, (std::vector<int>{10, 11, 11}));
  ASSERT_EQ(m.param_size(), 1);
  EXPECT_EQ(m.param(0).name(), "b1.w");
  EXPECT_EQ(m.param(0).amp(), 3);
  EXPECT_EQ(m.param(0).decay_inv(), 9);  // the model's attr beats the default
  EXPECT_TRUE(m.param(0).decay_inv_attr().empty());
  ASSERT_EQ(m.block_size(), 1);  // declared by the call
  EXPECT_EQ(m.block(0).name(), "b1");
  EXPECT_EQ(m.function_size(), 0);
  EXPECT_EQ(m.attr_size(), 0);
}

TEST(ExpandFunctions, BlocksKeepTheirFieldsInOrderOfUse) {
  proto::Model m = Parse(std::string(kLib) + R"pb(
    block { name: "b" visits: 2 }
    block { name: "unused" }
    node { block: "a" op: "Inner" in: "x" out: "a.y" }
    node { block: "b" op: "Inner" in: "a.y" out: "b.y" }
  )pb");
  std::vector<int> lines;
  ASSERT_TRUE(ExpandFunctions(m, lines, "m.pbtxt").ok());
  ASSERT_EQ(m.block_size(), 3);
  EXPECT_EQ(m.block(0).name(), "a");
  EXPECT_EQ(m.block(1).name(), "b");
  EXPECT_EQ(m.block(1).visits(), 2);
  EXPECT_EQ(m.block(2).name(), "unused");
  EXPECT_EQ(m.node(0).attr(0).i(), 7);  // the default
}

TEST(ExpandFunctions, ErrorsNameTheCall) {
  struct Case {
    std::string model, message;
  };
  const Case cases[] = {
      {R"pb(node { name: "c" op: "Outer" in: "x" out: "y" })pb", "m.pbtxt: node 'c' (Outer): missing attribute 'd'"},
      {R"pb(node { name: "c" op: "Inner" in: ["x", "x"] out: "y" })pb", "takes 1 input(s) and 1 output(s)"},
      {R"pb(node { op: "Inner" in: "x" out: "y" })pb", "needs a `name` or a `block`"},
      {R"pb(node { name: "c" op: "Inner" in: "x" out: "y" attr { name: "d" s: "x" } })pb", "must be an integer"},
      {R"pb(node { op: "Scale" in: "x" out: "y" attr { name: "divisor" ref: "d" } })pb",
       "only meaningful inside a function"},
      {R"pb(function { name: "Inner" })pb", "function 'Inner' is defined twice"},
  };
  for (const Case& c : cases) {
    proto::Model m = Parse(std::string(kLib) + c.model);
    std::vector<int> lines;
    const absl::Status s = ExpandFunctions(m, lines, "m.pbtxt");
    EXPECT_TRUE(absl::StrContains(s.message(), c.message)) << c.model << "\n" << s;
  }
}

// F0 calls F1 twice, F1 calls F2 twice, ...: 2^18 nodes would follow. The expansion stops first.
TEST(ExpandFunctions, ExponentialExpansionIsAnError) {
  std::string text;
  constexpr int kDepth = 18;
  for (int k = 0; k < kDepth; ++k) {
    const std::string next = k + 1 < kDepth ? "F" + std::to_string(k + 1) : "Scale";
    text += "function { name: \"F" + std::to_string(k) + "\" input: \"x\" output: \"y\" node { name: \"a\" op: \"" +
            next + "\" in: \"x\" out: \"t\" } node { name: \"b\" op: \"" + next + "\" in: \"t\" out: \"y\" } }\n";
  }
  proto::Model m = Parse(text + R"pb(node { name: "c" op: "F0" in: "x" out: "y" })pb");
  std::vector<int> lines;
  const absl::Status s = ExpandFunctions(m, lines, "m.pbtxt");
  EXPECT_TRUE(absl::StrContains(s.message(), "more than 100000 nodes")) << s;
}

}  // namespace
}  // namespace nitro
