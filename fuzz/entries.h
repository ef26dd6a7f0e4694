// The fuzzed entry points: one per parser of user input. libFuzzer targets (fuzz/*_fuzzer.cc) and
// the corpus replay test (fuzz/corpus_replay_test.cc) call the same functions, so every corpus
// file is checked in the ordinary test suite too. Each returns the parser's verdict (OK or an
// error that names the input); a crash, hang, leak or sanitizer report is a finding.
#ifndef NITRO_FUZZ_ENTRIES_H_
#define NITRO_FUZZ_ENTRIES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nitro::fuzz {

// A `.pbtxt` model: ParseModelText, BuildGraph (batch size 2), then CompileTrainingGraph (the
// local-gradient pass and the conv-block fusions), with --single-visit when the input's byte sum
// is odd (one compilation per input; mutations cover both).
absl::Status FuzzModel(absl::string_view bytes);
// A checkpoint file: DecodeCheckpoint, then TensorFromProto of every parameter.
absl::Status FuzzCheckpoint(absl::string_view bytes);
// The tensor text format (`nitro export-tensors`), gzipped or not.
absl::Status FuzzTensorText(absl::string_view bytes);
// An MNIST / Fashion-MNIST idx file, gzipped or not: as images and as labels (the first error).
absl::Status FuzzIdx(absl::string_view bytes);
// A CIFAR-10 binary batch, gzipped or not.
absl::Status FuzzCifar10(absl::string_view bytes);

// Turns protobuf's log messages off (the fuzzers call it once; the verdicts are unchanged).
void SilenceLibraryLogs();

struct FuzzTarget {
  const char* name;  // the corpus folder: fuzz/corpus/<name>
  absl::Status (*entry)(absl::string_view bytes);
};
// Every target, in a fixed order.
const std::vector<FuzzTarget>& FuzzTargets();

}  // namespace nitro::fuzz

#endif  // NITRO_FUZZ_ENTRIES_H_
