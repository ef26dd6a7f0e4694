// Tests of checkpoint files: round trips, every truncation and byte flip is DataLoss, failed writes keep the old file.
#include "train/checkpoint.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "io/atomic_file.h"
#include "io/gzip_file.h"
#include "io/sha256.h"

namespace nitro {
namespace {

using ::google::protobuf::util::MessageDifferencer;

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string base = d != nullptr ? d : "/tmp";
  char templ[4096];
  std::snprintf(templ, sizeof(templ), "%s/ckpt_XXXXXX", base.c_str());
  EXPECT_NE(::mkdtemp(templ), nullptr);
  return templ;
}

Tensor Iota(DType dtype, Shape shape, int64_t start) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t.Set(i, start + i * 37);
  return t;
}

proto::Checkpoint Sample(int64_t epochs_done) {
  proto::Checkpoint c;
  c.set_model_name("mlp1");
  c.set_model_sha256(std::string(64, 'a'));
  c.set_protocol("honest");
  c.set_rng_kind("numpy");
  c.set_seed(42);
  c.set_epochs_done(epochs_done);
  c.set_lr_inv(512);
  *c.add_param() = TensorToProto("fc1/w", Iota(kInt8, {4, 3}, -100));
  *c.add_param() = TensorToProto("fc1/b", Iota(kInt32, {4}, -70000));
  *c.add_param() = TensorToProto("scale", Iota(kInt64, {}, int64_t{1} << 40));
  *c.add_param() = TensorToProto("conv/w", Iota(kInt16, {2, 1, 3, 3}, -30000));
  c.set_rng_state(std::string("\x00\x01\x02\xff state", 10));
  for (int i = 0; i < 20; ++i) c.add_order(19 - i);
  c.mutable_plateau()->set_calls(3);
  c.mutable_stop()->set_best_correct(950);
  c.mutable_stop()->set_best_total(1000);
  for (int e = 1; e <= epochs_done; ++e) {
    proto::EpochRecord* r = c.add_history();
    r->set_epoch(e);
    r->set_lr_inv(512);
    r->set_train_correct(900 + e);
    r->set_train_total(1000);
    r->add_block_correct(700);
    r->add_block_correct(520);
  }
  c.set_best_epoch(epochs_done);
  *c.add_best_param() = TensorToProto("fc1/w", Iota(kInt8, {4, 3}, 5));
  return c;
}

void WriteRaw(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  ASSERT_EQ(std::fclose(f), 0);
}

std::string ReadRaw(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// ---- TensorData ----

// A model without imports is identified by its text's hash alone (what older checkpoints hold);
// with imports, a change to any imported file, or to how the texts split, is another model.
TEST(ModelSha256Test, CoversTheImportedFiles) {
  EXPECT_EQ(ModelSha256("model", {}), Sha256Hex("model"));
  const std::string with_lib = ModelSha256("model", {"lib a"});
  EXPECT_NE(with_lib, Sha256Hex("model"));
  EXPECT_EQ(with_lib, ModelSha256("model", {"lib a"}));
  EXPECT_NE(with_lib, ModelSha256("model", {"lib b"}));
  EXPECT_NE(ModelSha256("model", {"ab", "c"}), ModelSha256("model", {"a", "bc"}));
  EXPECT_NE(ModelSha256("model", {"a", "b"}), ModelSha256("model", {"b", "a"}));
  EXPECT_EQ(with_lib.size(), 64u);
}

TEST(TensorProtoTest, RoundTripsEveryDType) {
  for (DType dtype : {kInt8, kInt16, kInt32, kInt64}) {
    const Tensor t = Iota(dtype, {2, 3, 5}, -1000);
    const proto::TensorData p = TensorToProto("x", t);
    EXPECT_EQ(p.name(), "x");
    EXPECT_EQ(p.dtype(), dtype);
    ASSERT_EQ(p.shape_size(), 3);
    EXPECT_EQ(p.data().size(), static_cast<size_t>(30 * DTypeSize(dtype)));
    auto back = TensorFromProto(p);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(back->Equals(t)) << DTypeName(dtype);
  }
}

TEST(TensorProtoTest, DataIsLittleEndian) {
  Tensor t(kInt32, {2});
  t.Set(0, 0x01020304);
  t.Set(1, -2);
  const proto::TensorData p = TensorToProto("x", t);
  EXPECT_EQ(p.data(), std::string("\x04\x03\x02\x01\xfe\xff\xff\xff", 8));
}

TEST(TensorProtoTest, ScalarAndEmptyTensors) {
  auto scalar = TensorFromProto(TensorToProto("s", Iota(kInt64, {}, -5)));
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ(scalar->rank(), 0);
  EXPECT_EQ(scalar->Get(0), -5);
  auto empty = TensorFromProto(TensorToProto("e", Tensor(kInt8, {3, 0})));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 0);
  EXPECT_EQ(empty->shape(), (Shape{3, 0}));
}

TEST(TensorProtoTest, RejectsBadDType) {
  proto::TensorData p = TensorToProto("w", Iota(kInt8, {2}, 0));
  p.set_dtype(proto::DTYPE_UNSPECIFIED);
  auto t = TensorFromProto(p);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(t.status().message(), "'w'")) << t.status();
  p.set_dtype(static_cast<proto::DType>(99));
  EXPECT_EQ(TensorFromProto(p).status().code(), absl::StatusCode::kDataLoss);
}

TEST(TensorProtoTest, RejectsBadShapes) {
  proto::TensorData p;
  p.set_name("big");
  p.set_dtype(kInt8);
  p.add_shape(int64_t{1} << 30);
  p.add_shape(int64_t{1} << 30);  // 2^60 elements: overflow guard
  auto t = TensorFromProto(p);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(t.status().message(), "'big'")) << t.status();
  p.clear_shape();
  p.add_shape(-1);
  EXPECT_EQ(TensorFromProto(p).status().code(), absl::StatusCode::kDataLoss);
}

TEST(TensorProtoTest, RejectsWrongDataSize) {
  proto::TensorData p = TensorToProto("fc/b", Iota(kInt32, {3}, 0));
  p.mutable_data()->pop_back();
  auto t = TensorFromProto(p);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(t.status().message(), "'fc/b'")) << t.status();
  EXPECT_TRUE(absl::StrContains(t.status().message(), "11 bytes")) << t.status();
  p.mutable_data()->append("xy");
  EXPECT_EQ(TensorFromProto(p).status().code(), absl::StatusCode::kDataLoss);
}

// ---- framing ----

TEST(CheckpointTest, FrameLayout) {
  const proto::Checkpoint c = Sample(2);
  auto bytes = EncodeCheckpoint(c);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::string payload = c.SerializeAsString();
  ASSERT_EQ(bytes->size(), kCheckpointHeaderSize + payload.size());
  EXPECT_EQ(bytes->substr(0, 8), "NITROCKP");
  EXPECT_EQ(bytes->substr(8, 4), std::string("\x01\x00\x00\x00", 4));
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t{static_cast<uint8_t>((*bytes)[12 + i])} << (8 * i);
  EXPECT_EQ(length, payload.size());
  EXPECT_EQ(bytes->substr(kCheckpointHeaderSize), payload);
}

TEST(CheckpointTest, RoundTrip) {
  const std::string dir = TempDir();
  const std::string path = dir + "/" + kCheckpointFileName;
  const proto::Checkpoint c = Sample(3);
  ASSERT_TRUE(WriteCheckpoint(path, c).ok());
  auto back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, c));
  auto w = TensorFromProto(back->param(3));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(w->Equals(Iota(kInt16, {2, 1, 3, 3}, -30000)));
  EXPECT_FALSE(Exists(AtomicTempPath(path)));

  // Overwriting replaces the content.
  const proto::Checkpoint c2 = Sample(4);
  ASSERT_TRUE(WriteCheckpoint(path, c2).ok());
  back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, c2));
}

TEST(CheckpointTest, EmptyCheckpointRoundTrips) {
  auto bytes = EncodeCheckpoint(proto::Checkpoint());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), kCheckpointHeaderSize);
  auto back = DecodeCheckpoint(*bytes, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ByteSizeLong(), 0u);
}

TEST(CheckpointTest, MissingFileIsNotFound) {
  auto c = ReadCheckpoint(TempDir() + "/nope.pb");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
}

TEST(CheckpointTest, EveryTruncationIsDataLoss) {
  auto bytes = EncodeCheckpoint(Sample(2));
  ASSERT_TRUE(bytes.ok());
  for (size_t n = 0; n < bytes->size(); ++n) {
    auto c = DecodeCheckpoint(absl::string_view(*bytes).substr(0, n), "ck.pb");
    ASSERT_EQ(c.status().code(), absl::StatusCode::kDataLoss) << "length " << n;
    EXPECT_TRUE(absl::StrContains(c.status().message(), "ck.pb: truncated")) << c.status();
  }
  // Through the file system too, at a few lengths.
  const std::string path = TempDir() + "/t.pb";
  for (size_t n : {size_t{0}, size_t{5}, size_t{8}, kCheckpointHeaderSize, bytes->size() - 1}) {
    WriteRaw(path, bytes->substr(0, n));
    auto c = ReadCheckpoint(path);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss) << "length " << n;
    EXPECT_TRUE(absl::StrContains(c.status().message(), path)) << c.status();
  }
}

TEST(CheckpointTest, EveryByteFlipIsDataLoss) {
  auto bytes = EncodeCheckpoint(Sample(5));
  ASSERT_TRUE(bytes.ok());
  // Every header byte, then a few hundred payload positions spread over the file.
  std::vector<size_t> positions;
  for (size_t i = 0; i < kCheckpointHeaderSize; ++i) positions.push_back(i);
  const size_t step = std::max<size_t>(1, (bytes->size() - kCheckpointHeaderSize) / 300);
  for (size_t i = kCheckpointHeaderSize; i < bytes->size(); i += step) positions.push_back(i);
  positions.push_back(bytes->size() - 1);
  for (size_t pos : positions) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string bad = *bytes;
      bad[pos] = static_cast<char>(static_cast<uint8_t>(bad[pos]) ^ mask);
      auto c = DecodeCheckpoint(bad, "ck.pb");
      ASSERT_EQ(c.status().code(), absl::StatusCode::kDataLoss) << "byte " << pos << " mask " << int{mask};
    }
  }
}

TEST(CheckpointTest, CorruptionMessages) {
  auto bytes = EncodeCheckpoint(Sample(1));
  ASSERT_TRUE(bytes.ok());
  auto message = [](const std::string& b) { return std::string(DecodeCheckpoint(b, "ck.pb").status().message()); };

  std::string bad = *bytes;
  bad[0] = 'X';
  EXPECT_EQ(message(bad), "ck.pb: bad magic — not a nitro checkpoint");
  EXPECT_EQ(message("hello world, this is not a checkpoint at all, no sir, not at all"),
            "ck.pb: bad magic — not a nitro checkpoint");
  EXPECT_EQ(message("X"), "ck.pb: bad magic — not a nitro checkpoint");

  bad = *bytes;
  bad[8] = 2;
  EXPECT_TRUE(absl::StartsWith(message(bad), "ck.pb: unsupported version 2")) << message(bad);

  bad = *bytes;
  bad[bad.size() - 3] ^= 0x10;
  EXPECT_EQ(message(bad), "ck.pb: checksum mismatch — the file is corrupt");
  bad = *bytes;
  bad[kCheckpointHeaderSize - 1] ^= 0x10;  // in the stored digest
  EXPECT_EQ(message(bad), "ck.pb: checksum mismatch — the file is corrupt");

  EXPECT_TRUE(absl::StartsWith(message(*bytes + "zz"), "ck.pb: corrupt: 2 unexpected bytes")) << message(*bytes + "zz");
  EXPECT_TRUE(absl::StartsWith(message(bytes->substr(0, 30)), "ck.pb: truncated")) << message(bytes->substr(0, 30));
}

TEST(CheckpointTest, ValidChecksumButUnparsablePayloadIsDataLoss) {
  std::string payload = "\xff\xff\xff";  // an invalid tag
  proto::Checkpoint empty;
  auto frame = EncodeCheckpoint(empty);
  ASSERT_TRUE(frame.ok());
  // Rebuild the frame around the bad payload with a correct digest.
  std::string bytes = frame->substr(0, 12);
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(i == 0 ? payload.size() : 0));
  Sha256 hash;
  hash.Update(payload);
  const auto digest = hash.Digest();
  bytes.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  bytes += payload;
  auto c = DecodeCheckpoint(bytes, "ck.pb");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(c.status().message(), "does not parse")) << c.status();
}

// ---- failed writes never lose the previous checkpoint ----

TEST(CheckpointTest, FailedWriteKeepsPreviousFile) {
  const std::string dir = TempDir();
  const std::string path = dir + "/checkpoint.pb";
  ASSERT_TRUE(WriteCheckpoint(path, Sample(1)).ok());
  const std::string before = ReadRaw(path);

  // The temp file name is taken by a directory: the temp file cannot be created.
  const std::string tmp = AtomicTempPath(path);
  ASSERT_EQ(::mkdir(tmp.c_str(), 0755), 0);
  absl::Status s = WriteCheckpoint(path, Sample(2));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), tmp)) << s;
  EXPECT_EQ(ReadRaw(path), before);
  ::rmdir(tmp.c_str());

  // The file size limit makes write() fail halfway (EFBIG): the partial temp file is removed.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  s = WriteCheckpoint(path, Sample(6));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "write failed")) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "the disk is full or a file-size limit was reached")) << s;
  EXPECT_FALSE(Exists(tmp));
  EXPECT_EQ(ReadRaw(path), before);
  auto c = ReadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->epochs_done(), 1);
}

// ---- The run directory: the newest checkpoint and the previous one ----

TEST(RunCheckpointTest, KeepsThePreviousBesideTheNewest) {
  const std::string dir = TempDir();
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(1)).ok());
  EXPECT_FALSE(Exists(dir + "/checkpoint.prev.pb"));
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(2)).ok());
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(3)).ok());
  EXPECT_EQ(ReadCheckpoint(dir + "/checkpoint.pb")->epochs_done(), 3);
  EXPECT_EQ(ReadCheckpoint(dir + "/checkpoint.prev.pb")->epochs_done(), 2);
  auto loaded = LoadRunCheckpoint(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->checkpoint.epochs_done(), 3);
  EXPECT_EQ(loaded->path, dir + "/checkpoint.pb");
  EXPECT_EQ(loaded->warning, "");
}

TEST(RunCheckpointTest, CorruptNewestFallsBackToThePrevious) {
  const std::string dir = TempDir();
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(1)).ok());
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(2)).ok());
  std::string bytes = ReadRaw(dir + "/checkpoint.pb");
  bytes[bytes.size() / 2] ^= 0x01;  // one flipped bit
  WriteRaw(dir + "/checkpoint.pb", bytes);
  auto loaded = LoadRunCheckpoint(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->checkpoint.epochs_done(), 1);
  EXPECT_EQ(loaded->path, dir + "/checkpoint.prev.pb");
  EXPECT_EQ(loaded->warning,
            absl::StrCat("warning: ", dir, "/checkpoint.pb: checksum mismatch — the file is corrupt; ",
                         "resuming from the previous checkpoint ", dir, "/checkpoint.prev.pb instead (after epoch 1)"));

  // Truncated and missing newest files fall back too; a mid-epoch previous one says where.
  proto::Checkpoint mid = Sample(1);
  mid.set_batches_done(7);
  ASSERT_TRUE(SaveRunCheckpoint(dir, mid).ok());
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(2)).ok());
  WriteRaw(dir + "/checkpoint.pb", bytes.substr(0, 20));
  loaded = LoadRunCheckpoint(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(absl::StrContains(loaded->warning, "checkpoint.pb: truncated")) << loaded->warning;
  EXPECT_TRUE(absl::StrContains(loaded->warning, "(after epoch 1, batch 7 of epoch 2)")) << loaded->warning;
  ASSERT_EQ(::unlink((dir + "/checkpoint.pb").c_str()), 0);
  loaded = LoadRunCheckpoint(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->checkpoint.batches_done(), 7);
}

TEST(RunCheckpointTest, BothUnreadableIsTheNewestsError) {
  const std::string dir = TempDir();
  EXPECT_EQ(LoadRunCheckpoint(dir).status().code(), absl::StatusCode::kNotFound);
  WriteRaw(dir + "/checkpoint.pb", "garbage");
  auto loaded = LoadRunCheckpoint(dir);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(loaded.status().message(), "bad magic")) << loaded.status();
  WriteRaw(dir + "/checkpoint.prev.pb", "garbage too");
  EXPECT_EQ(LoadRunCheckpoint(dir).status().message(),
            absl::StrCat(dir, "/checkpoint.pb: bad magic — not a nitro checkpoint"));
}

TEST(RunCheckpointTest, AnotherFormatVersionNamesBothVersions) {
  const std::string dir = TempDir();
  auto bytes = EncodeCheckpoint(Sample(1));
  ASSERT_TRUE(bytes.ok());
  std::string v7 = *bytes;
  v7[8] = 7;
  WriteRaw(dir + "/checkpoint.pb", v7);
  auto loaded = LoadRunCheckpoint(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            absl::StrCat(dir, "/checkpoint.pb: unsupported version 7 (this build reads version 1)"));
}

// A full disk (a file-size limit below the checkpoint's size) while saving into a run directory:
// ResourceExhausted naming the file; both the newest and the previous checkpoint stay readable.
TEST(RunCheckpointTest, FullDiskLeavesTheCheckpointsIntact) {
  const std::string dir = TempDir();
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(1)).ok());
  ASSERT_TRUE(SaveRunCheckpoint(dir, Sample(2)).ok());
  const std::string newest = ReadRaw(dir + "/checkpoint.pb");
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  absl::Status s = SaveRunCheckpoint(dir, Sample(3));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), AtomicTempPath(dir + "/checkpoint.pb"))) << s;
  EXPECT_EQ(ReadRaw(dir + "/checkpoint.pb"), newest);
  auto loaded = LoadRunCheckpoint(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->checkpoint.epochs_done(), 2);
  EXPECT_EQ(ReadCheckpoint(dir + "/checkpoint.prev.pb")->epochs_done(), 2);
}

TEST(CheckResumableTest, PositionWithinTheEpoch) {
  proto::Checkpoint c = Sample(1);
  c.set_batches_done(3);
  c.mutable_partial()->set_train_total(3);
  EXPECT_TRUE(CheckResumable(c, Sample(1), "w").ok());
  c.set_batches_done(-1);
  EXPECT_EQ(CheckResumable(c, Sample(1), "w").code(), absl::StatusCode::kDataLoss);
  c.set_batches_done(0);
  EXPECT_EQ(CheckResumable(c, Sample(1), "w").code(), absl::StatusCode::kDataLoss);
}

TEST(CheckpointTest, PathIsADirectory) {
  const std::string dir = TempDir();
  const std::string path = dir + "/ckpt";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  absl::Status s = WriteCheckpoint(path, Sample(1));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
  EXPECT_FALSE(Exists(AtomicTempPath(path)));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_FALSE(ReadCheckpoint(path).ok());
}

TEST(CheckpointTest, MissingDirectory) {
  absl::Status s = WriteCheckpoint(TempDir() + "/no/such/dir/ck.pb", Sample(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

TEST(CheckpointTest, UnwritableDirectoryKeepsPreviousFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string dir = TempDir();
  const std::string path = dir + "/checkpoint.pb";
  ASSERT_TRUE(WriteCheckpoint(path, Sample(1)).ok());
  const std::string before = ReadRaw(path);
  ASSERT_EQ(::chmod(dir.c_str(), 0555), 0);
  absl::Status s = WriteCheckpoint(path, Sample(2));
  ::chmod(dir.c_str(), 0755);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ReadRaw(path), before);
}

// ---- CheckResumable: one test per refusal, each with its exact message ----

constexpr char kWhere[] = "run/checkpoint.pb";

// The state a run with Sample()'s identity and 20 training samples starts from.
proto::Checkpoint Fresh() {
  proto::Checkpoint f;
  f.set_model_name("mlp1");
  f.set_model_sha256(std::string(64, 'a'));
  f.set_protocol("honest");
  f.set_rng_kind("numpy");
  f.set_seed(42);
  f.set_lr_inv(512);
  for (int i = 0; i < 20; ++i) f.add_order(i);
  return f;
}

absl::Status Resumable(const proto::Checkpoint& stored) { return CheckResumable(stored, Fresh(), kWhere); }

void ExpectRefusal(const proto::Checkpoint& stored, absl::StatusCode code, const std::string& message) {
  const absl::Status s = Resumable(stored);
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(s.message(), message);
}

TEST(CheckResumableTest, AcceptsTheSameRun) {
  EXPECT_TRUE(Resumable(Sample(2)).ok());
  EXPECT_TRUE(Resumable(Sample(0)).ok());  // written before the first epoch: best epoch 0
}

TEST(CheckResumableTest, AnotherModelVersion) {
  proto::Checkpoint c = Sample(2);
  c.set_model_sha256(std::string(64, 'b'));
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition,
                "run/checkpoint.pb: was written for another version of the model (mlp1); start a new run with "
                "another --out");
}

TEST(CheckResumableTest, AnotherProtocolRngOrSeed) {
  const std::string want =
      "run/checkpoint.pb: was written with --protocol=paper --rng=numpy --seed=42; resume with the same flags";
  proto::Checkpoint c = Sample(2);
  c.set_protocol("paper");
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition, want);
  c = Sample(2);
  c.set_rng_kind("default");
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition,
                "run/checkpoint.pb: was written with --protocol=honest --rng=default --seed=42; resume with the same "
                "flags");
  c = Sample(2);
  c.set_seed(7);
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition,
                "run/checkpoint.pb: was written with --protocol=honest --rng=numpy --seed=7; resume with the same "
                "flags");
}

TEST(CheckResumableTest, OtherRunFlags) {
  proto::Checkpoint c = Sample(2);
  c.set_single_visit(true);
  c.set_per_sample_augment(true);
  c.set_val_size(400);
  c.set_max_batches(3);
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition,
                "run/checkpoint.pb: was written with --single-visit --per-sample-augment --val-size=400 "
                "--max-batches=3; resume with the same flags");
  // Written without a flag the resuming run has: the message names none.
  proto::Checkpoint fresh = Fresh();
  fresh.set_max_batches(5);
  const absl::Status s = CheckResumable(Sample(2), fresh, kWhere);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(s.message(), "run/checkpoint.pb: was written with; resume with the same flags");
}

TEST(CheckResumableTest, AnotherNumberOfSamples) {
  proto::Checkpoint c = Sample(2);
  c.add_order(20);
  ExpectRefusal(c, absl::StatusCode::kFailedPrecondition,
                "run/checkpoint.pb: holds 21 sample indices, the data have 20 training samples (another data set "
                "or --val-size?); resume with the same data and flags");
}

TEST(CheckResumableTest, SampleIndexOutOfRange) {
  proto::Checkpoint c = Sample(2);
  c.set_order(5, 20);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: sample index out of range");
  c.set_order(5, -1);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: sample index out of range");
}

TEST(CheckResumableTest, OrderIsNoPermutation) {
  proto::Checkpoint c = Sample(2);
  c.set_order(5, c.order(6));
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: the sample order is not a permutation");
}

TEST(CheckResumableTest, HistoryOfAnotherLength) {
  proto::Checkpoint c = Sample(2);
  c.mutable_history()->RemoveLast();
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: holds 1 epoch records for 2 epochs done");
  c = Sample(0);
  c.set_epochs_done(-1);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: holds 0 epoch records for -1 epochs done");
}

TEST(CheckResumableTest, BestEpochNotDone) {
  proto::Checkpoint c = Sample(2);
  c.set_best_epoch(3);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: best epoch 3 is not one of the 2 epochs done");
  c.set_best_epoch(0);  // epochs were done, so one of them is the best
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: best epoch 0 is not one of the 2 epochs done");
  c = Sample(0);
  c.set_best_epoch(1);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: best epoch 1 is not one of the 0 epochs done");
}

TEST(CheckResumableTest, NonPositiveLrInv) {
  proto::Checkpoint c = Sample(2);
  c.set_lr_inv(0);
  ExpectRefusal(c, absl::StatusCode::kDataLoss, "run/checkpoint.pb: lr_inv 0 is not positive");
}

TEST(CheckResumableTest, RefusalsComeInOrder) {
  // Every check fails; the identity is reported first, then the flags, then the sample order.
  proto::Checkpoint c = Sample(2);
  c.set_lr_inv(0);
  c.set_best_epoch(9);
  c.set_order(0, 99);
  c.set_val_size(1);
  c.set_seed(1);
  c.set_model_sha256("");
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "another version of the model"));
  c.set_model_sha256(std::string(64, 'a'));
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "--seed=1;"));
  c.set_seed(42);
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "--val-size=1;"));
  c.set_val_size(0);
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "sample index"));
  c.set_order(0, 19);
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "best epoch 9"));
  c.set_best_epoch(1);
  EXPECT_TRUE(absl::StrContains(Resumable(c).message(), "lr_inv 0"));
}

}  // namespace
}  // namespace nitro
