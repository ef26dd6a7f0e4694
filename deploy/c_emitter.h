// C emitters: how `nitro export-c` writes one op's inference computation as freestanding C99.
//
// An emitter is registered by op name, next to the op's kernel, in a library with alwayslink:
//
//   NITRO_REGISTER_C_EMITTER(CEmitter("AbsInt").SetEmit(EmitAbsInt));
//
// EmitAbsInt(CEmitContext&) appends C statements that read the node's inputs and write its
// outputs through the C expressions the context gives (ctx.input(i).ptr, ctx.output(i).ptr). The
// generated code must compute exactly what the op's kernel computes: integer semantics bit for
// bit, wrap-around modulo 2^32 in uint32_t arithmetic (signed overflow is undefined in C), no
// float or double, no library call. The exporter runs the emitters of an inference graph in
// topological order inside the generated predict() function, batch size 1.
#ifndef NITRO_DEPLOY_C_EMITTER_H_
#define NITRO_DEPLOY_C_EMITTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deploy/c_source.h"
#include "graph/graph.h"

namespace nitro::deploy {

// The elements of one value as the generated C sees them.
struct COperand {
  std::string ptr;         // C expression of a pointer to the first element: "input", "b0_w", "scratch_i8 + 784"
  DType storage = kInt32;  // the C element type behind `ptr` (a parameter may be stored narrower than int32)
  ValueType type;          // the graph's dtype and shape (batch dimension 1)
  const char* ctype() const { return CTypeOf(storage); }
  int64_t size() const { return NumElements(type.shape); }
};

// What an accumulating emitter (SetFusesScaleRelu) stores for each uint32 accumulator: the
// accumulator itself as int32 (z), or NITRO Scaling of it (s), and NITRO-ReLU of that (a).
struct Epilogue {
  int64_t divisor = 0;              // Scale's divisor; 0: no Scale, store z
  int64_t alpha_inv = 0;            // NitroRelu's alpha_inv (with a divisor); 0: no NitroRelu
  std::optional<COperand> z, s, a;  // where each result goes; empty where it is not stored
};

// File-scope definitions of the generated source (helper functions, lookup tables), each once.
class CDefinitions {
 public:
  // Adds `text` under `key` unless the key is already defined; `flash_bytes` counts constant data.
  void Add(const std::string& key, std::string text, int64_t flash_bytes = 0);
  bool Has(const std::string& key) const { return index_.count(key) > 0; }
  // Every definition in the order added.
  std::string Text() const;
  int64_t flash_bytes() const { return flash_bytes_; }

 private:
  std::vector<std::string> texts_;
  std::map<std::string, size_t> index_;
  int64_t flash_bytes_ = 0;
};

class CEmitContext {
 public:
  CEmitContext(const Graph& graph, int node, std::vector<COperand> inputs, std::vector<COperand> outputs,
               std::vector<bool> outputs_used, Epilogue epilogue, CDefinitions* defs, CCode* code,
               const OpRegistry* ops);

  const Graph& graph() const { return graph_; }
  const proto::Node& node() const { return graph_.nodes()[node_]; }
  const AttrView& attrs() const { return graph_.attrs(node_); }
  // "model.pbtxt (inference graph):12: node 'b0.z' (Linear)".
  std::string Where() const { return graph_.Where(node_); }
  // InvalidArgument "<Where()>: <message>".
  absl::Status Error(absl::string_view message) const;

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const COperand& input(int i) const { return inputs_[i]; }
  const COperand& output(int i) const { return outputs_[i]; }
  // Whether anything reads output i. An emitter registered with SetOptionalOutputs() must not
  // write an unused output (it has no storage); every other emitter writes all of them.
  bool output_used(int i) const { return outputs_used_[i]; }
  // For SetFusesScaleRelu() emitters: what to store for each accumulator (see StoreAccumulator).
  const Epilogue& epilogue() const { return epilogue_; }

  // The statements of this node, inside a block of their own.
  CCode& code() { return *code_; }
  CDefinitions& defs() { return *defs_; }

  // The name of a `static const int8_t NAME[256]` table, defined once, whose entry v + 128 is
  // what the registered kernel of `op` computes for the int8 input v (op: one int8 input, one
  // int8 output, element-wise) with attributes `attrs`. Exact by construction: it is the kernel's
  // own output. `name` must be a C identifier unique for (op, attrs).
  absl::StatusOr<std::string> Int8Table(absl::string_view op, const AttrView& attrs, const std::string& name);

 private:
  const Graph& graph_;
  int node_;
  std::vector<COperand> inputs_, outputs_;
  std::vector<bool> outputs_used_;
  Epilogue epilogue_;
  CDefinitions* defs_;
  CCode* code_;
  const OpRegistry* ops_;
};

using CEmitFn = std::function<absl::Status(CEmitContext&)>;

class CEmitter {
 public:
  explicit CEmitter(std::string op) : op_(std::move(op)) {}
  CEmitter& SetEmit(CEmitFn fn) {
    emit_ = std::move(fn);
    return *this;
  }
  // Output 0 holds the elements of input `i` unchanged (Flatten, Reshape, Dropout at inference):
  // no code and no buffer; consumers read input i's storage. Needs no emit function.
  CEmitter& SetAliasOf(int i) {
    alias_of_ = i;
    return *this;
  }
  // Output 0 is an int32 accumulator: the exporter may fuse a following Scale (and a NitroRelu
  // after it) into the node, and the emitter then stores each accumulator with StoreAccumulator.
  CEmitter& SetFusesScaleRelu() {
    fuses_scale_relu_ = true;
    return *this;
  }
  // The emitter writes only the outputs with ctx.output_used(i); unused ones get no buffer.
  CEmitter& SetOptionalOutputs() {
    optional_outputs_ = true;
    return *this;
  }

  const std::string& op() const { return op_; }
  const CEmitFn& emit() const { return emit_; }
  int alias_of() const { return alias_of_; }
  bool fuses_scale_relu() const { return fuses_scale_relu_; }
  bool optional_outputs() const { return optional_outputs_; }

 private:
  std::string op_;
  CEmitFn emit_;
  int alias_of_ = -1;
  bool fuses_scale_relu_ = false;
  bool optional_outputs_ = false;
};

// The process-wide table of C emitters, filled by static registrars like the op registry.
class CEmitterRegistry {
 public:
  static CEmitterRegistry& Global();
  // Adds an emitter; a duplicate or incomplete one is remembered and reported by Validate().
  void Register(CEmitter emitter);
  const CEmitter* Find(absl::string_view op) const;
  std::vector<std::string> OpNames() const;
  absl::Status Validate() const;

 private:
  std::map<std::string, std::unique_ptr<CEmitter>, std::less<>> emitters_;
  std::vector<std::string> problems_;
};

struct CEmitterRegistrar {
  explicit CEmitterRegistrar(CEmitter e) { CEmitterRegistry::Global().Register(std::move(e)); }
};

#define NITRO_REGISTER_C_EMITTER_CONCAT_INNER_(a, b) a##b
#define NITRO_REGISTER_C_EMITTER_CONCAT_(a, b) NITRO_REGISTER_C_EMITTER_CONCAT_INNER_(a, b)
// Registers a CEmitter at static-initialisation time. Put it in a cc_library with alwayslink = True.
#define NITRO_REGISTER_C_EMITTER(emitter) \
  static ::nitro::deploy::CEmitterRegistrar NITRO_REGISTER_C_EMITTER_CONCAT_(nitro_c_emitter_, __COUNTER__)(emitter)

// ---- Helpers for emitters ----------------------------------------------------------------------

// A C expression (int32_t) of clip(trunc(z / divisor), -127, 127), NITRO Scaling, for a C
// expression `z` of type int32_t. Divisors above INT32_MAX are folded: the quotient of an int32
// by them is -1 only for INT32_MIN / 2^31, else 0. Defines the helper nitro_clip127 in `defs`.
std::string ScaleExpr(CDefinitions& defs, const std::string& z, int64_t divisor);

// A C expression (int32_t) of the uint32_t accumulator expression `acc` read as two's-complement
// int32, without the implementation-defined conversion of values >= 2^31. Defines nitro_i32.
std::string Int32Of(CDefinitions& defs, const std::string& acc);

// The statements that store the uint32_t accumulator `acc` (a C variable) at element `index` (a
// C expression) as the context's epilogue says: z = int32(acc); s = Scale(z); a = NitroRelu(s).
absl::StatusOr<std::string> StoreAccumulator(CEmitContext& ctx, const Epilogue& e, const std::string& acc,
                                             const std::string& index);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_C_EMITTER_H_
