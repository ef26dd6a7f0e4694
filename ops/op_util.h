// Helpers shared by the op declarations: shape and attribute checks with one message per kind of
// problem, and the kernels' dimension structs filled in from shapes and attributes.
#ifndef NITRO_OPS_OP_UTIL_H_
#define NITRO_OPS_OP_UTIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/op_def.h"
#include "graph/shape.h"
#include "graph/status_macros.h"
#include "ops/kernels/conv2d.h"
#include "ops/kernels/max_pool.h"

namespace nitro {

// Error unless input i has the given rank: "<what> must have rank 2, got shape [1, 784]".
absl::Status RequireRank(const ShapeContext& ctx, int i, int rank, const char* what);

// Error unless inputs a and b have the same shape: "<what_a> [2] and <what_b> [3] must have the same shape".
absl::Status RequireSameShape(const ShapeContext& ctx, int a, int b, const char* what_a, const char* what_b);

// Error unless the int attribute `name` is positive: "divisor must be positive (256·fan_in), got 0"
// (`why` is the parenthesised reminder of what the value usually is; may be empty).
absl::Status CheckPositive(const ShapeContext& ctx, absl::string_view name, absl::string_view why = "");

// Error unless the int attribute `name`, a conv zero padding, is in [0, 16]:
// "pad must be in [0, 16], got -1".
absl::Status CheckConvPad(const ShapeContext& ctx, absl::string_view name = "pad");

// Error unless the int attribute alpha_inv is a NITRO-ReLU slope with a mean correction:
// "alpha_inv must be one of 3, 4, 5, 7, 8, 10, 15, 16, 20; got 6".
absl::Status CheckAlphaInv(const ShapeContext& ctx);

// The dims of a stride-1 convolution of x [B, C, H, W] with w [F, C, KH, KW] and zero padding
// `pad` on every side. Shapes of rank 4 (checked by the shape function).
kernels::ConvDims ConvDimsOf(const Shape& x, const Shape& w, int64_t pad);

// ConvDimsOf for a shape function: CheckConvPad(pad_attr), then x's channels must be w's and the
// kernel must fit the padded input. x and w must have rank 4 (RequireRank first).
absl::StatusOr<kernels::ConvDims> CheckedConvDims(const ShapeContext& ctx, const Shape& x, const Shape& w,
                                                  absl::string_view pad_attr = "pad");

// The dims of a max pool over x [B, C, H, W] with the node's `kernel` and `pad` attributes
// (height, width), stride = kernel. The attributes must have passed CheckedPoolDims.
kernels::PoolDims PoolDimsOf(const Shape& x, const AttrView& attrs);

// PoolDimsOf for a shape function: `kernel` and `pad` must hold two integers each, kernel sizes
// in [1, 2^20], padding in [0, kernel/2] per axis (the reference's rule), and the window must fit
// the padded input. x must have rank 4.
absl::StatusOr<kernels::PoolDims> CheckedPoolDims(const ShapeContext& ctx, const Shape& x);

// The same checks for a window `kernel` and padding `pad` given directly (a fused pool's); each
// message starts with `what` (e.g. "pool 1: ").
absl::StatusOr<kernels::PoolDims> CheckedPoolDims(const ShapeContext& ctx, const Shape& x,
                                                  const std::vector<int64_t>& kernel, const std::vector<int64_t>& pad,
                                                  absl::string_view what);

// Error unless input i has exactly the shape `want`: "<what> has shape [..], expected [..]".
absl::Status RequireShape(const ShapeContext& ctx, int i, const Shape& want, const char* what);

}  // namespace nitro

#endif  // NITRO_OPS_OP_UTIL_H_
