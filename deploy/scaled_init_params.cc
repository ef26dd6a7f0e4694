// Test-only: prints a model's initialiser values times a gain in the tensor text format, so that
// an untrained model has weights of a trained one's magnitude (|w| of a few thousand, spec §9)
// and its test vectors exercise every layer, not just logits of 0. For //deploy:host_c_test.
//
//   scaled_init_params MODEL SEED GAIN > params.txt
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "deploy/model_source.h"
#include "io/tensor_text.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: scaled_init_params MODEL SEED GAIN\n");
    return 2;
  }
  auto file = nitro::deploy::ReadModel(argv[1]);
  if (!file.ok()) return std::fprintf(stderr, "%s\n", std::string(file.status().message()).c_str()), 1;
  auto model = nitro::deploy::BuildModel(*file, 0);
  if (!model.ok()) return std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str()), 1;
  auto params = nitro::deploy::InitialParams(**model, std::strtoull(argv[2], nullptr, 10));
  if (!params.ok()) return std::fprintf(stderr, "%s\n", std::string(params.status().message()).c_str()), 1;
  const int64_t gain = std::strtoll(argv[3], nullptr, 10);
  for (auto& [name, t] : *params) {
    for (int64_t i = 0; i < t.size(); ++i) t.Set(i, t.Get(i) * gain);
    nitro::WriteTensorText(std::cout, name, t);
  }
  return 0;
}
