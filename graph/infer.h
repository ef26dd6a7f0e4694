// Deriving what a model leaves out (run by the loader after ExpandFunctions, before validation).
//
//  * A parameter without a shape, consumed as the weight of a Linear that has `units: N`
//    ([N, in_features]) or of a Conv2D that has `filters: F` (and optionally `kernel_size: K`,
//    default 3: [F, C_in, K, K]). With an explicit shape as well, the two must agree.
//  * A Scale without a divisor whose input comes from a Linear or Conv2D: the NITRO-D rule
//    (spec §2.3, §3.1) divisor = 256 × fan-in, fan-in = the weight's elements per output unit.
//  * A MaxPool2D with `decoder_size: D` instead of a kernel: the head pooling rule of spec §3.2
//    (HeadPool below); when the rule needs no pooling the node is dropped.
// Explicit values always win; a model that omits nothing comes back unchanged. Also returns
// warnings: a Scale whose divisor is so small that its output saturates for most inputs.
#ifndef NITRO_GRAPH_INFER_H_
#define NITRO_GRAPH_INFER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/nitro.pb.h"

namespace nitro {

inline constexpr int64_t kScaleBase = 256;  // NITRO Scaling: divisor = 2^8 × fan-in

struct HeadPoolShape {
  int64_t kh = 1, kw = 1, ph = 0, pw = 0;  // kh = kw = 1: no pooling
  int64_t d = 0;                           // the head's input size C × ⌈S/kh⌉ × ⌈S/kw⌉
};
// The head pooling rule of spec §3.2 for a C × S × S block output and decoder size dmax.
HeadPoolShape HeadPool(int64_t channels, int64_t size, int64_t dmax);

absl::Status InferOmitted(proto::Model& model, std::vector<int>& node_lines, absl::string_view source,
                          std::vector<std::string>* warnings);

}  // namespace nitro

#endif  // NITRO_GRAPH_INFER_H_
