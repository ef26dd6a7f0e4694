// The C exporter: an inference graph and its parameters -> `<name>.h` and `<name>.c`, plain
// freestanding C99 that computes nitro's inference bit for bit:
//
//   int nitro_<name>_predict(const <input type> *input, <output type> *logits);
//
// fills logits[0 .. NITRO_<NAME>_OUTPUT_SIZE) for one sample and returns the index of the first
// largest logit (the class `nitro eval` predicts). Parameters become `static const` arrays in the
// narrowest integer type that holds each tensor; intermediate values live in static scratch
// arrays (one per element type) whose sizes come from the values' lifetimes (memory_plan.h). No
// heap, no float or double, no library call; only <stdint.h>. Not reentrant (static scratch).
#ifndef NITRO_DEPLOY_C_EXPORTER_H_
#define NITRO_DEPLOY_C_EXPORTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deploy/c_emitter.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace nitro::deploy {

using ParamMap = std::map<std::string, Tensor>;

struct CExportOptions {
  // The C name: files <name>.h/.c, function nitro_<name>_predict, macros NITRO_<NAME>_*.
  // Empty: the model's name as a C identifier.
  std::string name;
  // Extra lines for the comment header, e.g. where the parameters come from.
  std::vector<std::string> notes;
  const CEmitterRegistry* emitters = nullptr;  // null: CEmitterRegistry::Global()
  const OpRegistry* ops = nullptr;             // null: OpRegistry::Global() (for kernel-made tables)
};

struct CExportStats {
  int64_t parameters = 0;                         // elements of the parameters the inference graph uses
  std::map<DType, int64_t> parameters_stored_as;  // how many of them each C type stores
  int64_t weight_bytes = 0;                       // bytes of their const arrays
  int64_t table_bytes = 0;                        // bytes of lookup tables (NITRO-ReLU: 256 each)
  int64_t flash_bytes() const { return weight_bytes + table_bytes; }
  std::map<DType, int64_t> scratch_elements;  // the static scratch arrays, per element type
  int64_t scratch_bytes = 0;
  DType input_dtype = kInt8, output_dtype = kInt8;
  Shape input_shape;                        // per sample (batch dimension dropped)
  int64_t input_size = 0, output_size = 0;  // elements per sample
  int64_t macs = 0;                         // multiply-accumulates per sample
  int steps = 0;                            // computing steps (fused nodes count once)
};

struct CExport {
  std::string name;    // the C name
  std::string header;  // <name>.h
  std::string source;  // <name>.c
  CExportStats stats;
};

// `graph`: an inference graph at batch size 1 with one input and one output (see
// inference_graph.h); `params`: every parameter it uses, by name, with the graph's dtype and
// shape. Errors name the node: an op without a registered C emitter is InvalidArgument
// "<file>:<line>: node 'n' (Op): op 'Op' has no C emitter; ...".
absl::StatusOr<CExport> ExportC(const Graph& graph, const ParamMap& params, const CExportOptions& options = {});

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_C_EXPORTER_H_
