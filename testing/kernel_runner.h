// KernelRunner (test only): one op as a one-node graph, built from a few lines of text, run through
// the real machinery, and differentiated through the op's own gradient rule.
//
//   KernelRunner r = KernelRunner::Create(R"(op: "Linear" in: "x" in: "w" out: "y")",
//                                         {{"x", Int8({2, 3}, {1, 2, 3, 4, 5, 6})},
//                                          {"w", Int32({1, 3}, {1, 0, -1})}}).value();
//   ASSERT_TRUE(r.Run().ok());
//   EXPECT_EQ(r.Output("y"), Int32({2, 1}, {-2, -2}));
//   absl::StatusOr<Gradients> g = r.Gradient("y", Int32({2, 1}, {1, -1}));
//   EXPECT_EQ(g->Of("w"), Int32({1, 3}, {-3, -3, -3}));
//
// Create() declares every fed tensor as a model input of exactly its dtype and full shape (batch
// dimension included; nothing is prepended), then validates and types the node with BuildGraph:
// schema, attributes (defaults filled in) and the op's shape function. A shape or attribute error
// comes back as BuildGraph's Status, naming the node: "kernel_runner:1: node 'y' (Linear): ...".
// Run() executes the node's kernel through a Plan and the serial executor.
//
// Gradient() calls the op's gradient rule the way the local-gradient pass does (a GradContext
// whose Emit names outputs "<node>/<label>"), builds the nodes the rule emitted into a second graph
// whose inputs are the forward inputs, the forward outputs of the last Run() and the given output
// gradient (named "<output>/grad"), runs that graph, and returns the gradient the rule declared for
// each input.
#ifndef NITRO_TESTING_KERNEL_RUNNER_H_
#define NITRO_TESTING_KERNEL_RUNNER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/random_source.h"
#include "graph/tensor.h"
#include "proto/nitro.pb.h"
#include "runtime/plan.h"

namespace nitro {

// Tensors from row-major values. A value count that does not match the shape, or a value outside
// the dtype's range, is a test failure (gtest ADD_FAILURE), never a silent wrap.
Tensor Int8(const Shape& shape, const std::vector<int64_t>& values);
Tensor Int16(const Shape& shape, const std::vector<int64_t>& values);
Tensor Int32(const Shape& shape, const std::vector<int64_t>& values);
Tensor Int64(const Shape& shape, const std::vector<int64_t>& values);

// The elements of t widened to int64, row-major (for gmock's ElementsAre).
std::vector<int64_t> Values(const Tensor& t);

// Same dtype, shape and bytes; with PrintTo, EXPECT_EQ on tensors shows both sides in full.
bool operator==(const Tensor& a, const Tensor& b);
inline bool operator!=(const Tensor& a, const Tensor& b) { return !(a == b); }
// "int32 [2, 3] {1, 2, 3, 4, 5, 6}" ("<no tensor>" for an empty one).
void PrintTo(const Tensor& t, std::ostream* os);

// Value name -> tensor: the inputs of a node, or the gradients of its inputs.
using TensorMap = std::map<std::string, Tensor>;

// What a gradient rule produced.
struct Gradients {
  // The gradient declared for each forward input, by the input's value name. An input whose
  // gradient the rule left undeclared is absent.
  TensorMap of;
  // The nodes the rule emitted, in emission order (attributes as the rule wrote them).
  std::vector<proto::Node> emitted;

  // The gradient of input `name`, or an empty tensor if the rule declared none.
  const Tensor& Of(const std::string& name) const;
  // The op of each emitted node, in order.
  std::vector<std::string> EmittedOps() const;
};

class KernelRunner {
 public:
  // `node_text` is the body of one `node { ... }` in protobuf text format (op, in, out, attr);
  // `inputs` holds one tensor per value the node reads.
  static absl::StatusOr<KernelRunner> Create(absl::string_view node_text, TensorMap inputs);

  // Runs the kernel (a training step unless `training` is false). Kernel errors come back naming
  // the node.
  absl::Status Run(bool training = true, RandomSource* rng = nullptr);

  // The buffer of a node output (or of an input), typed by the shape function; zeros before Run().
  // An empty tensor for an unknown name.
  const Tensor& Output(absl::string_view name) const;

  // The gradients of the node's inputs given `delta`, the gradient of output `output`. `wrt`
  // lists the inputs the rule is told need a gradient (GradContext::needs_grad); empty: all.
  // Runs the forward kernel first unless Run() has been called. Errors: an op without a rule
  // (Unimplemented), a failing rule, an emitted op that is unknown or whose shape function
  // rejects its inputs, a failing backward kernel.
  absl::StatusOr<Gradients> Gradient(absl::string_view output, const Tensor& delta,
                                     const std::vector<std::string>& wrt = {});
  // The same for a loss op, whose rule seeds the gradient itself (no incoming gradient).
  absl::StatusOr<Gradients> LossGradient(const std::vector<std::string>& wrt = {});

 private:
  KernelRunner() = default;
  absl::StatusOr<Gradients> RunGradient(const TensorMap& deltas, const std::vector<std::string>& wrt);

  TensorMap inputs_;
  std::unique_ptr<Graph> graph_;  // the plan points into it: kept at a stable address
  std::unique_ptr<Plan> plan_;
  bool ran_ = false;
};

// Create() and Run() in one: output `output` after a training-mode run without a random source,
// or the first error (an unknown output name is InvalidArgument).
absl::StatusOr<Tensor> RunKernel(absl::string_view node_text, TensorMap inputs, absl::string_view output);

}  // namespace nitro

#endif  // NITRO_TESTING_KERNEL_RUNNER_H_
