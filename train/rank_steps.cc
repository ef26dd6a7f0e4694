#include "train/rank_steps.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "train/epoch_data.h"

namespace nitro {
namespace {

// The whole batch's tensor: `slice`'s shape with `batch` rows.
absl::StatusOr<Tensor> WholeBatchLike(const Tensor& slice, int64_t batch) {
  Shape shape = slice.shape();
  shape[0] = batch;
  return Tensor::Allocate(slice.dtype(), shape);
}

}  // namespace

void CopyRankRows(const Tensor& full, int rank, Tensor* slice) {
  const int64_t bytes = slice->bytes();
  std::memcpy(slice->raw(), static_cast<const char*>(full.raw()) + rank * bytes, bytes);
}

absl::StatusOr<RankSteps> RankSteps::Create(Communicator* comm, int64_t batch, const std::string& model) {
  RankSteps r;
  r.comm_ = comm;
  if (comm != nullptr) r.slice_ = RankSlice{comm->rank(), comm->size()};
  r.batch_ = batch;
  ASSIGN_OR_RETURN(r.slice_batch_, SliceBatchSize(batch, r.slice_.ranks, model));
  if (r.slice_.ranks > 1) SetProcessCommunicator(comm);
  return r;
}

absl::StatusOr<std::unique_ptr<Graph>> RankSteps::Shard(std::unique_ptr<Graph> train) const {
  if (slice_.ranks == 1) return train;
  return ShardTrainingGraph(*train, slice_);
}

absl::Status RankSteps::FillTrainingBatch(const Tensor& x, const Tensor& y,
                                          const google::protobuf::RepeatedField<int64_t>& order, int64_t b,
                                          const AugmentOptions& augment, RandomSource& rng, Tensor* image,
                                          Tensor* target) {
  const bool augmented = augment.crop || augment.flip;
  if (slice_.ranks == 1) {
    nitro::FillTrainingBatch(x, y, order, b, image, target);
    return augmented ? AugmentBatch(augment, rng, *image) : absl::OkStatus();
  }
  if (full_image_.empty()) {
    ASSIGN_OR_RETURN(full_image_, WholeBatchLike(*image, batch_));
    ASSIGN_OR_RETURN(full_target_, WholeBatchLike(*target, batch_));
  }
  nitro::FillTrainingBatch(x, y, order, b, &full_image_, &full_target_);
  if (augmented) RETURN_IF_ERROR(AugmentBatch(augment, rng, full_image_));
  CopyRankRows(full_image_, slice_.rank, image);
  CopyRankRows(full_target_, slice_.rank, target);
  return absl::OkStatus();
}

absl::Status RankSteps::SumCounts(absl::Span<int64_t> counts) {
  if (slice_.ranks == 1) return absl::OkStatus();
  return comm_->AllReduceSumI64(counts);
}

absl::Status RankSteps::CheckSameOnEveryRank(const Fingerprint& mine) {
  if (slice_.ranks == 1) return absl::OkStatus();
  return nitro::CheckSameOnEveryRank(*comm_, mine);
}

}  // namespace nitro
