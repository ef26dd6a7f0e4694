// OpDef: the single declaration of an op — schema, shape function, kernel and gradient rule.
//
// An op is declared once, in one .cc file, with NITRO_REGISTER_OP (see op_registry.h):
//
//   NITRO_REGISTER_OP(OpDef("AbsInt")
//       .Input("x", {kInt32})
//       .Output("y")
//       .SetShapeFn(AbsIntShape)   // absl::Status(ShapeContext&)
//       .SetKernel(AbsIntKernel)   // absl::Status(KernelContext&)
//       .SetGrad(AbsIntGrad));     // absl::Status(GradContext&): emits backward graph nodes
#ifndef NITRO_GRAPH_OP_DEF_H_
#define NITRO_GRAPH_OP_DEF_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "graph/dtype.h"
#include "graph/random_source.h"
#include "graph/shape.h"
#include "graph/tensor.h"
#include "proto/nitro.pb.h"

namespace nitro {

enum class AttrType { kInt, kInts, kString, kDType };
const char* AttrTypeName(AttrType type);

struct ArgSpec {
  std::string name;
  std::vector<DType> dtypes;  // allowed element types; empty = any
};

struct AttrSpec {
  std::string name;
  AttrType type;
  std::optional<proto::Attr> default_value;  // unset = required
};

// The attributes of one node, with the schema's defaults filled in. Accessors assume the node
// passed validation (every attribute present with the declared type).
class AttrView {
 public:
  AttrView() = default;
  explicit AttrView(std::vector<proto::Attr> attrs) : attrs_(std::move(attrs)) {}
  int64_t GetInt(absl::string_view name) const;
  std::vector<int64_t> GetInts(absl::string_view name) const;
  std::string GetString(absl::string_view name) const;
  DType GetDType(absl::string_view name) const;
  const proto::Attr* Find(absl::string_view name) const;
  const std::vector<proto::Attr>& all() const { return attrs_; }

 private:
  std::vector<proto::Attr> attrs_;
};

// Static type of a value: element type and full shape (batch dimension included).
struct ValueType {
  DType dtype = proto::DTYPE_UNSPECIFIED;
  Shape shape;
};

// What a shape function sees: input types and attributes; it sets every output's type.
class ShapeContext {
 public:
  ShapeContext(std::string where, std::vector<ValueType> inputs, const AttrView* attrs, int num_outputs)
      : where_(std::move(where)), inputs_(std::move(inputs)), attrs_(attrs), outputs_(num_outputs) {}
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const ValueType& input(int i) const { return inputs_[i]; }
  const AttrView& attrs() const { return *attrs_; }
  void set_output(int i, DType dtype, Shape shape) { outputs_[i] = {dtype, std::move(shape)}; }
  const std::vector<ValueType>& outputs() const { return outputs_; }
  // InvalidArgument naming the node and op: "model.pbtxt:12: node 'z0' (Linear): <message>".
  absl::Status Error(absl::string_view message) const;

 private:
  std::string where_;
  std::vector<ValueType> inputs_;
  const AttrView* attrs_;
  std::vector<ValueType> outputs_;
};

// What a kernel sees: input tensors, preallocated outputs of the inferred type, attributes.
class KernelContext {
 public:
  KernelContext(std::vector<const Tensor*> inputs, std::vector<Tensor*> outputs, const AttrView* attrs, bool training,
                RandomSource* rng)
      : inputs_(std::move(inputs)), outputs_(std::move(outputs)), attrs_(attrs), training_(training), rng_(rng) {}
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Tensor& output(int i) { return *outputs_[i]; }
  const AttrView& attrs() const { return *attrs_; }
  // True in a training step; false at inference (Dropout is then the identity).
  bool training() const { return training_; }
  // The step's random stream; null when the runtime provides none (then stochastic ops fail).
  RandomSource* rng() const { return rng_; }

 private:
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor*> outputs_;
  const AttrView* attrs_;
  bool training_;
  RandomSource* rng_;
};

// What a gradient rule sees while the local-gradient pass walks a block backwards. A rule reads
// the gradients flowing into the node's outputs and emits ordinary graph nodes that compute the
// gradients of the inputs that need one.
class GradContext {
 public:
  virtual ~GradContext() = default;
  virtual const proto::Node& node() const = 0;
  virtual const AttrView& attrs() const = 0;
  // Forward value names and types.
  const std::string& input(int i) const { return node().in(i); }
  const std::string& output(int i) const { return node().out(i); }
  virtual const ValueType& input_type(int i) const = 0;
  // Name of the gradient of output i; "" when no gradient reaches it. For a loss op, output 0 is
  // the seed and has no incoming gradient.
  virtual const std::string& grad_output(int i) const = 0;
  // Whether the pass needs the gradient of input i (a parameter, or a value of the same block).
  virtual bool needs_grad(int i) const = 0;
  // Declares `value` to be the gradient of input i.
  virtual void set_grad_input(int i, const std::string& value) = 0;
  // Emits `op(inputs; attrs)` into the backward graph and returns the names of its outputs.
  // `label` becomes part of the generated value names (e.g. "dW").
  virtual std::vector<std::string> Emit(absl::string_view op, std::vector<std::string> inputs,
                                        std::vector<proto::Attr> attrs, absl::string_view label) = 0;
};

using ShapeFn = std::function<absl::Status(ShapeContext&)>;
using KernelFn = std::function<absl::Status(KernelContext&)>;
using GradFn = std::function<absl::Status(GradContext&)>;
// Multiply-accumulates of the forward op for the given types (whole batch).
using MacsFn = std::function<int64_t(const std::vector<ValueType>& inputs, const std::vector<ValueType>& outputs)>;

class OpDef {
 public:
  explicit OpDef(std::string name) : name_(std::move(name)) {}

  OpDef& Doc(std::string doc) {
    doc_ = std::move(doc);
    return *this;
  }
  OpDef& Input(std::string name, std::vector<DType> dtypes = {}) {
    inputs_.push_back({std::move(name), std::move(dtypes)});
    return *this;
  }
  OpDef& Output(std::string name) {
    outputs_.push_back({std::move(name), {}});
    return *this;
  }
  // After the declared outputs, a node may name any number (zero included) of further outputs,
  // all of kind `name`; the shape function sees how many (ShapeContext::outputs().size()).
  OpDef& TrailingOutputs(std::string name) {
    trailing_outputs_ = std::move(name);
    return *this;
  }
  OpDef& Attr(std::string name, AttrType type) {
    attrs_.push_back({std::move(name), type, std::nullopt});
    return *this;
  }
  OpDef& Attr(std::string name, int64_t default_value);
  OpDef& Attr(std::string name, std::vector<int64_t> default_value);
  OpDef& Attr(std::string name, std::string default_value);
  OpDef& SetShapeFn(ShapeFn fn) {
    shape_fn_ = std::move(fn);
    return *this;
  }
  OpDef& SetKernel(KernelFn fn) {
    kernel_ = std::move(fn);
    return *this;
  }
  OpDef& SetGrad(GradFn fn) {
    grad_ = std::move(fn);
    return *this;
  }
  OpDef& SetMacs(MacsFn fn) {
    macs_ = std::move(fn);
    return *this;
  }
  // Backward-only or non-differentiable op: the pass stops with an error if a gradient must
  // flow through it.
  OpDef& NoGradient() {
    no_gradient_ = true;
    return *this;
  }
  // The op is a local loss: the local-gradient pass starts at it.
  OpDef& Loss() {
    is_loss_ = true;
    return *this;
  }
  // The op draws from the step's RandomSource; the runtime keeps such nodes in program order.
  OpDef& Stochastic() {
    stochastic_ = true;
    return *this;
  }

  // Output 0 may be written into the buffer of input 0: the kernel is element-wise over them,
  // reading element i of input 0 only before it writes element i of output 0 (same dtype and
  // shape). The memory plan uses it to update a parameter in place.
  OpDef& UpdatesInPlace() {
    updates_in_place_ = true;
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<ArgSpec>& inputs() const { return inputs_; }
  const std::vector<ArgSpec>& outputs() const { return outputs_; }
  // The kind of the trailing outputs; empty when the op declares none.
  const std::string& trailing_outputs() const { return trailing_outputs_; }
  // Whether a node of this op may name `n` outputs.
  bool AcceptsOutputCount(int n) const {
    const int fixed = static_cast<int>(outputs_.size());
    return n == fixed || (!trailing_outputs_.empty() && n > fixed);
  }
  const std::vector<AttrSpec>& attrs() const { return attrs_; }
  const ShapeFn& shape_fn() const { return shape_fn_; }
  const KernelFn& kernel() const { return kernel_; }
  const GradFn& grad() const { return grad_; }
  const MacsFn& macs() const { return macs_; }
  bool no_gradient() const { return no_gradient_; }
  bool is_loss() const { return is_loss_; }
  bool stochastic() const { return stochastic_; }
  bool updates_in_place() const { return updates_in_place_; }

 private:
  std::string name_;
  std::string doc_;
  std::vector<ArgSpec> inputs_;
  std::vector<ArgSpec> outputs_;
  std::string trailing_outputs_;
  std::vector<AttrSpec> attrs_;
  ShapeFn shape_fn_;
  KernelFn kernel_;
  GradFn grad_;
  MacsFn macs_;
  bool no_gradient_ = false;
  bool is_loss_ = false;
  bool stochastic_ = false;
  bool updates_in_place_ = false;
};

// Attribute builders, for gradient rules and tests.
proto::Attr IntAttr(absl::string_view name, int64_t v);
proto::Attr IntsAttr(absl::string_view name, const std::vector<int64_t>& v);
proto::Attr StringAttr(absl::string_view name, absl::string_view v);

}  // namespace nitro

#endif  // NITRO_GRAPH_OP_DEF_H_
