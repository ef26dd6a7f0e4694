// Expanding function calls: a model's nodes may call the `Function`s of its file and of its imports
// like ops; ExpandFunctions replaces every call by the function's body, inline, before validation.
//
// Names: a formal input/output stands for the call's actual value; every other value, parameter
// and node name N of the body becomes "<call>.N" (<call>: the call node's `name`, else its
// `block`), so `b1.head.w` says it is the head weight of call `b1`. Errors name the call and the
// chain of functions it went through.
#ifndef NITRO_GRAPH_EXPAND_H_
#define NITRO_GRAPH_EXPAND_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/nitro.pb.h"

namespace nitro {

// Expands every call in `model` (recursively), using `model.function()`. `node_lines` (one per
// node, may be empty) is rewritten alongside: an expanded node gets its call's line. Blocks named
// by calls and not declared are declared. A model without calls is left exactly as it is.
absl::Status ExpandFunctions(proto::Model& model, std::vector<int>& node_lines, absl::string_view source);

}  // namespace nitro

#endif  // NITRO_GRAPH_EXPAND_H_
