// The `nitro` command line in-process (RunNitro, what main() runs): --help of every command, usage
// errors (exit 2, one line on stderr that points at --help), run-time errors (exit 1, naming the
// file), and that every flag spelling of README.md and docs/ still parses.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/commands.h"
#include "train/run_lock.h"

namespace nitro::cli {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Nitro(const std::vector<std::string>& args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = RunNitro(args);
  Result r{code, "", ""};
  r.out = testing::internal::GetCapturedStdout();
  r.err = testing::internal::GetCapturedStderr();
  return r;
}

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string templ = std::string(d != nullptr ? d : "/tmp") + "/cli_XXXXXX";
  EXPECT_NE(::mkdtemp(templ.data()), nullptr);
  return templ;
}

std::string WriteFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr) << path;
  if (f != nullptr) {
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  return path;
}

const char* const kCommandNames[] = {"train", "eval", "show", "derive", "export-tensors"};

std::string UsageLine(const std::string& command, const std::string& problem) {
  return absl::StrCat("nitro ", command, ": ", problem, "; see 'nitro ", command, " --help'\n");
}

TEST(CliTest, NitroItself) {
  Result r = Nitro({});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(absl::StrContains(r.err, "usage: nitro <command> [flags]")) << r.err;

  for (const char* help : {"--help", "-h", "help"}) {
    r = Nitro({help});
    EXPECT_EQ(r.code, 0) << help;
    EXPECT_EQ(r.err, "");
    for (const char* name : kCommandNames) {
      EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("\n  ", name, " "))) << r.out;
    }
  }
  EXPECT_TRUE(absl::StrContains(r.out, "  export-tensors  print a checkpoint's parameters in the tensor text format\n"))
      << r.out;

  r = Nitro({"bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "nitro: unknown command 'bogus'; see 'nitro --help'\n");
  r = Nitro({"--bogus", "train"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "nitro: unknown flag '--bogus' before the command; see 'nitro --help'\n");
}

TEST(CliTest, EveryCommandHasHelp) {
  for (const char* name : kCommandNames) {
    for (const char* help : {"--help", "-h"}) {
      Result r = Nitro({name, help});
      EXPECT_EQ(r.code, 0) << name << " " << help;
      EXPECT_EQ(r.err, "") << name;
      EXPECT_TRUE(absl::StartsWith(r.out, absl::StrCat("usage: nitro ", name))) << r.out;
      EXPECT_TRUE(absl::StrContains(r.out, "\nflags:\n")) << r.out;
      EXPECT_TRUE(absl::EndsWith(r.out, "print this help\n")) << r.out;
    }
  }
}

TEST(CliTest, UnknownFlagIsAUsageError) {
  for (const char* name : kCommandNames) {
    Result r = Nitro({name, "--bogus"});
    EXPECT_EQ(r.code, 2) << name;
    EXPECT_EQ(r.out, "") << name;
    EXPECT_EQ(r.err, UsageLine(name, "unknown flag '--bogus'"));
  }
}

TEST(CliTest, MissingOrExtraArgumentsAreUsageErrors) {
  EXPECT_EQ(Nitro({"show"}).err, UsageLine("show", "missing MODEL.pbtxt"));
  EXPECT_EQ(Nitro({"derive", "--format=dot"}).err, UsageLine("derive", "missing MODEL.pbtxt"));
  EXPECT_EQ(Nitro({"export-tensors", "--best"}).err, UsageLine("export-tensors", "missing CHECKPOINT_OR_RUN_DIR"));
  EXPECT_EQ(Nitro({"eval"}).err, UsageLine("eval", "missing --run=DIR"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"show"}, {"derive"}, {"export-tensors"}, {"eval"}, {"show", "a", "b"}, {"train", "x"}}) {
    EXPECT_EQ(Nitro(args).code, 2) << args[0];
  }
  EXPECT_EQ(Nitro({"show", "a.pbtxt", "b.pbtxt"}).err,
            UsageLine("show", "unexpected argument 'b.pbtxt' (takes MODEL.pbtxt)"));
  EXPECT_EQ(Nitro({"train", "models/mlp1_mnist.pbtxt"}).err,
            UsageLine("train", "unexpected argument 'models/mlp1_mnist.pbtxt' (takes no positional arguments)"));
}

TEST(CliTest, MalformedValuesAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string problem;
  };
  const Case cases[] = {
      {{"train", "--epochs=x"}, "--epochs expects an integer, got 'x'"},
      {{"train", "--threads=99999999999"}, "--threads is out of range: '99999999999'"},
      {{"train", "--protocol=fair"}, "--protocol expects honest or paper, got 'fair'"},
      {{"train", "--rng=mt"}, "--rng expects default or numpy, got 'mt'"},
      {{"train", "--resume=maybe"}, "--resume expects true or false, got 'maybe'"},
      {{"train", "--out"}, "--out needs a value (--out=DIR)"},
      {{"train", "--init-tensors=p.txt", "--resume"}, "--init-tensors and --resume exclude each other"},
      {{"eval", "--run=r", "--best", "--last"}, "--best and --last exclude each other"},
      {{"eval", "--run=r", "--threads=two"}, "--threads expects an integer, got 'two'"},
      {{"derive", "m.pbtxt", "--format=svg"}, "--format expects pbtxt or dot, got 'svg'"},
  };
  for (const Case& c : cases) {
    Result r = Nitro(c.args);
    EXPECT_EQ(r.code, 2) << c.problem;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, UsageLine(c.args[0], c.problem));
  }
}

TEST(CliTest, BadModelFileIsARuntimeErrorNamingTheFile) {
  const std::string dir = TempDir();
  const std::string missing = dir + "/missing.pbtxt";
  const std::string bad = WriteFile(dir + "/bad.pbtxt", "this is { not a model\n");
  for (const std::string& model : {missing, bad}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"show", model},
             {"derive", model},
             {"derive", "--inference", model},
             {"train", "--quiet", absl::StrCat("--model=", model), absl::StrCat("--out=", dir, "/run")}}) {
      Result r = Nitro(args);
      EXPECT_EQ(r.code, 1) << args[0] << " " << model;
      EXPECT_EQ(r.out, "") << args[0];
      EXPECT_TRUE(absl::StartsWith(r.err, absl::StrCat("nitro ", args[0], ": "))) << r.err;
      EXPECT_TRUE(absl::StrContains(r.err, model)) << r.err;
      EXPECT_FALSE(absl::StrContains(r.err, "--help")) << r.err;
    }
  }
  Result r = Nitro({"eval", absl::StrCat("--run=", dir)});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, dir + "/checkpoint.pb")) << r.err;
}

// Two processes training into one run directory: the second is refused before it trains or writes.
TEST(CliTest, TrainIntoALockedRunDirectoryIsRefused) {
  const std::string dir = TempDir();
  auto held = RunDirLock::Acquire(dir);  // as another `nitro train` would hold it
  ASSERT_TRUE(held.ok()) << held.status();
  Result r = Nitro({"train", "--quiet", "--model=models/mlp1_mnist.pbtxt", absl::StrCat("--out=", dir),
                    absl::StrCat("--data-dir=", dir, "/no-data")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, absl::StrCat(dir, " is in use by another nitro train (pid "))) << r.err;
  EXPECT_FALSE(absl::StrContains(r.err, "no-data")) << "refused before reading the data: " << r.err;
}

TEST(CliTest, ShowAndDeriveAModel) {
  Result r = Nitro({"show", "models/mlp1_mnist.pbtxt"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(r.out.empty());
  r = Nitro({"derive", "--format", "dot", "models/mlp1_mnist.pbtxt"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "digraph")) << r.out.substr(0, 100);
  const Result text = Nitro({"derive", "models/mlp1_mnist.pbtxt"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out, r.out);
  const Result single = Nitro({"derive", "--single-visit", "--format=pbtxt", "models/mlp1_mnist.pbtxt"});
  EXPECT_EQ(single.code, 0) << single.err;
}

// The bytes of the `nitro show` memory row starting with `label` (-1 if there is none).
int64_t MemoryRow(const std::string& out, const std::string& label) {
  const size_t at = out.find("\n  " + label);
  if (at == std::string::npos) return -1;
  std::string digits;
  for (size_t i = at + 3 + label.size(); i < out.size() && out[i] != 'b'; ++i) {
    if (absl::ascii_isdigit(out[i])) digits.push_back(out[i]);
  }
  int64_t v = -1;
  return absl::SimpleAtoi(digits, &v) ? v : -1;
}

// `nitro show` ends with the buffers training allocates at a batch size; the rows add up, the
// parameters are updated in place, and a larger batch needs more activation memory.
TEST(CliTest, ShowPrintsTheTrainingMemory) {
  const Result r = Nitro({"show", "models/vgg8b_cifar10.pbtxt"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("training memory at batch 64 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(parameters updated in place)"), std::string::npos) << r.out;
  const int64_t params = MemoryRow(r.out, "parameters and inputs");
  const int64_t activations = MemoryRow(r.out, "activations and gradients");
  const int64_t outputs = MemoryRow(r.out, "outputs and updated values");
  EXPECT_GT(params, 9149824 * 4) << r.out;  // 9,149,824 int32 parameters, and the inputs
  EXPECT_GT(activations, 0);
  EXPECT_EQ(MemoryRow(r.out, "training graph in all"), params + activations + outputs) << r.out;
  const Result big = Nitro({"show", "--batch=128", "models/vgg8b_cifar10.pbtxt"});
  ASSERT_EQ(big.code, 0) << big.err;
  EXPECT_NE(big.out.find("training memory at batch 128 "), std::string::npos);
  EXPECT_GT(MemoryRow(big.out, "activations and gradients"), activations);
}

// `nitro show --expanded` prints a short-form model written out in full: the output is a model file
// of its own that reads back to the same resolved model as the long file of the zoo.
TEST(CliTest, ShowExpandedWritesTheShortFormOut) {
  const Result r = Nitro({"show", "--expanded", "models/short/vgg8b_cifar10.pbtxt"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(absl::StrContains(r.out, "name: \"b3.head.w\"")) << r.out.substr(0, 400);
  EXPECT_FALSE(absl::StrContains(r.out, "ConvBlock"));
  const std::string file = WriteFile(TempDir() + "/expanded.pbtxt", r.out);
  const Result again = Nitro({"show", "--expanded", file});
  ASSERT_EQ(again.code, 0) << again.err;
  const Result long_form = Nitro({"show", "--expanded", "models/vgg8b_cifar10.pbtxt"});
  auto body = [](const std::string& text) { return text.substr(text.find('\n')); };  // past the header
  EXPECT_EQ(body(again.out), body(r.out));
  EXPECT_EQ(body(long_form.out), body(r.out));
  // The summary of the short form is the long form's.
  EXPECT_EQ(Nitro({"show", "models/short/vgg8b_cifar10.pbtxt"}).out, Nitro({"show", "models/vgg8b_cifar10.pbtxt"}).out);
}

TEST(CliTest, ShowPrintsWarningsOnStderr) {
  const std::string model = WriteFile(TempDir() + "/sat.pbtxt", R"pb(
input { name: "x" dtype: INT8 shape: [64] }
param { name: "w" init { kaiming {} } }
node { op: "Linear" in: ["x", "w"] out: "z" attr { name: "units" i: 10 } }
node { op: "Scale" in: "z" out: "y" attr { name: "divisor" i: 2 } }
output: "y"
)pb");
  const Result r = Nitro({"show", model});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.err, "nitro show: warning: " + model)) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "256 × fan-in = 16384")) << r.err;
  // `nitro derive` reads the model the same way and says the same (it then fails: no blocks).
  const Result derived = Nitro({"derive", model});
  EXPECT_TRUE(absl::StartsWith(derived.err, "nitro derive: warning: " + model)) << derived.err;
  EXPECT_TRUE(absl::StrContains(derived.err, "256 × fan-in = 16384")) << derived.err;
}

// Every flag spelling the README, docs/ and scripts use parses: with a model that does not exist the
// command gets as far as reading it (exit 1), not a usage error (exit 2).
TEST(CliTest, DocumentedSpellingsStillParse) {
  const std::string dir = TempDir();
  const std::string model = "--model=" + dir + "/none.pbtxt";
  const std::vector<std::vector<std::string>> runs = {
      {"train", model, "--protocol=paper", "--rng=numpy", "--seed=42", "--epochs=1", "--threads=1", "--out=" + dir},
      {"train", model, "--protocol=honest", "--rng=default", "--val-size=100", "--data-dir=" + dir, "--resume",
       "--single-visit", "--per-sample-augment", "--max-batches=2", "--quiet"},
      {"train", model, "--val_size=100", "--max_batches=2", "--data_dir=" + dir, "--per_sample_augment",
       "--single_visit", "--init-tensors=" + dir + "/p.txt"},
      {"train", model, "--epochs", "3", "--out", dir, "--no-resume", "--quiet=true"},
      {"eval", "--run=" + dir, model, "--best", "--data-dir=" + dir, "--threads=2"},
      {"eval", "--run", dir, "--last"},
      {"export-tensors", dir, "--best"},
  };
  for (const auto& args : runs) {
    Result r = Nitro(args);
    EXPECT_EQ(r.code, 1) << args[0] << ": " << r.err;
  }
}

// The help of each command says everything its hand-written predecessor did: every flag, and the
// facts the old texts stated.
TEST(CliTest, HelpTextsKeepTheirContent) {
  struct Case {
    std::string command;
    std::vector<std::string> phrases;
  };
  const Case cases[] = {
      {"train",
       {"--model=PATH",
        "models/mlp1_mnist.pbtxt",
        "--epochs=N",
        "train.epochs",
        "--seed=N",
        "train.seed",
        "--threads=N",
        "bit-identical for every N",
        "--protocol=honest|paper",
        "(default: honest)",
        "9,984 images",
        "--rng=default|numpy",
        "MT19937",
        "--val-size=N",
        "(default: 5000)",
        "--data-dir=DIR",
        "tools/fetch_data.sh",
        "--out=DIR",
        "runs/<model>-<protocol>-seed<seed>",
        "--resume",
        "--single-visit",
        "--per-sample-augment",
        "--max-batches=N",
        "--init-tensors=FILE",
        "gzipped",
        "--quiet",
        "checkpoint.pb",
        "metrics.csv",
        "accuracy.svg"}},
      {"eval",
       {"usage: nitro eval --run=DIR", "--model=PATH", "very same text", "--best", "--last", "--data-dir=DIR",
        "--threads=N", "all cores", "97.41%", "including the last partial batch"}},
      {"show", {"usage: nitro show MODEL.pbtxt", "batch size 1", "`head`", "activation bytes"}},
      {"derive",
       {"usage: nitro derive MODEL.pbtxt [--format=pbtxt|dot] [--single-visit] [--inference]", "dot -Tsvg", "visits: N",
        "no heads, no losses", "IntegerSGD"}},
      {"export-tensors",
       {"usage: nitro export-tensors CHECKPOINT_OR_RUN_DIR [--best]", "RUN_DIR/checkpoint.pb", "io/tensor_text.h",
        "best epoch"}},
  };
  for (const Case& c : cases) {
    // Wrapping may break a phrase across lines: compare with single spaces.
    const std::string help =
        absl::StrJoin(absl::StrSplit(Nitro({c.command, "--help"}).out, absl::ByAnyChar(" \n"), absl::SkipEmpty()), " ");
    for (const auto& p : c.phrases) EXPECT_TRUE(absl::StrContains(help, p)) << c.command << ": " << p << "\n" << help;
  }
}

}  // namespace
}  // namespace nitro::cli
