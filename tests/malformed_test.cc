// The malformed-model corpus: every tests/malformed/*.pbtxt must be rejected by LoadGraph with
// the status code and message its header promises. Header lines (leading `#` comments):
//
//   # expect: <substring>      the message must contain it (any number of lines, all required)
//   # code: INVALID_ARGUMENT   the expected absl::StatusCode, by name
//   # node: <name>             the message must name the node: "node '<name>'"
//   # known-bug: <reason>      the loader does not reject the file yet: the case is skipped
//   # warning: <substring>     instead of expect/code: the file loads, with a warning that contains
//                              it (any number of lines, all required; warnings name the file too)
//
// Every message must also name the file. The directory is listed at run time, so a new file is
// picked up without touching this test. A second test mutates a valid model a few thousand times
// and requires LoadGraph to return (any) status without crashing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "graph/loader.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

constexpr char kCorpusDir[] = "tests/malformed";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Expectation {
  std::vector<std::string> substrings;
  std::string code;
  std::vector<std::string> nodes;
  std::string known_bug;
  std::vector<std::string> warnings;
};

// Reads the `# key: value` lines at the top of a corpus file (stops at the first line that is
// not a comment, so binary garbage after the header is never interpreted).
Expectation ParseHeader(const std::string& text) {
  Expectation e;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "#")) break;
    line = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "expect:")) {
      e.substrings.emplace_back(absl::StripLeadingAsciiWhitespace(line));
    } else if (absl::ConsumePrefix(&line, "code:")) {
      e.code = std::string(absl::StripAsciiWhitespace(line));
    } else if (absl::ConsumePrefix(&line, "node:")) {
      e.nodes.emplace_back(absl::StripAsciiWhitespace(line));
    } else if (absl::ConsumePrefix(&line, "warning:")) {
      e.warnings.emplace_back(absl::StripLeadingAsciiWhitespace(line));
    } else if (absl::ConsumePrefix(&line, "known-bug:")) {
      e.known_bug = std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return e;
}

std::string CodeName(absl::StatusCode code) {
  // absl::StatusCodeToString gives "INVALID_ARGUMENT", "NOT_FOUND", ... .
  return absl::StatusCodeToString(code);
}

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir, ec)) {
    const std::string path = entry.path().string();
    if (absl::EndsWith(path, ".pbtxt")) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MalformedCorpus, IsPresent) {
  // Guards against a broken `data` glob or working directory: the loop below would pass vacuously.
  EXPECT_GE(CorpusFiles().size(), 30u) << "cwd: " << std::filesystem::current_path();
}

class MalformedModel : public ::testing::TestWithParam<std::string> {};

// A `# warning:` case: the model loads, and one warning contains every expected substring.
void ExpectWarnings(const std::string& path, const Expectation& e) {
  std::vector<std::string> warnings;
  auto g = LoadGraph(path, 0, &warnings);
  ASSERT_TRUE(g.ok()) << path << ": a warning case must load: " << g.status();
  ASSERT_FALSE(warnings.empty()) << path << ": no warning";
  for (const auto& w : warnings) std::printf("warning: %s\n", w.c_str());
  bool found = false;
  for (const auto& w : warnings) {
    bool all = absl::StrContains(w, path);
    for (const auto& sub : e.warnings) all = all && absl::StrContains(w, sub);
    found = found || all;
  }
  EXPECT_TRUE(found) << "no warning names the file and contains all of: " << absl::StrJoin(e.warnings, " | ")
                     << "\ngot: " << absl::StrJoin(warnings, "\n");
}

TEST_P(MalformedModel, IsRejectedClearly) {
  const std::string path = GetParam();
  const Expectation e = ParseHeader(ReadFile(path));
  if (!e.warnings.empty()) return ExpectWarnings(path, e);
  ASSERT_FALSE(e.substrings.empty()) << path << ": no `# expect:` line in the header";
  ASSERT_FALSE(e.code.empty()) << path << ": no `# code:` line in the header";

  auto g = LoadGraph(path);
  if (!e.known_bug.empty() && g.ok()) GTEST_SKIP() << "known bug: " << e.known_bug;
  ASSERT_FALSE(g.ok()) << path << " loaded without error";
  const absl::Status& s = g.status();
  const std::string msg(s.message());
  std::printf("%s: %s\n", CodeName(s.code()).c_str(), msg.c_str());  // the log documents every message
  EXPECT_EQ(CodeName(s.code()), e.code) << msg;
  EXPECT_TRUE(absl::StrContains(msg, path)) << "the message does not name the file: " << msg;
  for (const auto& sub : e.substrings) {
    EXPECT_TRUE(absl::StrContains(msg, sub)) << "missing \"" << sub << "\" in: " << msg;
  }
  for (const auto& node : e.nodes) {
    const std::string want = absl::StrCat("node '", node, "'");
    EXPECT_TRUE(absl::StrContains(msg, want)) << "missing \"" << want << "\" in: " << msg;
  }
  if (!e.known_bug.empty()) {
    ADD_FAILURE() << "rejected as expected: the known bug seems fixed; drop the `# known-bug:` line";
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, MalformedModel, ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).stem().string();
                           for (char& c : name) {
                             if (!absl::ascii_isalnum(c)) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MalformedModel);

TEST(LoadGraphErrors, MissingFileIsNotFound) {
  auto g = LoadGraph("tests/malformed/no_such_file.pbtxt");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(g.status().message(), "tests/malformed/no_such_file.pbtxt")) << g.status();
}

TEST(LoadGraphErrors, DirectoryIsRejected) {
  auto g = LoadGraph(kCorpusDir);
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(absl::StrContains(g.status().message(), "is a directory")) << g.status();
}

// ---------------------------------------------------------------------------------------------
// Mutation fuzzing of a valid model: LoadGraph must return, never crash, abort or hang, and every
// error must be a user-input error that names the file.

std::vector<std::string> Lines(const std::string& text) { return absl::StrSplit(text, '\n'); }

std::string JoinLines(const std::vector<std::string>& lines) { return absl::StrJoin(lines, "\n"); }

// Positions of the maximal digit runs (optionally with a leading '-') in `s`.
std::vector<std::pair<size_t, size_t>> Numbers(const std::string& s) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < s.size();) {
    if (absl::ascii_isdigit(s[i])) {
      size_t j = i;
      while (j < s.size() && absl::ascii_isdigit(s[j])) ++j;
      spans.push_back({i, j - i});
      i = j;
    } else {
      ++i;
    }
  }
  return spans;
}

// Positions of the contents of the double-quoted strings in `s`.
std::vector<std::pair<size_t, size_t>> Quoted(const std::string& s) {
  std::vector<std::pair<size_t, size_t>> spans;
  size_t i = 0;
  while ((i = s.find('"', i)) != std::string::npos) {
    const size_t j = s.find('"', i + 1);
    if (j == std::string::npos) break;
    spans.push_back({i + 1, j - i - 1});
    i = j + 1;
  }
  return spans;
}

std::string Mutate(std::string text, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  static const char* const kNumbers[] = {"0",
                                         "-1",
                                         "-7",
                                         "1",
                                         "2",
                                         "3",
                                         "4",
                                         "1000",
                                         "2147483648",
                                         "-2147483649",
                                         "1099511627776",
                                         "9223372036854775807",
                                         "-9223372036854775808",
                                         "99999999999999999999",
                                         "1000000000"};
  static const char* const kNames[] = {"Linear",
                                       "Conv2D",
                                       "Scale",
                                       "NitroRelu",
                                       "MaxPool2D",
                                       "Dropout",
                                       "RssLoss",
                                       "IntegerSGD",
                                       "Flatten",
                                       "Reshape",
                                       "Add",
                                       "RssLossGrad",
                                       "LinearWeightGrad",
                                       "Conv2DInputGrad",
                                       "NitroReluGrad",
                                       "Nope",
                                       "",
                                       "x",
                                       "image",
                                       "target",
                                       "b0.w",
                                       "b0.a",
                                       "logits",
                                       "out.w",
                                       "b1",
                                       "divisor",
                                       "alpha_inv",
                                       "kernel",
                                       "rate_permille",
                                       "units",
                                       "filters",
                                       "decoder_size",
                                       "Block",
                                       "Head",
                                       "w",
                                       "a"};
  switch (pick(7)) {
    case 0: {  // delete a character
      if (!text.empty()) text.erase(pick(text.size()), 1);
      break;
    }
    case 1: {  // duplicate a line
      auto lines = Lines(text);
      const size_t i = pick(lines.size());
      lines.insert(lines.begin() + i, lines[i]);
      text = JoinLines(lines);
      break;
    }
    case 2: {  // swap two lines
      auto lines = Lines(text);
      std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
      text = JoinLines(lines);
      break;
    }
    case 3:
    case 4: {  // replace a number with a special one
      const auto spans = Numbers(text);
      if (spans.empty()) break;
      const auto [pos, len] = spans[pick(spans.size())];
      text.replace(pos, len, kNumbers[pick(std::size(kNumbers))]);
      break;
    }
    case 5: {  // replace a quoted name (op, value, block, attribute) with another one
      const auto spans = Quoted(text);
      if (spans.empty()) break;
      const auto [pos, len] = spans[pick(spans.size())];
      text.replace(pos, len, kNames[pick(std::size(kNames))]);
      break;
    }
    case 6: {  // delete a line
      auto lines = Lines(text);
      lines.erase(lines.begin() + pick(lines.size()));
      text = JoinLines(lines);
      break;
    }
  }
  return text;
}

// Mutates `original` kMutants times (1-3 edits each) and loads every mutant.
void FuzzLoadGraph(const std::string& original, uint64_t seed, int kMutants) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/mutant.pbtxt");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << original;
  }
  {
    auto seed_graph = LoadGraph(path);
    ASSERT_TRUE(seed_graph.ok()) << "the seed model must load: " << seed_graph.status();
  }

  std::mt19937_64 rng(seed);
  int loaded = 0;
  std::map<absl::StatusCode, int> codes;
  for (int m = 0; m < kMutants; ++m) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) text = Mutate(std::move(text), rng);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text;
    }
    auto g = LoadGraph(path);
    if (g.ok()) {
      ++loaded;
      continue;
    }
    const absl::Status& s = g.status();
    ++codes[s.code()];
    // User-input errors only: never Internal/Unknown (a shape function bug) or anything else.
    const bool user_error = s.code() == absl::StatusCode::kInvalidArgument || s.code() == absl::StatusCode::kNotFound ||
                            s.code() == absl::StatusCode::kOutOfRange;
    if (!user_error || !absl::StrContains(s.message(), path)) {
      ADD_FAILURE() << "mutant " << m << ": " << s << "\n--- mutant text ---\n" << text;
      break;
    }
  }
  std::string summary;
  for (const auto& [code, count] : codes) absl::StrAppend(&summary, " ", absl::StatusCodeToString(code), "=", count);
  std::printf("%d mutants: %d loaded,%s\n", kMutants, loaded, summary.c_str());
  std::fflush(stdout);
  // The mutations must reach the validation, not only the parser.
  EXPECT_GT(codes[absl::StatusCode::kInvalidArgument], kMutants / 4);
}

TEST(MalformedFuzz, MutantsOfMlp1NeverCrash) {
  const std::string mlp1 = ReadFile("models/mlp1_mnist.pbtxt");
  ASSERT_FALSE(mlp1.empty());
  FuzzLoadGraph(mlp1, 20240601, 4000);
}

// A small CNN that exercises the ops MLP-1 lacks (Conv2D, MaxPool2D, Dropout, Add).
constexpr char kSmallCnn[] = R"pb(
name: "small_cnn"
input { name: "image" dtype: INT8 shape: [1, 8, 8] }
input { name: "target" dtype: INT8 shape: [10] role: TARGETS }
param { name: "c0.w" shape: [4, 1, 3, 3] init { kaiming {} } amp: 640 decay_inv: 12000 }
param { name: "c1.w" shape: [4, 4, 3, 3] init { uniform_bound: 8 } }
param { name: "fc.w" shape: [10, 100] init { zeros: true } }
block { name: "b0" visits: 2 }
block { name: "fc" }
node { block: "b0" op: "Conv2D" in: ["image", "c0.w"] out: "c0.z" attr { name: "pad" i: 1 } }
node { block: "b0" op: "Scale" in: "c0.z" out: "c0.s" attr { name: "divisor" i: 2304 } }
node { block: "b0" op: "NitroRelu" in: "c0.s" out: "c0.a" attr { name: "alpha_inv" i: 4 } }
node { block: "b0" op: "Conv2D" in: ["c0.a", "c1.w"] out: "c1.z" }
node { block: "b0" op: "Add" in: ["c1.z", "c0.z"] out: "sum" }
node { op: "MaxPool2D" in: "c0.a" out: "p" attr { name: "kernel" ints { v: [2, 2] } } attr { name: "pad" ints { v: [1, 1] } } }
node { op: "Dropout" in: "p" out: "d" attr { name: "rate_permille" i: 100 } }
node { op: "Flatten" in: "d" out: "f" }
node { block: "fc" op: "Linear" in: ["f", "fc.w"] out: "fc.z" }
node { block: "fc" op: "Scale" in: "fc.z" out: "logits" attr { name: "divisor" i: 16384 } }
node { block: "fc" op: "RssLoss" in: ["logits", "target"] out: ["loss", "correct"] }
output: "logits"
train { batch_size: 16 }
)pb";

TEST(MalformedFuzz, MutantsOfSmallCnnNeverCrash) { FuzzLoadGraph(kSmallCnn, 7, 4000); }

TEST(MalformedFuzz, MutantsOfVgg8bNeverCrash) {
  const std::string vgg = ReadFile("models/vgg8b_mnist.pbtxt");
  ASSERT_FALSE(vgg.empty());
  FuzzLoadGraph(vgg, 11, 2000);
}

// The short form: functions (one calling another), derived shapes, divisors and head pooling.
constexpr char kShortCnn[] = R"pb(
name: "short_cnn"
attr { name: "eta" i: 3000 }
input { name: "image" dtype: INT8 shape: [2, 8, 8] }
input { name: "target" dtype: INT8 shape: [10] role: TARGETS }
function {
  name: "Head"
  input: ["a", "target"]
  output: "loss"
  attr { name: "decoder_size" default_i: 64 }
  attr { name: "eta" }
  param { name: "w" init { kaiming {} } decay_inv_attr: "eta" }
  node { op: "MaxPool2D" in: "a" out: "p" attr { name: "decoder_size" ref: "decoder_size" } }
  node { op: "Flatten" in: "p" out: "f" }
  node { op: "Linear" in: ["f", "w"] out: "z" attr { name: "units" i: 10 } }
  node { op: "Scale" in: "z" out: "y" }
  node { op: "RssLoss" in: ["y", "target"] out: ["loss", "correct"] }
}
function {
  name: "Block"
  input: ["x", "target"]
  output: "a"
  attr { name: "filters" }
  attr { name: "amp" default_i: 640 }
  param { name: "w" init { kaiming {} } amp_attr: "amp" }
  node { op: "Conv2D" in: ["x", "w"] out: "z" attr { name: "filters" ref: "filters" } }
  node { op: "Scale" in: "z" out: "s" }
  node { op: "NitroRelu" in: "s" out: "a" }
  node { name: "head" op: "Head" in: ["a", "target"] out: "loss" }
}
node { block: "b0" op: "Block" in: ["image", "target"] out: "b0.a" attr { name: "filters" i: 4 } }
node { op: "MaxPool2D" in: "b0.a" out: "pool" attr { name: "kernel" ints { v: [2, 2] } } }
node { block: "b1" op: "Block" in: ["pool", "target"] out: "b1.a" attr { name: "filters" i: 4 } }
node { op: "Flatten" in: "b1.a" out: "flat" }
node { block: "out" op: "Linear" in: ["flat", "out.w"] out: "out.z" attr { name: "units" i: 10 } }
node { block: "out" op: "Scale" in: "out.z" out: "logits" }
node { block: "out" op: "RssLoss" in: ["logits", "target"] out: ["out.loss", "out.correct"] }
param { name: "out.w" init { kaiming {} } }
block { name: "out" }
output: "logits"
train { batch_size: 4 }
)pb";

TEST(MalformedFuzz, MutantsOfShortCnnNeverCrash) { FuzzLoadGraph(kShortCnn, 5, 2000); }

}  // namespace
}  // namespace nitro
