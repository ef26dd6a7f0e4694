// Training checkpoints on disk: tensors <-> TensorData, and the framed, checksummed, atomically written file.
#ifndef NITRO_TRAIN_CHECKPOINT_H_
#define NITRO_TRAIN_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"
#include "proto/checkpoint.pb.h"

namespace nitro {

// The file a trainer keeps in its run directory: `RUN_DIR/checkpoint.pb`.
inline constexpr char kCheckpointFileName[] = "checkpoint.pb";
// The checkpoint before it, kept beside it: `RUN_DIR/checkpoint.prev.pb`.
inline constexpr char kPreviousCheckpointFileName[] = "checkpoint.prev.pb";

// File layout, all integers little-endian:
//   "NITROCKP"                 8 bytes, kCheckpointMagic
//   format version             uint32, kCheckpointVersion
//   payload length             uint64
//   SHA-256 of the payload     32 bytes
//   payload                    the serialized proto::Checkpoint
inline constexpr char kCheckpointMagic[] = "NITROCKP";
inline constexpr uint32_t kCheckpointVersion = 1;
inline constexpr size_t kCheckpointHeaderSize = 8 + 4 + 8 + 32;

// `t` as raw little-endian bytes in row-major order, under `name`.
proto::TensorData TensorToProto(absl::string_view name, const Tensor& t);
// The tensor stored in `p`. DataLoss naming the tensor for an unknown dtype, an invalid or
// overflowing shape, or a data size other than elements x dtype size.
absl::StatusOr<Tensor> TensorFromProto(const proto::TensorData& p);

// The framed file bytes of `c` (see the layout above). Internal if `c` cannot be serialized
// (over 2 GiB).
absl::StatusOr<std::string> EncodeCheckpoint(const proto::Checkpoint& c);
// Parses framed file bytes; every corruption is DataLoss, its message naming `source`.
absl::StatusOr<proto::Checkpoint> DecodeCheckpoint(absl::string_view bytes, absl::string_view source);

// Writes `c` to `path` atomically and durably (io/atomic_file.h): after a crash or an error
// `path` holds either the previous checkpoint or the new one, never a torn file.
absl::Status WriteCheckpoint(const std::string& path, const proto::Checkpoint& c);
// Reads a checkpoint written by WriteCheckpoint. NotFound if `path` does not exist; DataLoss
// naming the file if it is truncated, not a nitro checkpoint, of an unsupported version, fails
// its checksum or does not parse.
absl::StatusOr<proto::Checkpoint> ReadCheckpoint(const std::string& path);

// Writes `c` as RUN_DIR/checkpoint.pb, first keeping the checkpoint it replaces (if any) as
// RUN_DIR/checkpoint.prev.pb (a hard link renamed into place, so checkpoint.pb exists at every
// moment). On an error (ResourceExhausted for a full disk or a file-size limit, naming the file)
// checkpoint.pb still holds the previous checkpoint.
absl::Status SaveRunCheckpoint(const std::string& run_dir, const proto::Checkpoint& c);

// The checkpoint a run directory resumes from, and where it came from.
struct LoadedCheckpoint {
  proto::Checkpoint checkpoint;
  std::string path;     // the file it was read from
  std::string warning;  // non-empty when the newest could not be used and the previous one was
};
// Reads RUN_DIR/checkpoint.pb; if that is missing or unreadable (truncated, corrupt, another
// version) but RUN_DIR/checkpoint.prev.pb reads, returns that one with a warning naming both
// files, the newest's error and the epoch it resumes from. Otherwise the newest's error
// (NotFound when neither exists).
absl::StatusOr<LoadedCheckpoint> LoadRunCheckpoint(const std::string& run_dir);

// Whether a run can continue from `stored`, the checkpoint read from `where`: `fresh` is the state
// the same run starts from (its identity, flags and sample order 0..N-1, no epochs). Refuses, in
// this order, with messages naming `where`:
//   FailedPrecondition: another model text (model_sha256); another protocol, rng kind or seed;
//     other run flags (single_visit, per_sample_augment, val_size, max_batches); a sample order
//     of another length (another data set or validation size);
//   DataLoss: a sample index outside [0, N) or a repeated one; a history size other than
//     epochs_done; a best epoch outside [1, epochs_done] (0 when no epoch is done); lr_inv <= 0;
//     a negative batches_done, or partial figures without batches done.
// The parameters and the random state are checked by the trainer, which knows the model.
absl::Status CheckResumable(const proto::Checkpoint& stored, const proto::Checkpoint& fresh, absl::string_view where);

// A checkpoint's model_sha256: the SHA-256 (hex) of the model file's text and, for a model with
// imports, of the text followed by each imported file's text (each preceded by its length in
// decimal and a newline), in the order the loader read them (ParsedModel::import_texts). So a
// changed library makes another model; a model without imports keeps the hash of its text alone,
// which checkpoints written before imports existed record.
std::string ModelSha256(absl::string_view text, const std::vector<std::string>& import_texts);

}  // namespace nitro

#endif  // NITRO_TRAIN_CHECKPOINT_H_
