// libFuzzer target: fuzz/entries.h FuzzCifar10. Build and run with fuzz/run.sh cifar10 SECONDS.
#include <cstddef>
#include <cstdint>

#include "fuzz/entries.h"

// Protobuf's parse warnings (invalid UTF-8 in a string field, ...) would flood the output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nitro::fuzz::SilenceLibraryLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nitro::fuzz::FuzzCifar10(absl::string_view(reinterpret_cast<const char*>(data), size)).IgnoreError();
  return 0;
}
