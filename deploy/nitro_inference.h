// nitro's own predictions, the reference the exported C must match: the inference graph's Plan
// run by the serial executor (the reference every nitro executor matches bit for bit), batch by
// batch like `nitro eval` (Trainer::Evaluate: the last partial batch is padded with zeros).
#ifndef NITRO_DEPLOY_NITRO_INFERENCE_H_
#define NITRO_DEPLOY_NITRO_INFERENCE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "deploy/c_exporter.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace nitro::deploy {

// The output of `inference` (built at some batch size B, one input, one output) for every row of
// `inputs` ([N, ...per-sample input shape], the input's dtype): a tensor [N, ...per-sample output
// shape]. `params` holds every parameter of the graph. Errors name the value or node.
absl::StatusOr<Tensor> NitroInference(const Graph& inference, const ParamMap& params, const Tensor& inputs);

// argmax of each row of `logits` [N, K], the first maximum (as `nitro eval` counts a prediction).
std::vector<int> Predictions(const Tensor& logits);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_NITRO_INFERENCE_H_
