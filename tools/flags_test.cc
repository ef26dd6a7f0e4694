// Tests of the declarative flag parser: every flag type and form, defaults, usage errors with their
// exact messages, positional arity, exit codes and the generated help.
#include "tools/flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace nitro::cli {
namespace {

enum class Color { kRed, kGreen, kBlue };

// One variable of every type, bound to a FlagSet with one positional argument.
struct Vars {
  std::string name = "alice";
  int64_t count = 7;
  int small = -3;
  bool verbose = false;
  bool color_on = true;
  Color color = Color::kGreen;
  std::string file;
};

void Declare(FlagSet& flags, Vars& v) {
  flags.String("name", &v.name, "who to greet").Value("WHO");
  flags.Int64("count", &v.count, "how many times");
  flags.Int("small-num", &v.small, "a 32-bit number");
  flags.Bool("verbose", &v.verbose, "say more");
  flags.Bool("color-on", &v.color_on, "use colour");
  flags.Enum("color", &v.color,
             {{"red", Color::kRed, "the warm one"}, {"green", Color::kGreen, ""}, {"blue", Color::kBlue, ""}},
             "which colour");
  flags.Positional("FILE", &v.file, "the input");
}

// Parses `args` into fresh variables; the status message on a usage error.
struct Parsed {
  Vars v;
  absl::StatusOr<FlagSet::Outcome> outcome;
};

Parsed ParseArgs(const std::vector<std::string>& args) {
  Parsed p{Vars{}, FlagSet::Outcome::kRun};
  FlagSet flags("prog sub", "Does things.");
  Declare(flags, p.v);
  p.outcome = flags.TryParse(args);
  return p;
}

std::string Error(const std::vector<std::string>& args) {
  Parsed p = ParseArgs(args);
  return p.outcome.ok() ? "ok" : std::string(p.outcome.status().message());
}

TEST(FlagsTest, DefaultsStayWhenNothingIsGiven) {
  Parsed p = ParseArgs({"in.txt"});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(*p.outcome, FlagSet::Outcome::kRun);
  EXPECT_EQ(p.v.name, "alice");
  EXPECT_EQ(p.v.count, 7);
  EXPECT_EQ(p.v.small, -3);
  EXPECT_FALSE(p.v.verbose);
  EXPECT_TRUE(p.v.color_on);
  EXPECT_EQ(p.v.color, Color::kGreen);
  EXPECT_EQ(p.v.file, "in.txt");
}

TEST(FlagsTest, StringAndIntBothForms) {
  Parsed p = ParseArgs({"--name=bob", "--count", "-12", "--small-num=2147483647", "f"});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(p.v.name, "bob");
  EXPECT_EQ(p.v.count, -12);
  EXPECT_EQ(p.v.small, 2147483647);
  p = ParseArgs({"--name", "carol", "--count=9223372036854775807", "f", "--name="});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(p.v.name, "");  // the last of a repeated flag wins; an empty value is a value
  EXPECT_EQ(p.v.count, INT64_MAX);
}

TEST(FlagsTest, UnderscoreSpellingIsTheKebabFlag) {
  Parsed p = ParseArgs({"--small_num=5", "f"});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(p.v.small, 5);
}

TEST(FlagsTest, BadIntegers) {
  EXPECT_EQ(Error({"--count=x", "f"}), "--count expects an integer, got 'x'");
  EXPECT_EQ(Error({"--count=1.5", "f"}), "--count expects an integer, got '1.5'");
  EXPECT_EQ(Error({"--count=", "f"}), "--count expects an integer, got ''");
  EXPECT_EQ(Error({"--count=9223372036854775808", "f"}), "--count expects an integer, got '9223372036854775808'");
  EXPECT_EQ(Error({"--small-num=2147483648", "f"}), "--small-num is out of range: '2147483648'");
  EXPECT_EQ(Error({"--small-num=ten", "f"}), "--small-num expects an integer, got 'ten'");
}

TEST(FlagsTest, BoolForms) {
  EXPECT_TRUE(ParseArgs({"--verbose", "f"}).v.verbose);
  EXPECT_TRUE(ParseArgs({"--verbose=true", "f"}).v.verbose);
  EXPECT_TRUE(ParseArgs({"--verbose=1", "f"}).v.verbose);
  EXPECT_FALSE(ParseArgs({"--verbose", "--verbose=false", "f"}).v.verbose);
  EXPECT_FALSE(ParseArgs({"--verbose", "--no-verbose", "f"}).v.verbose);
  EXPECT_FALSE(ParseArgs({"--color-on=0", "f"}).v.color_on);
  EXPECT_FALSE(ParseArgs({"--no-color-on", "f"}).v.color_on);
  EXPECT_FALSE(ParseArgs({"--no_color_on", "f"}).v.color_on);
  // A bool never takes the next argument: `f` stays the positional.
  Parsed p = ParseArgs({"--verbose", "f"});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(p.v.file, "f");
  EXPECT_EQ(Error({"--verbose=yes", "f"}), "--verbose expects true or false, got 'yes'");
  EXPECT_EQ(Error({"--no-verbose=true", "f"}), "unknown flag '--no-verbose'");
  EXPECT_EQ(Error({"--no-count", "f"}), "unknown flag '--no-count'");
}

TEST(FlagsTest, EnumWords) {
  EXPECT_EQ(ParseArgs({"--color=red", "f"}).v.color, Color::kRed);
  EXPECT_EQ(ParseArgs({"--color", "blue", "f"}).v.color, Color::kBlue);
  EXPECT_EQ(Error({"--color=pink", "f"}), "--color expects red, green or blue, got 'pink'");
  EXPECT_EQ(Error({"--color=Red", "f"}), "--color expects red, green or blue, got 'Red'");
}

TEST(FlagsTest, UnknownFlagsAndMissingValues) {
  EXPECT_EQ(Error({"--bogus", "f"}), "unknown flag '--bogus'");
  EXPECT_EQ(Error({"--bogus=3", "f"}), "unknown flag '--bogus'");
  EXPECT_EQ(Error({"-x", "f"}), "unknown flag '-x'");
  EXPECT_EQ(Error({"-count=3", "f"}), "unknown flag '-count'");
  EXPECT_EQ(Error({"f", "--count"}), "--count needs a value (--count=N)");
  EXPECT_EQ(Error({"--name", "--verbose", "f"}), "--name needs a value (--name=WHO)");
}

TEST(FlagsTest, PositionalArity) {
  EXPECT_EQ(Error({}), "missing FILE");
  EXPECT_EQ(Error({"--verbose"}), "missing FILE");
  EXPECT_EQ(Error({"a", "b"}), "unexpected argument 'b' (takes FILE)");
  // `--` ends the flags; a lone `-` is an argument (stdin, by convention).
  Parsed p = ParseArgs({"--", "--count=3"});
  ASSERT_TRUE(p.outcome.ok()) << p.outcome.status();
  EXPECT_EQ(p.v.file, "--count=3");
  EXPECT_EQ(p.v.count, 7);
  EXPECT_EQ(ParseArgs({"-"}).v.file, "-");

  FlagSet none("prog", "");
  EXPECT_EQ(none.TryParse({"x"}).status().message(), "unexpected argument 'x' (takes no positional arguments)");
  EXPECT_TRUE(none.TryParse({}).ok());
}

TEST(FlagsTest, RepeatedPositionalTakesOneOrMore) {
  std::string model;
  std::vector<std::string> images;
  bool last = false;
  FlagSet flags("prog", "");
  flags.Positional("MODEL", &model, "the model");
  flags.RepeatedPositional("IMAGE", &images, "image files");
  flags.Bool("last", &last, "");
  EXPECT_EQ(flags.TryParse({"m"}).status().message(), "missing IMAGE...");
  ASSERT_TRUE(flags.TryParse({"m", "a.png", "--last", "b.pgm"}).ok());
  EXPECT_EQ(model, "m");
  EXPECT_EQ(images, (std::vector<std::string>{"a.png", "b.pgm"}));
  EXPECT_TRUE(last);
  EXPECT_TRUE(absl::StartsWith(flags.Help(), "usage: prog MODEL IMAGE... [--last]\n")) << flags.Help();
}

TEST(FlagsTest, RequiredFlag) {
  std::string run;
  FlagSet flags("prog", "");
  flags.String("run", &run, "the run").Value("DIR").Required();
  EXPECT_EQ(flags.TryParse({}).status().message(), "missing --run=DIR");
  EXPECT_TRUE(flags.TryParse({"--run=x"}).ok());
  EXPECT_EQ(run, "x");
  EXPECT_NE(flags.Help().find("usage: prog --run=DIR\n"), std::string::npos) << flags.Help();
  EXPECT_NE(flags.Help().find("the run (required)"), std::string::npos) << flags.Help();
}

TEST(FlagsTest, HelpWinsOverEverythingElse) {
  for (const char* help : {"--help", "-h", "--h"}) {
    Parsed p = ParseArgs({"--bogus", help});
    ASSERT_TRUE(p.outcome.ok()) << help << ": " << p.outcome.status();
    EXPECT_EQ(*p.outcome, FlagSet::Outcome::kHelp);
  }
  // After `--` it is an argument.
  Parsed p = ParseArgs({"--", "--help"});
  ASSERT_TRUE(p.outcome.ok());
  EXPECT_EQ(*p.outcome, FlagSet::Outcome::kRun);
  EXPECT_EQ(p.v.file, "--help");
}

TEST(FlagsTest, GeneratedHelp) {
  Vars v;
  FlagSet flags("prog sub", "Does things.\n\nSecond paragraph, re-wrapped\nas one line.");
  Declare(flags, v);
  EXPECT_EQ(flags.Help(),
            "usage: prog sub FILE [flags]\n"
            "\n"
            "Does things.\n"
            "\n"
            "Second paragraph, re-wrapped as one line.\n"
            "\n"
            "arguments:\n"
            "  FILE  the input\n"
            "\n"
            "flags:\n"
            "  --name=WHO              who to greet (default: alice)\n"
            "  --count=N               how many times (default: 7)\n"
            "  --small-num=N           a 32-bit number (default: -3)\n"
            "  --verbose               say more\n"
            "  --color-on              use colour (default: true)\n"
            "  --color=red|green|blue  which colour (default: green)\n"
            "                            red  the warm one\n"
            "  -h, --help              print this help\n");
}

TEST(FlagsTest, HelpNamesEveryFlagWithItsDefault) {
  std::string a, b = "x";
  int64_t n = 0;
  FlagSet flags("prog", "");
  flags.String("alpha", &a, "first");
  flags.String("beta", &b, "second").DefaultText("the model's own");
  flags.Int64("gamma", &n, "third").DefaultText("0: all");
  const std::string help = flags.Help();
  EXPECT_TRUE(absl::StrContains(help, "--alpha=VALUE  first (default: none)\n")) << help;
  EXPECT_TRUE(absl::StrContains(help, "--beta=VALUE   second (default: the model's own)\n")) << help;
  EXPECT_TRUE(absl::StrContains(help, "--gamma=N      third (default: 0: all)\n")) << help;
}

TEST(FlagsTest, LongHelpWrapsAndLongUsageSaysFlags) {
  std::string s;
  FlagSet flags("prog", "");
  std::vector<std::string> names;
  for (int i = 0; i < 8; ++i) names.push_back(absl::StrCat("option-number-", i));
  for (const auto& n : names) flags.String(n, &s, "x");
  bool b = false;
  flags.Bool("a-very-long-boolean-flag-name", &b,
             "a help text long enough to need more than one line at the help width of one hundred columns, so "
             "that it wraps");
  const std::string help = flags.Help();
  EXPECT_TRUE(absl::StartsWith(help, "usage: prog [flags]\n")) << help;
  EXPECT_TRUE(absl::StrContains(help,
                                "  --a-very-long-boolean-flag-name\n"
                                "                           a help text long enough to need more than one line at "
                                "the help width of\n"
                                "                           one hundred columns, so that it wraps\n"))
      << help;
}

TEST(FlagsTest, ParseExitCodesAndOutput) {
  std::string file;
  FlagSet flags("prog sub", "Does things.");
  flags.Positional("FILE", &file, "the input");

  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(flags.Parse({"--help"}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), flags.Help());
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");

  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(flags.Parse({"--bogus", "f"}), 2);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "prog sub: unknown flag '--bogus'; see 'prog sub --help'\n");

  testing::internal::CaptureStderr();
  EXPECT_EQ(flags.Parse({}), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "prog sub: missing FILE; see 'prog sub --help'\n");

  EXPECT_EQ(flags.Parse({"f"}), std::nullopt);
  EXPECT_EQ(file, "f");

  testing::internal::CaptureStderr();
  EXPECT_EQ(flags.UsageError("--a and --b exclude each other"), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "prog sub: --a and --b exclude each other; see 'prog sub --help'\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(flags.Fail(absl::NotFoundError("f: no such file")), 1);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "prog sub: f: no such file\n");
}

TEST(FlagsTest, FormatHelpRows) {
  EXPECT_EQ(FormatHelpRows({{"train", "train a model"}, {"export-tensors", "print tensors"}}),
            "  train           train a model\n"
            "  export-tensors  print tensors\n");
}

}  // namespace
}  // namespace nitro::cli
