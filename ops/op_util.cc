#include "ops/op_util.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/kernels/elementwise.h"

namespace nitro {
namespace {

constexpr int64_t kMaxConvPad = 16;
constexpr int64_t kMaxPoolWindow = int64_t{1} << 20;  // keeps every size computation far from overflow

}  // namespace

absl::Status RequireRank(const ShapeContext& ctx, int i, int rank, const char* what) {
  if (static_cast<int>(ctx.input(i).shape.size()) != rank) {
    return ctx.Error(absl::StrCat(what, " must have rank ", rank, ", got shape ", ShapeString(ctx.input(i).shape)));
  }
  return absl::OkStatus();
}

absl::Status RequireSameShape(const ShapeContext& ctx, int a, int b, const char* what_a, const char* what_b) {
  if (ctx.input(a).shape != ctx.input(b).shape) {
    return ctx.Error(absl::StrCat(what_a, " ", ShapeString(ctx.input(a).shape), " and ", what_b, " ",
                                  ShapeString(ctx.input(b).shape), " must have the same shape"));
  }
  return absl::OkStatus();
}

absl::Status RequireShape(const ShapeContext& ctx, int i, const Shape& want, const char* what) {
  if (ctx.input(i).shape != want) {
    return ctx.Error(
        absl::StrCat(what, " has shape ", ShapeString(ctx.input(i).shape), ", expected ", ShapeString(want)));
  }
  return absl::OkStatus();
}

absl::Status CheckPositive(const ShapeContext& ctx, absl::string_view name, absl::string_view why) {
  const int64_t v = ctx.attrs().GetInt(name);
  if (v <= 0) {
    return ctx.Error(
        absl::StrCat(name, " must be positive", why.empty() ? "" : absl::StrCat(" (", why, ")"), ", got ", v));
  }
  return absl::OkStatus();
}

absl::Status CheckConvPad(const ShapeContext& ctx, absl::string_view name) {
  const int64_t pad = ctx.attrs().GetInt(name);
  if (pad < 0 || pad > kMaxConvPad)
    return ctx.Error(absl::StrCat(name, " must be in [0, ", kMaxConvPad, "], got ", pad));
  return absl::OkStatus();
}

absl::Status CheckAlphaInv(const ShapeContext& ctx) {
  const int64_t alpha = ctx.attrs().GetInt("alpha_inv");
  if (kernels::NitroReluMeanCorrection(alpha) == 0) {
    return ctx.Error(absl::StrCat("alpha_inv must be one of 3, 4, 5, 7, 8, 10, 15, 16, 20; got ", alpha));
  }
  return absl::OkStatus();
}

kernels::ConvDims ConvDimsOf(const Shape& x, const Shape& w, int64_t pad) {
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], pad};
}

absl::StatusOr<kernels::ConvDims> CheckedConvDims(const ShapeContext& ctx, const Shape& x, const Shape& w,
                                                  absl::string_view pad_attr) {
  RETURN_IF_ERROR(CheckConvPad(ctx, pad_attr));
  if (x[1] != w[1]) {
    return ctx.Error(absl::StrCat("input x has ", x[1], " channels but weight w ", ShapeString(w), " expects ", w[1]));
  }
  const kernels::ConvDims d = ConvDimsOf(x, w, ctx.attrs().GetInt(pad_attr));
  if (d.Ho() <= 0 || d.Wo() <= 0) return ctx.Error("the kernel is larger than the padded input");
  return d;
}

kernels::PoolDims PoolDimsOf(const Shape& x, const AttrView& attrs) {
  const std::vector<int64_t> k = attrs.GetInts("kernel");
  const std::vector<int64_t> p = attrs.GetInts("pad");
  return {x[0], x[1], x[2], x[3], k[0], k[1], p[0], p[1]};
}

absl::StatusOr<kernels::PoolDims> CheckedPoolDims(const ShapeContext& ctx, const Shape& x,
                                                  const std::vector<int64_t>& k, const std::vector<int64_t>& p,
                                                  absl::string_view what) {
  if (k.size() != 2 || p.size() != 2) {
    return ctx.Error(absl::StrCat(what, "kernel and pad must each hold two integers (height, width)"));
  }
  const kernels::PoolDims d{x[0], x[1], x[2], x[3], k[0], k[1], p[0], p[1]};
  if (d.KH <= 0 || d.KW <= 0 || d.KH > kMaxPoolWindow || d.KW > kMaxPoolWindow) {
    return ctx.Error(absl::StrCat(what, "kernel sizes must be in [1, 2^20]"));
  }
  if (d.PH < 0 || d.PW < 0 || d.PH > d.KH / 2 || d.PW > d.KW / 2) {
    return ctx.Error(absl::StrCat(what, "padding must be in [0, kernel/2] per axis (the reference's rule)"));
  }
  if (d.H + 2 * d.PH < d.KH || d.W + 2 * d.PW < d.KW) {
    return ctx.Error(absl::StrCat(what, "the pooling window ", d.KH, "x", d.KW, " is larger than the padded input ",
                                  d.H + 2 * d.PH, "x", d.W + 2 * d.PW));
  }
  return d;
}

absl::StatusOr<kernels::PoolDims> CheckedPoolDims(const ShapeContext& ctx, const Shape& x) {
  return CheckedPoolDims(ctx, x, ctx.attrs().GetInts("kernel"), ctx.attrs().GetInts("pad"), "");
}

}  // namespace nitro
