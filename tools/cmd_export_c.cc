// `nitro export-c`: writes a run's model as dependency-free integer C99 (deploy/c_exporter.h).
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "deploy/export_command.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace nitro::cli {

namespace {

constexpr char kHelp[] =
    "usage: nitro export-c --run=DIR --out=DIR [--model=PATH] [--best|--last] [--name=ID] [--test-vectors=N]\n"
    "       nitro export-c --model=PATH --out=DIR [--tensors=FILE | --seed=N] ...\n\n"
    "Writes OUT/<name>.h and OUT/<name>.c: freestanding integer C99 that computes the model's inference\n"
    "bit for bit as nitro does, `int nitro_<name>_predict(const int8_t *input, int8_t *logits)` (returning\n"
    "the predicted class), with the weights as const arrays in the narrowest integer type and static\n"
    "scratch memory sized from the values' lifetimes: no heap, no float, no library calls. Builds with\n"
    "`gcc -std=c99 -pedantic -Werror -mgeneral-regs-only` and for a Cortex-M without FPU (deploy/cortex_m.sh).\n\n"
    "flags:\n"
    "  --run=DIR           a run directory of `nitro train --out=DIR`: its checkpoint.pb\n"
    "  --checkpoint=FILE   a checkpoint file instead (default DIR/checkpoint.pb)\n"
    "  --model=PATH        the model (default with a run: models/<model name>.pbtxt, the name in the\n"
    "                      checkpoint); without a run, its parameters come from --tensors or its\n"
    "                      initialisers\n"
    "  --best              (default) the parameters of the best epoch (the ones `nitro eval` evaluates)\n"
    "  --last              the parameters after the last trained epoch\n"
    "  --out=DIR           where the files go (required; created if missing)\n"
    "  --name=ID           the C name of files, function and macros (default: the model's name)\n"
    "  --tensors=FILE      with --model and no run: the parameters from a tensor text file (the format\n"
    "                      of `nitro export-tensors`), every parameter matched by name\n"
    "  --seed=N            with --model alone: an untrained model, its initialisers drawn with this\n"
    "                      seed (default: the model's train.seed); for sizing the C\n"
    "  --test-vectors=N    also write N test inputs and nitro's logits for them (<name>.inputs.bin,\n"
    "                      <name>.logits.bin, and <name>.labels.bin for a run): a run's first N test\n"
    "                      images preprocessed as in training, else uniform random int8 inputs;\n"
    "                      `all` for every test image\n"
    "  --data-dir=DIR      the data set's directory for the test vectors (default data/<dataset>)\n";

}  // namespace

int RunExportC(const std::vector<std::string>& args) {
  // Flag parsing (tools/flags.h); everything else is deploy::RunExportC.
  auto usage = [](absl::string_view what) {
    std::fprintf(stderr, "nitro export-c: %s (see --help)\n", std::string(what).c_str());
    return 2;
  };
  auto flags = ParseFlags(args, {"help", "h", "run", "checkpoint", "model", "best", "last", "out", "name", "seed",
                                 "test_vectors", "data_dir", "tensors"});
  if (!flags.ok()) return usage(flags.status().message());
  if (flags->Has("help") || flags->Has("h")) return std::printf("%s", kHelp), 0;
  if (!flags->positional.empty()) return usage("unexpected argument; the run directory goes in --run=DIR");
  if (flags->Has("best") && flags->Has("last")) return usage("--best and --last exclude each other");
  auto seed = flags->GetInt("seed", -1);
  if (!seed.ok()) return usage(seed.status().message());
  auto vectors = flags->Get("test_vectors") == "all" ? absl::StatusOr<int64_t>(-1) : flags->GetInt("test_vectors", 0);
  if (!vectors.ok()) return usage(vectors.status().message());
  deploy::ExportCRequest r;
  r.source = {flags->Get("run"), flags->Get("checkpoint"), flags->Get("model"), !flags->Has("last"), *seed,
              flags->Get("tensors")};
  r.out_dir = flags->Get("out");
  r.name = flags->Get("name");
  r.test_vectors = *vectors;
  r.data_dir = flags->Get("data_dir");

  auto result = deploy::RunExportC(r);
  if (!result.ok()) {
    std::fprintf(stderr, "nitro export-c: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  std::printf("%s", deploy::ExportCSummary(*result).c_str());
  return 0;
}

}  // namespace nitro::cli
