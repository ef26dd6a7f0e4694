// The local-gradient pass: derives a model's training graph from the per-op gradient rules,
// block by block, following Local Error Signals (no gradient crosses a block boundary).
#ifndef NITRO_PASSES_LOCAL_GRADIENT_H_
#define NITRO_PASSES_LOCAL_GRADIENT_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "proto/nitro.pb.h"

namespace nitro {

struct LocalGradientOptions {
  // Run every block's local step once, ignoring `Block.visits` (the reference trains CNN FC
  // blocks twice per step; spec §3.5). Off by default: exact mode.
  bool single_visit = false;
  // The op registry `forward` was built against (BuildOptions::registry): the pass reads the
  // output count of every op a gradient rule emits from it. Null: OpRegistry::Global().
  const OpRegistry* registry = nullptr;
};

// Name of the runtime scalar input that carries the current inverse learning rate.
inline constexpr char kLrInvInput[] = "lr_inv";

// Returns the training graph of `forward`: the forward nodes (with every block's head and loss),
// then for each block, in reverse declaration order, `visits` local steps. Each local step starts
// from the block's loss node, applies the gradient rules in reverse topological order, sums
// gradients on fan-out with Add nodes, stops at values produced outside the block, and emits one
// IntegerSGD node per parameter of the block. A second visit re-runs the block's head (the nodes
// the model output does not depend on) with the updated parameters, on the same saved forward
// activations. `Model.update` records the final value of every parameter.
//
// Generated names: the gradient a rule emits for node N is "N/<label>" (e.g. "b0.z/dW"), a sum of
// gradients of value v is "v/grad_sum", the updated parameter p is "p@1"; values of the k-th visit
// (k > 1) carry the suffix "@k" (e.g. "fc.a/ds@2", "fc.w@2").
//
// Errors: a model without `output`, a block without exactly one loss node, a parameter shared by
// two blocks or used outside a block (InvalidArgument); a parameter the loss does not reach
// (FailedPrecondition); an op on the gradient path without a rule (Unimplemented, naming the
// node); a rule that fails (its code, naming the node) or emits an op the registry does not know
// (Internal, naming the node).
absl::StatusOr<proto::Model> DeriveTrainingGraph(const Graph& forward, const LocalGradientOptions& options = {});

// The inference graph of `model`: the nodes its outputs depend on, no heads, no losses.
absl::StatusOr<proto::Model> ExtractInferenceGraph(const Graph& model);

}  // namespace nitro

#endif  // NITRO_PASSES_LOCAL_GRADIENT_H_
