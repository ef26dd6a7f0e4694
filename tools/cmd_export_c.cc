// `nitro export-c`: writes a run's model as dependency-free integer C99 (deploy/c_exporter.h).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "deploy/export_command.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kExportCDescription[] =
    "Writes OUT/<name>.h and OUT/<name>.c: freestanding integer C99 that computes the model's inference bit for "
    "bit as nitro does, `int nitro_<name>_predict(const int8_t *input, int8_t *logits)` (returning the predicted "
    "class), with the weights as const arrays in the narrowest integer type and static scratch memory sized from "
    "the values' lifetimes: no heap, no float, no library calls. It builds with `gcc -std=c99 -pedantic -Werror "
    "-mgeneral-regs-only` and for a Cortex-M without FPU (deploy/cortex_m.sh).\n\n"
    "The parameters come from a run (--run, or --checkpoint), or, for a model alone (--model), from a tensor "
    "file (--tensors) or the model's initialisers (--seed).";

}  // namespace

int RunExportC(const std::vector<std::string>& args) {
  deploy::ExportCRequest r;
  bool last = false;
  std::string test_vectors = "0";
  FlagSet flags("nitro export-c", kExportCDescription);
  flags.String("run", &r.source.run_dir, "a run directory of `nitro train --out=DIR`: its checkpoint.pb").Value("DIR");
  flags.String("checkpoint", &r.source.checkpoint, "a checkpoint file instead")
      .Value("FILE")
      .DefaultText("DIR/checkpoint.pb");
  flags
      .String("model", &r.source.model,
              "the model; with a run the default is models/<model name>.pbtxt (the name in the checkpoint)")
      .Value("PATH");
  flags.Bool("last", &last,
             "the parameters after the last trained epoch instead of the best epoch's (those "
             "`nitro eval` evaluates)");
  flags.String("out", &r.out_dir, "where the files go (created if missing)").Value("DIR").Required();
  flags.String("name", &r.name, "the C name of files, function and macros").Value("ID").DefaultText("the model's name");
  flags
      .String("tensors", &r.source.tensors,
              "with --model and no run: the parameters from a tensor text file (the format of "
              "`nitro export-tensors`), every parameter matched by name")
      .Value("FILE");
  flags.Int64("seed", &r.source.seed, "with --model alone: an untrained model, its initialisers drawn with this seed")
      .DefaultText("the model's train.seed");
  flags
      .String("test-vectors", &test_vectors,
              "also write N test inputs and nitro's logits for them (<name>.inputs.bin, <name>.logits.bin, and "
              "<name>.labels.bin for a run): a run's first N test images preprocessed as in training, else uniform "
              "random int8 inputs; `all` for every test image")
      .Value("N|all");
  flags.String("data-dir", &r.data_dir, "the data set's directory for the test vectors")
      .Value("DIR")
      .DefaultText("data/<dataset>");
  if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;
  r.source.best = !last;
  if (test_vectors == "all") {
    r.test_vectors = -1;
  } else if (!absl::SimpleAtoi(test_vectors, &r.test_vectors) || r.test_vectors < 0) {
    return flags.UsageError(absl::StrCat("--test-vectors expects a count or `all`, got '", test_vectors, "'"));
  }
  auto result = deploy::RunExportC(r);
  if (!result.ok()) return flags.Fail(result.status());
  std::printf("%s", deploy::ExportCSummary(*result).c_str());
  return 0;
}

}  // namespace nitro::cli
