// Writes the small valid seed files of the fuzz corpora (run once; the output is committed):
//   bazel run //fuzz:make_seeds -- $PWD/fuzz/corpus
// checkpoint/: framed checkpoints; tensor_text/: export-tensors records; idx/, cifar10/: tiny data
// files; each also gzipped where the reader accepts gzip.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/tensor.h"
#include "io/gzip_file.h"
#include "io/tensor_text.h"
#include "train/checkpoint.h"

namespace nitro {
namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

void WriteBoth(const std::string& path, const std::string& bytes) {
  Write(path, bytes);
  Write(path + ".gz", *Gzip(bytes));
}

Tensor Iota(DType dtype, Shape shape, int64_t start) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t.Set(i, start + i * 3);
  return t;
}

std::string BigEndian32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

void Checkpoints(const std::string& dir) {
  proto::Checkpoint c;
  c.set_model_name("mlp1");
  c.set_model_sha256(std::string(64, 'a'));
  c.set_protocol("honest");
  c.set_rng_kind("default");
  c.set_seed(1);
  c.set_lr_inv(512);
  Write(dir + "/empty.pb", *EncodeCheckpoint(c));
  *c.add_param() = TensorToProto("fc/w", Iota(kInt8, {3, 2}, -4));
  *c.add_param() = TensorToProto("fc/b", Iota(kInt32, {3}, -70000));
  *c.add_param() = TensorToProto("s", Iota(kInt64, {}, 5));
  for (int i = 0; i < 4; ++i) c.add_order(3 - i);
  c.set_epochs_done(1);
  proto::EpochRecord* r = c.add_history();
  r->set_epoch(1);
  r->set_train_total(4);
  c.set_best_epoch(1);
  *c.add_best_param() = TensorToProto("fc/w", Iota(kInt16, {3, 2}, 9));
  Write(dir + "/one_epoch.pb", *EncodeCheckpoint(c));
  c.set_batches_done(2);
  c.mutable_partial()->set_train_total(2);
  Write(dir + "/mid_epoch.pb", *EncodeCheckpoint(c));
}

void TensorTexts(const std::string& dir) {
  std::ostringstream out;
  WriteTensorText(out, "fc/w", Iota(kInt8, {3, 2}, -4));
  WriteTensorText(out, "fc/b", Iota(kInt32, {3}, -70000));
  WriteTensorText(out, "scalar", Iota(kInt64, {}, 1));
  WriteBoth(dir + "/three.txt", out.str());
  std::ostringstream one;
  WriteTensorText(one, "x", Iota(kInt16, {2, 1, 2, 2}, -8));
  WriteBoth(dir + "/conv.txt", one.str());
}

void Idx(const std::string& dir) {
  std::string images = BigEndian32(0x803) + BigEndian32(2) + BigEndian32(3) + BigEndian32(2);
  for (int i = 0; i < 12; ++i) images.push_back(static_cast<char>(i * 20));
  WriteBoth(dir + "/images-idx3-ubyte", images);
  std::string labels = BigEndian32(0x801) + BigEndian32(3) + std::string("\x01\x09\x00", 3);
  WriteBoth(dir + "/labels-idx1-ubyte", labels);
}

void Cifar(const std::string& dir) {
  std::string batch;
  for (int r = 0; r < 2; ++r) {
    batch.push_back(static_cast<char>(r * 7));
    for (int i = 0; i < 3072; ++i) batch.push_back(static_cast<char>((i * 13 + r) & 0xff));
  }
  WriteBoth(dir + "/two_records.bin", batch);
}

}  // namespace
}  // namespace nitro

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (with checkpoint/ tensor_text/ idx/ cifar10/ in it)\n");
    return 2;
  }
  const std::string root = argv[1];
  nitro::Checkpoints(root + "/checkpoint");
  nitro::TensorTexts(root + "/tensor_text");
  nitro::Idx(root + "/idx");
  nitro::Cifar(root + "/cifar10");
  return 0;
}
