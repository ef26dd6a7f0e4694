// Replays every file of fuzz/corpus/<target>/ through the target's entry function (the fuzzers'
// own), and checks the expected verdicts of fuzz/expected_errors.txt: lines
// `<target>/<file> <TAB> OK | <substring of the error message>`.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fuzz/entries.h"
#include "gtest/gtest.h"

namespace nitro::fuzz {
namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> ExpectedErrors() {
  std::map<std::string, std::string> out;
  std::ifstream in("fuzz/expected_errors.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    if (parts.size() == 2) out[parts[0]] = parts[1];
  }
  return out;
}

class CorpusReplayTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(CorpusReplayTest, EveryFileIsAVerdictNotACrash) {
  const FuzzTarget target = GetParam();
  const std::map<std::string, std::string> expected = ExpectedErrors();
  const std::filesystem::path dir = std::filesystem::path("fuzz/corpus") / target.name;
  int files = 0, ok = 0, checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string key = std::string(target.name) + "/" + entry.path().filename().string();
    const absl::Status s = target.entry(ReadAll(entry.path()));
    ++files;
    ok += s.ok();
    auto it = expected.find(key);
    if (it == expected.end()) continue;
    ++checked;
    if (it->second == "OK") {
      EXPECT_TRUE(s.ok()) << key << ": " << s;
    } else {
      EXPECT_FALSE(s.ok()) << key;
      EXPECT_TRUE(absl::StrContains(s.message(), it->second)) << key << ": " << s << "\nexpected: " << it->second;
    }
  }
  EXPECT_GT(files, 0) << dir << " is empty";
  std::printf("%s: %d corpus files, %d accepted, %d with an expected verdict\n", target.name, files, ok, checked);
}

TEST(CorpusReplayTest, EveryExpectationNamesACorpusFile) {
  for (const auto& [key, words] : ExpectedErrors()) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path("fuzz/corpus") / key)) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, CorpusReplayTest, ::testing::ValuesIn(FuzzTargets()),
                         [](const ::testing::TestParamInfo<FuzzTarget>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace nitro::fuzz
