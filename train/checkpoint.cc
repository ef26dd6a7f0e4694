// Training checkpoints on disk: tensors <-> TensorData, and the framed, checksummed, atomically written file.
#include "train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "io/atomic_file.h"
#include "io/gzip_file.h"
#include "io/sha256.h"

namespace nitro {
namespace {

constexpr size_t kMagicSize = 8;
constexpr size_t kVersionOffset = kMagicSize;
constexpr size_t kLengthOffset = kVersionOffset + 4;
constexpr size_t kDigestOffset = kLengthOffset + 8;
static_assert(kDigestOffset + 32 == kCheckpointHeaderSize, "header layout");
static_assert(sizeof(kCheckpointMagic) == kMagicSize + 1, "magic is 8 characters");

void AppendLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadLe(absl::string_view bytes, size_t offset, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(bytes[offset + i])} << (8 * i);
  return v;
}

// Copies `count` elements of `size` bytes between host order and little-endian (the same
// operation both ways).
void CopyLittleEndian(void* dst, const void* src, int64_t count, int size) {
#if defined(ABSL_IS_LITTLE_ENDIAN)
  if (count > 0) std::memcpy(dst, src, static_cast<size_t>(count) * size);
#else
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < count; ++i) {
    for (int b = 0; b < size; ++b) d[i * size + b] = s[i * size + size - 1 - b];
  }
#endif
}

}  // namespace

proto::TensorData TensorToProto(absl::string_view name, const Tensor& t) {
  proto::TensorData p;
  p.set_name(std::string(name));
  p.set_dtype(t.dtype());
  for (int64_t d : t.shape()) p.add_shape(d);
  std::string data(static_cast<size_t>(t.bytes()), '\0');
  CopyLittleEndian(data.data(), t.raw(), t.size(), DTypeSize(t.dtype()));
  p.set_data(std::move(data));
  return p;
}

absl::StatusOr<Tensor> TensorFromProto(const proto::TensorData& p) {
  auto error = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("checkpoint: tensor '", p.name(), "': ", what));
  };
  if (!proto::DType_IsValid(p.dtype()) || DTypeSize(p.dtype()) == 0) {
    return error(absl::StrCat("invalid dtype ", static_cast<int>(p.dtype())));
  }
  const Shape shape(p.shape().begin(), p.shape().end());
  auto count = ElementCount(shape);
  if (!count.ok()) return error(absl::StrCat("invalid shape ", ShapeString(shape), ": ", count.status().message()));
  const int size = DTypeSize(p.dtype());
  // ElementCount caps the count at 2^40, so the product cannot overflow.
  const uint64_t expected = static_cast<uint64_t>(*count) * static_cast<uint64_t>(size);
  if (p.data().size() != expected) {
    return error(absl::StrCat("has ", p.data().size(), " bytes of data, ", DTypeName(p.dtype()), " ",
                              ShapeString(shape), " needs ", expected));
  }
  absl::StatusOr<Tensor> t = Tensor::Allocate(p.dtype(), shape);
  if (!t.ok()) return error(t.status().message());
  CopyLittleEndian(t->raw(), p.data().data(), *count, size);
  return t;
}

absl::StatusOr<std::string> EncodeCheckpoint(const proto::Checkpoint& c) {
  std::string payload;
  if (!c.SerializeToString(&payload)) {
    return absl::InternalError(
        absl::StrCat("checkpoint: cannot serialize the checkpoint (", c.ByteSizeLong(), " bytes; the limit is 2 GiB)"));
  }
  std::string out;
  out.reserve(kCheckpointHeaderSize + payload.size());
  out.append(kCheckpointMagic, kMagicSize);
  AppendLe(out, kCheckpointVersion, 4);
  AppendLe(out, payload.size(), 8);
  Sha256 hash;
  hash.Update(payload);
  const std::array<uint8_t, 32> digest = hash.Digest();
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  out.append(payload);
  return out;
}

absl::StatusOr<proto::Checkpoint> DecodeCheckpoint(absl::string_view bytes, absl::string_view source) {
  auto error = [&](absl::string_view what) { return absl::DataLossError(absl::StrCat(source, ": ", what)); };
  const absl::string_view magic(kCheckpointMagic, kMagicSize);
  // A short file that starts like a checkpoint is a truncated one; anything else is not ours.
  if (bytes.substr(0, kMagicSize) != magic.substr(0, bytes.size())) {
    return error("bad magic — not a nitro checkpoint");
  }
  if (bytes.size() < kCheckpointHeaderSize) {
    return error(
        absl::StrCat("truncated (", bytes.size(), " bytes, shorter than the ", kCheckpointHeaderSize, "-byte header)"));
  }
  const uint64_t version = ReadLe(bytes, kVersionOffset, 4);
  if (version != kCheckpointVersion) {
    return error(absl::StrCat("unsupported version ", version, " (this build reads version ", kCheckpointVersion, ")"));
  }
  const uint64_t length = ReadLe(bytes, kLengthOffset, 8);
  const uint64_t available = bytes.size() - kCheckpointHeaderSize;
  if (length > available) {
    return error(absl::StrCat("truncated (payload of ", length, " bytes, only ", available, " present)"));
  }
  if (length < available) {
    return error(
        absl::StrCat("corrupt: ", available - length, " unexpected bytes after the ", length, "-byte payload"));
  }
  const absl::string_view payload = bytes.substr(kCheckpointHeaderSize);
  Sha256 hash;
  hash.Update(payload);
  const std::array<uint8_t, 32> digest = hash.Digest();
  if (std::memcmp(digest.data(), bytes.data() + kDigestOffset, digest.size()) != 0) {
    return error("checksum mismatch — the file is corrupt");
  }
  if (payload.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return error(absl::StrCat("payload of ", payload.size(), " bytes exceeds the 2 GiB protobuf limit"));
  }
  proto::Checkpoint c;
  if (!c.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return error("payload does not parse as a nitro.proto.Checkpoint");
  }
  return c;
}

absl::Status WriteCheckpoint(const std::string& path, const proto::Checkpoint& c) {
  ASSIGN_OR_RETURN(std::string bytes, EncodeCheckpoint(c));
  return WriteFileAtomically(path, bytes);
}

absl::StatusOr<proto::Checkpoint> ReadCheckpoint(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return DecodeCheckpoint(bytes, path);
}

absl::Status SaveRunCheckpoint(const std::string& run_dir, const proto::Checkpoint& c) {
  const std::string path = absl::StrCat(run_dir, "/", kCheckpointFileName);
  const std::string prev = absl::StrCat(run_dir, "/", kPreviousCheckpointFileName);
  if (::access(path.c_str(), F_OK) == 0) {
    const std::string link_tmp = AtomicTempPath(prev);
    ::unlink(link_tmp.c_str());
    if (::link(path.c_str(), link_tmp.c_str()) != 0 || ::rename(link_tmp.c_str(), prev.c_str()) != 0) {
      const int err = errno;
      ::unlink(link_tmp.c_str());
      return absl::ErrnoToStatus(err, absl::StrCat(prev, ": cannot keep the previous checkpoint"));
    }
  }
  return WriteCheckpoint(path, c);
}

absl::StatusOr<LoadedCheckpoint> LoadRunCheckpoint(const std::string& run_dir) {
  LoadedCheckpoint out;
  out.path = absl::StrCat(run_dir, "/", kCheckpointFileName);
  absl::StatusOr<proto::Checkpoint> newest = ReadCheckpoint(out.path);
  if (newest.ok()) {
    out.checkpoint = *std::move(newest);
    return out;
  }
  const std::string prev = absl::StrCat(run_dir, "/", kPreviousCheckpointFileName);
  absl::StatusOr<proto::Checkpoint> previous = ReadCheckpoint(prev);
  if (!previous.ok()) return newest.status();
  out.checkpoint = *std::move(previous);
  out.warning = absl::StrCat(
      "warning: ", newest.status().message(), "; resuming from the previous checkpoint ", prev,
      " instead (after epoch ", out.checkpoint.epochs_done(),
      out.checkpoint.batches_done() > 0
          ? absl::StrCat(", batch ", out.checkpoint.batches_done(), " of epoch ", out.checkpoint.epochs_done() + 1)
          : std::string(),
      ")");
  out.path = prev;
  return out;
}

namespace {

// The run's identity and the flags that change what it computes.
absl::Status CheckSameRun(const proto::Checkpoint& c, const proto::Checkpoint& fresh, absl::string_view where) {
  if (c.model_sha256() != fresh.model_sha256()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written for another version of the model (",
                                                      c.model_name(), "); start a new run with another --out"));
  }
  if (c.protocol() != fresh.protocol() || c.rng_kind() != fresh.rng_kind() || c.seed() != fresh.seed()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written with --protocol=", c.protocol(),
                                                      " --rng=", c.rng_kind(), " --seed=", c.seed(),
                                                      "; resume with the same flags"));
  }
  if (c.single_visit() != fresh.single_visit() || c.per_sample_augment() != fresh.per_sample_augment() ||
      c.val_size() != fresh.val_size() || c.max_batches() != fresh.max_batches()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": was written with", c.single_visit() ? " --single-visit" : "",
        c.per_sample_augment() ? " --per-sample-augment" : "",
        c.val_size() ? absl::StrCat(" --val-size=", c.val_size()) : "",
        c.max_batches() ? absl::StrCat(" --max-batches=", c.max_batches()) : "", "; resume with the same flags"));
  }
  return absl::OkStatus();
}

// The sample order is a permutation of the fresh run's N training samples.
absl::Status CheckSampleOrder(const proto::Checkpoint& c, const proto::Checkpoint& fresh, absl::string_view where) {
  if (c.order_size() != fresh.order_size()) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ": holds ", c.order_size(), " sample indices, the data have ", fresh.order_size(),
                     " training samples (another data set or --val-size?); resume ", "with the same data and flags"));
  }
  std::vector<bool> seen(c.order_size(), false);
  for (int64_t v : c.order()) {
    if (v < 0 || v >= fresh.order_size()) {
      return absl::DataLossError(absl::StrCat(where, ": sample index out of range"));
    }
    if (seen[v]) return absl::DataLossError(absl::StrCat(where, ": the sample order is not a permutation"));
    seen[v] = true;
  }
  return absl::OkStatus();
}

// History, best epoch and learning rate agree with the number of epochs done.
absl::Status CheckProgress(const proto::Checkpoint& c, absl::string_view where) {
  if (c.epochs_done() < 0 || c.history_size() != c.epochs_done()) {
    return absl::DataLossError(
        absl::StrCat(where, ": holds ", c.history_size(), " epoch records for ", c.epochs_done(), " epochs done"));
  }
  if (c.best_epoch() < (c.epochs_done() > 0 ? 1 : 0) || c.best_epoch() > c.epochs_done()) {
    return absl::DataLossError(
        absl::StrCat(where, ": best epoch ", c.best_epoch(), " is not one of the ", c.epochs_done(), " epochs done"));
  }
  if (c.lr_inv() <= 0) return absl::DataLossError(absl::StrCat(where, ": lr_inv ", c.lr_inv(), " is not positive"));
  if (c.batches_done() < 0 || (c.batches_done() == 0 && c.has_partial())) {
    return absl::DataLossError(
        absl::StrCat(where, ": the position within the epoch (", c.batches_done(), " batches done) is invalid"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckResumable(const proto::Checkpoint& stored, const proto::Checkpoint& fresh, absl::string_view where) {
  RETURN_IF_ERROR(CheckSameRun(stored, fresh, where));
  RETURN_IF_ERROR(CheckSampleOrder(stored, fresh, where));
  return CheckProgress(stored, where);
}

std::string ModelSha256(absl::string_view text, const std::vector<std::string>& import_texts) {
  if (import_texts.empty()) return Sha256Hex(text);
  Sha256 h;
  h.Update(text.data(), text.size());
  for (const std::string& lib : import_texts) {
    const std::string length = absl::StrCat("\n", lib.size(), "\n");
    h.Update(length.data(), length.size());
    h.Update(lib.data(), lib.size());
  }
  return h.HexDigest();
}

}  // namespace nitro
