// Epoch order, batch filling and prediction counting for the trainer.
#include "train/epoch_data.h"

#include <cstring>
#include <vector>

#include "random/random_ops.h"

namespace nitro {
namespace {

// Bytes per row of a tensor whose first dimension is the sample.
int64_t RowBytes(const Tensor& t) { return t.bytes() / t.dim(0); }

}  // namespace

void ShuffleEpochOrder(RandomSource& rng, google::protobuf::RepeatedField<int64_t>* order) {
  const int64_t n = order->size();
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  ShuffleSpan(rng, absl::MakeSpan(perm));
  const std::vector<int64_t> before(order->begin(), order->end());
  for (int64_t i = 0; i < n; ++i) order->Set(i, before[perm[i]]);
}

int64_t TrainingBatches(int64_t n, int64_t batch, int64_t max_batches) {
  const int64_t batches = n / batch;
  return max_batches > 0 && max_batches < batches ? max_batches : batches;
}

int64_t EvalBatches(int64_t n, int64_t batch, bool drop_remainder) {
  return drop_remainder ? n / batch : (n + batch - 1) / batch;
}

void FillTrainingBatch(const Tensor& x, const Tensor& y, const google::protobuf::RepeatedField<int64_t>& order,
                       int64_t b, Tensor* image, Tensor* target) {
  const int64_t row = RowBytes(x), trow = RowBytes(y), batch = image->dim(0);
  int8_t* img = image->data<int8_t>();
  int8_t* tgt = target->data<int8_t>();
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t src = order.Get(b * batch + i);
    std::memcpy(img + i * row, static_cast<const int8_t*>(x.raw()) + src * row, row);
    std::memcpy(tgt + i * trow, static_cast<const int8_t*>(y.raw()) + src * trow, trow);
  }
}

void FillEvalBatch(const Tensor& x, int64_t first, int64_t count, Tensor* image) {
  const int64_t row = RowBytes(x);
  std::memset(image->raw(), 0, image->bytes());
  std::memcpy(image->raw(), static_cast<const int8_t*>(x.raw()) + first * row, count * row);
}

int64_t CountCorrect(const Tensor& scores, int64_t count, absl::Span<const uint8_t> labels) {
  const int64_t classes = scores.dim(1);
  const int8_t* p = scores.data<int8_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t arg = 0;  // the first maximum
    for (int64_t k = 1; k < classes; ++k) {
      if (p[i * classes + k] > p[i * classes + arg]) arg = k;
    }
    correct += (arg == labels[i]);
  }
  return correct;
}

}  // namespace nitro
