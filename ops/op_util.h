// Small helpers shared by the op declarations: shape checks that produce clear messages.
#ifndef NITRO_OPS_OP_UTIL_H_
#define NITRO_OPS_OP_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/op_def.h"
#include "graph/status_macros.h"

namespace nitro {

// Error unless input i has the given rank.
inline absl::Status RequireRank(const ShapeContext& ctx, int i, int rank, const char* what) {
  if (static_cast<int>(ctx.input(i).shape.size()) != rank) {
    return ctx.Error(absl::StrCat(what, " must have rank ", rank, ", got shape ", ShapeString(ctx.input(i).shape)));
  }
  return absl::OkStatus();
}

inline absl::Status RequireSameShape(const ShapeContext& ctx, int a, int b, const char* what_a, const char* what_b) {
  if (ctx.input(a).shape != ctx.input(b).shape) {
    return ctx.Error(absl::StrCat(what_a, " ", ShapeString(ctx.input(a).shape), " and ", what_b, " ",
                                  ShapeString(ctx.input(b).shape), " must have the same shape"));
  }
  return absl::OkStatus();
}

}  // namespace nitro

#endif  // NITRO_OPS_OP_UTIL_H_
