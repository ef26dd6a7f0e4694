#include "deploy/nitro_inference.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "runtime/plan.h"
#include "runtime/serial_executor.h"

namespace nitro::deploy {

absl::StatusOr<Tensor> NitroInference(const Graph& inference, const ParamMap& params, const Tensor& inputs) {
  if (inference.model().input_size() != 1 || inference.model().output_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(inference.source(), ": needs one input and one output"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, Plan::Create(&inference));
  for (const proto::Param& p : inference.model().param()) {
    auto it = params.find(p.name());
    if (it == params.end()) return absl::InvalidArgumentError(absl::StrCat("no tensor for parameter '", p.name(), "'"));
    RETURN_IF_ERROR(plan->Set(p.name(), it->second));
  }
  Tensor* in = plan->Find(inference.model().input(0).name());
  const Tensor* out = plan->Find(inference.model().output(0));
  const int64_t batch = in->dim(0);
  const int64_t n = inputs.rank() > 0 ? inputs.dim(0) : 0;
  const int64_t in_row = in->bytes() / batch, out_row = out->bytes() / batch;
  if (inputs.dtype() != in->dtype() || n * in_row != inputs.bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the inputs are ", DTypeName(inputs.dtype()), " ", ShapeString(inputs.shape()),
                     ", the graph reads ", DTypeName(in->dtype()), " ", ShapeString(in->shape()), " per batch"));
  }
  Shape out_shape = out->shape();
  out_shape[0] = n;
  Tensor logits(out->dtype(), out_shape);
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t count = std::min(batch, n - start);
    std::memset(in->raw(), 0, in->bytes());
    std::memcpy(in->raw(), static_cast<const uint8_t*>(inputs.raw()) + start * in_row, count * in_row);
    RETURN_IF_ERROR(RunSerial(*plan, /*training=*/false, /*rng=*/nullptr));
    std::memcpy(static_cast<uint8_t*>(logits.raw()) + start * out_row, out->raw(), count * out_row);
  }
  return logits;
}

std::vector<int> Predictions(const Tensor& logits) {
  const int64_t n = logits.dim(0), k = logits.size() / std::max<int64_t>(1, n);
  std::vector<int> out(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 1; c < k; ++c) {
      if (logits.Get(i * k + c) > logits.Get(i * k + out[i])) out[i] = static_cast<int>(c);
    }
  }
  return out;
}

}  // namespace nitro::deploy
