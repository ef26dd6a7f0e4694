// Matching a model's parameters by name against tensors from elsewhere (a checkpoint, a tensor
// file, another plan), checking presence, dtype and shape. Each caller words the refusals.
#ifndef NITRO_TRAIN_PARAM_MATCH_H_
#define NITRO_TRAIN_PARAM_MATCH_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "graph/tensor.h"
#include "proto/checkpoint.pb.h"

namespace nitro {

// Tensors by name, not owned: the trainer's Params(), or a source's tensors.
using NamedTensorRefs = std::vector<std::pair<std::string, const Tensor*>>;

// How MatchParams refuses: the status code and each message, so that every caller keeps its own
// wording. `missing` and `mismatch` are required; `unreadable` is needed for stored tensors.
struct ParamMatchWords {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  // The source has no tensor named `name`.
  std::function<std::string(absl::string_view name)> missing;
  // A source tensor named `name` is `have`; the model's parameter is `want`, of another dtype or shape.
  std::function<std::string(absl::string_view name, const Tensor& have, const Tensor& want)> mismatch;
  // A stored tensor does not decode; `error` is TensorFromProto's status.
  std::function<std::string(const absl::Status& error)> unreadable;
};

// "int32 [10, 32]": a tensor's dtype and shape as the refusals print them.
std::string DTypeAndShape(const Tensor& t);

// For each parameter of `params` (its name and the model's tensor, in order), the tensor of
// `source` with that name. Every source tensor of that name must have the parameter's dtype and
// shape; when there are several, the last one is the match. Tensors no parameter names are
// ignored. The first failure, in parameter order and then source order, is returned with
// `words`; nothing is returned in part.
absl::StatusOr<std::vector<const Tensor*>> MatchParams(const NamedTensorRefs& params, const NamedTensorRefs& source,
                                                       const ParamMatchWords& words);
// The same for stored tensors, decoded: only those whose name is a parameter's are decoded.
absl::StatusOr<std::vector<Tensor>> MatchParams(const NamedTensorRefs& params,
                                                const google::protobuf::RepeatedPtrField<proto::TensorData>& source,
                                                const ParamMatchWords& words);

}  // namespace nitro

#endif  // NITRO_TRAIN_PARAM_MATCH_H_
